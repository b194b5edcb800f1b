/** What counts as a documented command (test/harness/doc-commands.ts). */
import { describe, expect, it } from 'vitest';
import { extractCommands, stripComment } from '../harness/doc-commands.js';

describe('extractCommands', () => {
  it('takes every line of sh blocks, joining continuations and dropping comments', () => {
    const markdown = [
      '```sh',
      '# a comment line',
      'npx segment-mixpanel run -c config.yaml   # run it',
      '',
      'echo \'{"a":1}\' \\',
      '  | npx segment-mixpanel transform -c config.yaml',
      '```',
      '```yaml',
      'kafka: {}',
      '```',
      '```',
      'not a shell block',
      '```',
    ].join('\n');
    expect(extractCommands(markdown, 'X.md')).toEqual([
      { command: 'npx segment-mixpanel run -c config.yaml', where: 'X.md:3' },
      {
        command: `echo '{"a":1}' | npx segment-mixpanel transform -c config.yaml`,
        where: 'X.md:5',
      },
    ]);
  });

  it('takes inline code that is a whole command, not mentions of one', () => {
    const markdown =
      'Run `npm run demo -- --help`, or `npx segment-mixpanel topics create -c config.yaml`; ' +
      'the command is `npx segment-mixpanel …` and the key is `kafka.brokers`.';
    expect(extractCommands(markdown, 'Y.md').map((c) => c.command)).toEqual([
      'npm run demo -- --help',
      'npx segment-mixpanel topics create -c config.yaml',
    ]);
  });
});

describe('stripComment', () => {
  it('keeps a # inside quotes or words', () => {
    expect(stripComment(`jq '.codes[] | {code, count}'  # a comment`)).toBe(
      `jq '.codes[] | {code, count}'`,
    );
    expect(stripComment(`echo "a # b" x#y`)).toBe(`echo "a # b" x#y`);
  });
});
