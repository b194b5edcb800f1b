import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createCommandLogger, renderEntry, resolveLogFormat } from './log-output.js';

describe('resolveLogFormat', () => {
  it('is pretty on a terminal with auto, JSON otherwise, and obeys an explicit choice', () => {
    expect(resolveLogFormat('auto', { isTTY: true })).toBe('pretty');
    expect(resolveLogFormat('auto', {})).toBe('json');
    expect(resolveLogFormat('json', { isTTY: true })).toBe('json');
    expect(resolveLogFormat('pretty', {})).toBe('pretty');
  });
});

describe('renderEntry', () => {
  it('puts the detail after the message and the fields as name value pairs', () => {
    expect(
      renderEntry({
        level: 'info',
        time: 1,
        service: 'segment-mixpanel',
        msg: 'progress',
        consumed: 1200,
        delivered: { '/import': 1150, '/engage': 30 },
        topics: ['a', 'b'],
      }),
    ).toBe('progress  consumed 1200  delivered /import 1150 /engage 30  topics a,b');
    expect(renderEntry({ level: 'fatal', msg: 'cannot start', detail: 'no broker' })).toBe(
      'cannot start: no broker',
    );
  });

  it('shows an error stack at error level and above only', () => {
    const err = { message: 'boom', stack: 'Error: boom\n    at here' };
    expect(renderEntry({ level: 'warn', msg: 'retrying', err })).toBe('retrying  error boom');
    expect(renderEntry({ level: 'error', msg: 'failed', err })).toBe(
      'failed  error boom\nError: boom\n    at here',
    );
  });
});

describe('createCommandLogger', () => {
  function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    return { stream, text: () => text };
  }

  it('writes one readable line per entry in pretty form, JSON otherwise', async () => {
    const pretty = sink();
    (await createCommandLogger({ level: 'info' }, 'pretty', pretty.stream)).warn(
      { err: new Error('boom'), broker: 'k:1' },
      'kafkajs: Connection error',
    );
    expect(pretty.text()).toMatch(
      /^\[\d\d:\d\d:\d\d\] WARN: kafkajs: Connection error {2}broker k:1 {2}error boom\n$/,
    );
    const json = sink();
    (await createCommandLogger({ level: 'info' }, 'json', json.stream)).info({ n: 1 }, 'hello');
    expect(JSON.parse(json.text())).toMatchObject({ level: 'info', msg: 'hello', n: 1 });
  });
});
