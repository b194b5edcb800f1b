/**
 * Tokens for Amazon MSK IAM access control (`kafka.sasl.mechanism: aws-msk-iam`): AWS's signer
 * presigns a `kafka-cluster:Connect` request with the credentials of the default AWS provider chain
 * (environment, shared config and credentials files, SSO, web identity, ECS and EC2 roles), and MSK
 * takes it as an OAUTHBEARER token. The signer and the AWS SDK it needs are loaded only when this
 * mechanism is used. Not tested against MSK itself here: the unit tests check the token it makes.
 */
import type * as Signer from 'aws-msk-iam-sasl-signer-js';
import type { GenerateAuthTokenFromCredentialOptions } from 'aws-msk-iam-sasl-signer-js';
import type { Clock } from '../clock.js';
import { TokenUnavailableError, type FetchToken } from './bearer-token.js';

const SETTINGS = 'the AWS credentials (default provider chain) and kafka.sasl.awsRegion';

export interface MskIamOptions {
  readonly region: string;
  readonly clock: Clock;
  /** Instead of the default provider chain (tests). */
  readonly credentials?: GenerateAuthTokenFromCredentialOptions['awsCredentialsProvider'];
}

export function mskIamTokens(options: MskIamOptions): FetchToken {
  return async () => {
    let signer: typeof Signer;
    try {
      signer = await import('aws-msk-iam-sasl-signer-js');
    } catch (err) {
      throw new TokenUnavailableError(
        'the aws-msk-iam-sasl-signer-js package',
        'the MSK IAM signer (aws-msk-iam-sasl-signer-js) cannot be loaded; reinstall the dependencies',
        { cause: err },
      );
    }
    try {
      const { token, expiryTime } = options.credentials
        ? await signer.generateAuthTokenFromCredentialsProvider({
            region: options.region,
            awsCredentialsProvider: options.credentials,
          })
        : await signer.generateAuthToken({ region: options.region });
      return { value: token, lifetimeMs: expiryTime - options.clock.now() };
    } catch (err) {
      const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new TokenUnavailableError(
        SETTINGS,
        `cannot sign an MSK IAM token: ${detail}; check ${SETTINGS}`,
        {
          cause: err,
        },
      );
    }
  };
}
