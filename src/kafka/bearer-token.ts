/**
 * Bearer tokens for SASL OAUTHBEARER, whatever issues them (an OIDC identity provider, the Amazon
 * MSK IAM signer), and the typed error for "no token could be had" that names the setting to check.
 */

export interface BearerToken {
  readonly value: string;
  /** How long the token is valid from when it was issued; undefined when the issuer did not say. */
  readonly lifetimeMs: number | undefined;
}

export type FetchToken = () => Promise<BearerToken>;

/** The issuer refused or could not be reached; `settings` are what to check, in words. */
export class TokenUnavailableError extends Error {
  override name = 'TokenUnavailableError';
  constructor(
    readonly settings: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
