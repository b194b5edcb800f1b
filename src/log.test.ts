import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('createLogger', () => {
  it('never writes the values of secret-bearing fields', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: 'info' }, sink);
    logger.info(
      {
        sasl: { password: 'pw-1', oauthbearer: 'x' },
        oauthbearer: { clientSecret: 'cs-2' },
        tls: { keyPassphrase: 'kp-3' },
        registry: { token: 'tk-4' },
        headers: { authorization: 'Basic au-5', 'proxy-authorization': 'Basic pa-6' },
      },
      'settings',
    );
    for (const secret of ['pw-1', 'cs-2', 'kp-3', 'tk-4', 'au-5', 'pa-6']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('****');
  });
});
