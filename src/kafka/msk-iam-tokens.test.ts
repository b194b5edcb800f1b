/**
 * The MSK IAM wiring with static fake credentials: the token AWS's signer makes, and that the
 * OAUTHBEARER authenticator sends it. Never run against MSK itself (none is reachable here), and
 * never with the default credential chain, which could reach the EC2 metadata endpoint.
 */
import { describe, expect, it } from 'vitest';
import type { AuthenticationProviderArgs, Mechanism } from 'kafkajs';
import { systemClock } from '../clock.js';
import { configSchema } from '../config/schema.js';
import { TokenUnavailableError } from './bearer-token.js';
import { mskIamTokens } from './msk-iam-tokens.js';
import { kafkaSasl } from './sasl.js';

const credentials = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
});

function presignedUrl(token: string): URL {
  return new URL(Buffer.from(token, 'base64url').toString());
}

describe('mskIamTokens', () => {
  it('signs a kafka-cluster:Connect request for the region, valid 15 minutes', async () => {
    const token = await mskIamTokens({ region: 'eu-west-1', clock: systemClock, credentials })();
    const url = presignedUrl(token.value);
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-token');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(token.lifetimeMs).toBeGreaterThan(890_000);
    expect(token.lifetimeMs).toBeLessThanOrEqual(900_000);
  });

  it('names the credentials and the region when signing fails', async () => {
    const error = await mskIamTokens({
      region: 'eu-west-1',
      clock: systemClock,
      credentials: async () => Promise.reject(new Error('no credentials in the chain')),
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toContain('kafka.sasl.awsRegion');
    expect((error as Error).message).toContain('no credentials in the chain');
  });
});

describe('kafka.sasl.mechanism aws-msk-iam', () => {
  it('sends the signed token as an OAUTHBEARER token', async () => {
    const config = configSchema.parse({
      mixpanel: { projectToken: 't' },
      kafka: { ssl: true, sasl: { mechanism: 'aws-msk-iam', awsRegion: 'us-east-1' } },
    });
    const built = kafkaSasl(config.kafka, { clock: systemClock, awsCredentials: credentials });
    if (!built.ok) throw new Error(built.problems.join('; '));
    const sasl = built.value.sasl as Mechanism;
    expect(sasl.mechanism).toBe('oauthbearer');
    const sent: string[] = [];
    await sasl
      .authenticationProvider({
        host: 'b-1.msk.example',
        port: 9098,
        saslAuthenticate: async ({ request }) => {
          sent.push((await request.encode()).subarray(4).toString());
        },
      } as AuthenticationProviderArgs)
      .authenticate();
    const [gs2, auth, ...rest] = (sent[0] ?? '').split('\u0001');
    expect([gs2, rest]).toEqual(['n,,', ['', '']]);
    const token = auth?.replace(/^auth=Bearer /, '') ?? '';
    expect(presignedUrl(token).host).toBe('kafka.us-east-1.amazonaws.com');
  });
});
