import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadToolConfig, maskSecrets } from './load.js';

const TOKEN = { SEGMENT_MIXPANEL_MIXPANEL_PROJECT_TOKEN: 'tok-123' };

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sm-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills every section with defaults when only the token is given', () => {
    const config = loadConfig({ env: TOKEN });
    expect(config.mixpanel.region).toBe('us');
    expect(config.batching.maxRecords).toBe(2000);
    expect(config.mapping.idMergeMode).toBe('simplified');
    expect(config.kafka.topics).toEqual(['segment-events']);
  });

  it('reads a YAML file holding only mixpanel and mapping', () => {
    const file = tempFile(
      'c.yaml',
      'mixpanel:\n  projectToken: abc\nmapping:\n  pageNaming: named\n',
    );
    const config = loadConfig({ file, env: {} });
    expect(config.mixpanel.projectToken).toBe('abc');
    expect(config.mapping.pageNaming).toBe('named');
  });

  it('reads JSON files and lets the environment win over the file', () => {
    const file = tempFile(
      'c.json',
      JSON.stringify({ mixpanel: { projectToken: 'abc' }, batching: { lingerMs: 10 } }),
    );
    const config = loadConfig({ file, env: { SEGMENT_MIXPANEL_BATCHING_LINGER_MS: '250' } });
    expect(config.batching.lingerMs).toBe(250);
  });

  it('coerces environment lists, numbers and booleans', () => {
    const config = loadConfig({
      env: {
        ...TOKEN,
        SEGMENT_MIXPANEL_KAFKA_BROKERS: 'a:9092, b:9092',
        SEGMENT_MIXPANEL_MAPPING_PEOPLE: 'false',
        SEGMENT_MIXPANEL_DEAD_LETTER_MAX_RATIO: '0.25',
        SEGMENT_MIXPANEL_MIXPANEL_SERVICE_ACCOUNT_USERNAME: 'sa',
        SEGMENT_MIXPANEL_MIXPANEL_SERVICE_ACCOUNT_SECRET: 's3cret',
        SEGMENT_MIXPANEL_MIXPANEL_PROJECT_ID: '42',
      },
    });
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(config.mapping.people).toBe(false);
    expect(config.deadLetter.maxRatio).toBe(0.25);
    expect(config.mixpanel.serviceAccount).toEqual({ username: 'sa', secret: 's3cret' });
  });

  it('names the variable and quotes the bad value', () => {
    expect(
      problemsOf(() =>
        loadConfig({ env: { ...TOKEN, SEGMENT_MIXPANEL_BATCHING_MAX_RECORDS: '5000' } }),
      ),
    ).toEqual([
      'SEGMENT_MIXPANEL_BATCHING_MAX_RECORDS = 5000: Too big: expected number to be <=2000',
    ]);
    expect(
      problemsOf(() =>
        loadConfig({ env: { ...TOKEN, SEGMENT_MIXPANEL_RETRY_INITIAL_DELAY_MS: 'soon' } }),
      ),
    ).toEqual(['SEGMENT_MIXPANEL_RETRY_INITIAL_DELAY_MS="soon": expected an integer']);
  });

  it('names the key and the file for a bad file value', () => {
    const file = tempFile('c.yaml', 'mixpanel:\n  projectToken: abc\n  region: EU\n');
    const [problem] = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problem).toContain('mixpanel.region = "EU"');
    expect(problem).toContain(file);
    expect(problem).toContain('"us"');
  });

  it('rejects unknown keys and suggests the key or variable meant', () => {
    const file = tempFile(
      'c.yaml',
      'mixpanel:\n  projectToken: abc\n  projectid: "1"\nbatching:\n  maxRecord: 10\n  colour: red\nkafak:\n  brokers: [a:1]\n',
    );
    expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
      `unknown key mixpanel.projectid in ${file} (did you mean mixpanel.projectId?)`,
      `unknown key batching.maxRecord in ${file} (did you mean batching.maxRecords?); unknown key batching.colour in ${file}`,
      `unknown key kafak in ${file} (did you mean kafka?)`,
    ]);
    expect(
      problemsOf(() => loadConfig({ env: { ...TOKEN, SEGMENT_MIXPANEL_KAFKA_BROKER: 'x:1' } })),
    ).toEqual([
      'SEGMENT_MIXPANEL_KAFKA_BROKER is not a setting (did you mean SEGMENT_MIXPANEL_KAFKA_BROKERS?)',
    ]);
  });

  it('says which required key is missing and how to set it', () => {
    expect(problemsOf(() => loadConfig({ env: {} }))).toEqual([
      'mixpanel.projectToken (or SEGMENT_MIXPANEL_MIXPANEL_PROJECT_TOKEN) is required',
    ]);
  });

  it('checks cross-field rules', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          ...TOKEN,
          SEGMENT_MIXPANEL_MIXPANEL_SERVICE_ACCOUNT_USERNAME: 'sa',
          SEGMENT_MIXPANEL_MIXPANEL_SERVICE_ACCOUNT_SECRET: 'x',
        },
      }),
    );
    expect(problems.join('\n')).toContain('projectId is required when serviceAccount is set');
  });

  it('never quotes a secret in an error', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { ...TOKEN, SEGMENT_MIXPANEL_MIXPANEL_API_SECRET: '' } }),
    );
    expect(problems.join('\n')).not.toContain('""');
    expect(problems.join('\n')).toContain('SEGMENT_MIXPANEL_MIXPANEL_API_SECRET = "****"');
  });

  it('reports a missing or malformed file by name', () => {
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/c.yaml', env: {} }))).toEqual([
      'config file /nonexistent/c.yaml: not found',
    ]);
    const file = tempFile('c.json', '{ nope');
    expect(problemsOf(() => loadConfig({ file, env: {} }))[0]).toMatch(
      /^config file .*c\.json: not valid JSON/,
    );
  });

  it('returns a frozen config', () => {
    const config = loadConfig({ env: TOKEN });
    expect(Object.isFrozen(config.batching)).toBe(true);
  });
});

describe('maskSecrets', () => {
  it('replaces every secret and keeps the rest', () => {
    const config = loadConfig({
      env: {
        ...TOKEN,
        SEGMENT_MIXPANEL_MIXPANEL_API_SECRET: 'very-secret',
        SEGMENT_MIXPANEL_KAFKA_SSL: 'true',
        SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'plain',
        SEGMENT_MIXPANEL_KAFKA_SASL_USERNAME: 'u',
        SEGMENT_MIXPANEL_KAFKA_SASL_PASSWORD: 'pw',
      },
    });
    const masked = JSON.stringify(maskSecrets(config));
    expect(masked).not.toContain('very-secret');
    expect(masked).not.toContain('"pw"');
    expect(masked).toContain('"tok-123"');
  });
});

describe('the proxy variables', () => {
  it('fill mixpanel.proxy and mixpanel.noProxy, lower case first, HTTPS_PROXY for https', () => {
    const config = loadConfig({
      env: {
        ...TOKEN,
        HTTPS_PROXY: 'http://upper:3128',
        https_proxy: 'http://lower:3128',
        HTTP_PROXY: 'http://plain:3128',
        NO_PROXY: 'localhost, 127.0.0.1,,.internal',
      },
    });
    expect(config.mixpanel.proxy).toBe('http://lower:3128');
    expect(config.mixpanel.noProxy).toEqual(['localhost', '127.0.0.1', '.internal']);
  });

  it('use HTTP_PROXY for an http:// apiHost, and read a bare host:port as http://', () => {
    const config = loadConfig({
      env: {
        ...TOKEN,
        SEGMENT_MIXPANEL_MIXPANEL_API_HOST: 'http://127.0.0.1:8086',
        HTTPS_PROXY: 'http://secure:3128',
        HTTP_PROXY: 'plain:3128',
      },
    });
    expect(config.mixpanel.proxy).toBe('http://plain:3128');
  });

  it('give way to the settings, and name the variable when the value is bad', () => {
    const config = loadConfig({
      env: {
        ...TOKEN,
        SEGMENT_MIXPANEL_MIXPANEL_PROXY: 'http://set:1',
        HTTPS_PROXY: 'http://env:2',
      },
    });
    expect(config.mixpanel.proxy).toBe('http://set:1');
    expect(
      problemsOf(() => loadConfig({ env: { ...TOKEN, HTTPS_PROXY: 'socks5://u:pw@p:1' } })),
    ).toEqual(['HTTPS_PROXY = "socks5://****@p:1": expected an http:// or https:// URL']);
  });

  it('leave the tools that need no mixpanel section alone', () => {
    expect(loadToolConfig({ env: { HTTPS_PROXY: 'http://p:1' } }).mixpanel).toBeUndefined();
  });
});

describe('loadToolConfig', () => {
  it('does not require the mixpanel section, but still validates the rest', () => {
    const config = loadToolConfig({ env: { SEGMENT_MIXPANEL_KAFKA_BROKERS: 'k:9092' } });
    expect(config.kafka.brokers).toEqual(['k:9092']);
    expect(config.mixpanel).toBeUndefined();
    expect(
      problemsOf(() => loadToolConfig({ env: { SEGMENT_MIXPANEL_KAFKA_TOPICS: '' } }))[0],
    ).toContain('SEGMENT_MIXPANEL_KAFKA_TOPICS');
  });
});
