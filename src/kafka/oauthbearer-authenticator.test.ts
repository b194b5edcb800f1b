import { describe, expect, it } from 'vitest';
import type { AuthenticationProviderArgs, SaslAuthenticateArgs } from 'kafkajs';
import { silentLogger } from '../log.js';
import { TokenUnavailableError } from './bearer-token.js';
import {
  TokenRejectedError,
  initialResponse,
  oauthBearerAuthenticator,
  parseChallenge,
} from './oauthbearer-authenticator.js';

const SOH = '\u0001';

/**
 * kafkajs' side of the exchange: records the SASL bytes the authenticator sends and answers each
 * with the next of `answers` (the server's auth bytes), as SaslAuthenticate v1 does.
 */
function broker(answers: Buffer[]) {
  const sent: string[] = [];
  const saslAuthenticate = async <T>(args: SaslAuthenticateArgs<T>): Promise<T | void> => {
    const bytes = await args.request.encode();
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    sent.push(bytes.subarray(4).toString());
    const answer = answers.shift() ?? Buffer.alloc(0);
    if (!args.response) return;
    return args.response.parse(await args.response.decode(answer));
  };
  const args = {
    host: 'b1',
    port: 9093,
    logger: silentLogger() as unknown as AuthenticationProviderArgs['logger'],
    saslAuthenticate,
  } as AuthenticationProviderArgs;
  return { sent, args };
}

async function failure(run: Promise<void>): Promise<Error & { retriable?: boolean }> {
  try {
    await run;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the login to fail');
}

describe('initialResponse', () => {
  it('frames the token and the extensions as RFC 7628 says', () => {
    expect(initialResponse('abc')).toBe(`n,,${SOH}auth=Bearer abc${SOH}${SOH}`);
    expect(initialResponse('abc', ['logicalCluster=lkc-1', 'identityPoolId=pool-2'])).toBe(
      `n,,${SOH}auth=Bearer abc${SOH}logicalCluster=lkc-1${SOH}identityPoolId=pool-2${SOH}${SOH}`,
    );
  });
});

describe('oauthBearerAuthenticator', () => {
  it('logs in with one message when the broker answers nothing', async () => {
    const { sent, args } = broker([Buffer.alloc(0)]);
    await oauthBearerAuthenticator(async () => 'tok', ['a=1'])(args).authenticate();
    expect(sent).toEqual([initialResponse('tok', ['a=1'])]);
  });

  it('fails at once on an error challenge, after finishing the exchange with %x01', async () => {
    const { sent, args } = broker([Buffer.from('{"status":"invalid_token"}')]);
    const error = await failure(oauthBearerAuthenticator(async () => 'old')(args).authenticate());
    expect(sent).toEqual([initialResponse('old'), SOH]);
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.retriable).toBe(false);
    expect(error.cause).toBeInstanceOf(TokenRejectedError);
    expect((error.cause as TokenRejectedError).status).toBe('invalid_token');
    expect(error.message).toContain('b1:9093');
  });

  it('also reads a challenge that still carries its length prefix', async () => {
    const body = Buffer.from('{"status":"insufficient_scope","scope":"[kafka]"}');
    const prefixed = Buffer.concat([Buffer.alloc(4), body]);
    prefixed.writeInt32BE(body.length, 0);
    const { args } = broker([prefixed]);
    const error = await failure(oauthBearerAuthenticator(async () => 't')(args).authenticate());
    expect(error.cause).toMatchObject({ status: 'insufficient_scope', scope: '[kafka]' });
  });

  it('fails with the issuer error as cause when no token can be had', async () => {
    const { sent, args } = broker([]);
    const unavailable = new TokenUnavailableError('kafka.sasl.oauthbearer', 'answered 401');
    const error = await failure(
      oauthBearerAuthenticator(async () => Promise.reject(unavailable))(args).authenticate(),
    );
    expect(sent).toEqual([]);
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.retriable).toBe(false);
    expect(error.cause).toBe(unavailable);
  });
});

describe('parseChallenge', () => {
  it('keeps a non-JSON answer as text', () => {
    expect(parseChallenge(Buffer.from('nope')).status).toBe('nope');
  });
});
