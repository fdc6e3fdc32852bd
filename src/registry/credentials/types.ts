/** Registry credentials and where they come from. */

/** A user name and password (or personal access token used as a password). */
export interface PasswordCredentials {
  username: string;
  password: string;
}

/**
 * An identity (refresh) token, e.g. from `docker login` to a registry with OAuth2: exchanged at the
 * token endpoint with `grant_type=refresh_token`.
 */
export interface IdentityTokenCredentials {
  identityToken: string;
  /** The account name, when known (sent as `account`/`username`, never required). */
  username?: string | undefined;
}

export type Credentials = PasswordCredentials | IdentityTokenCredentials;

/** Credentials for a registry host (`docker.io`, `localhost:5000`), or undefined for anonymous access. */
export type CredentialProvider = (registry: string) => Promise<Credentials | undefined>;

export function isPasswordCredentials(credentials: Credentials): credentials is PasswordCredentials {
  return 'password' in credentials;
}
