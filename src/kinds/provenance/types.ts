/** The one normalised shape of build provenance. */

export interface ProvenanceSubject {
  name: string;
  /** `algorithm:hex`. */
  digests: string[];
}

export interface Provenance {
  /** 'slsa-v1' or 'slsa-v0.2'. */
  format: string;
  builderId: string;
  buildType: string;
  /** The source repository (e.g. https://github.com/acme/app), or null. */
  sourceRepo: string | null;
  /** The source ref (refs/heads/main, refs/tags/v1.1), or null. */
  sourceRef: string | null;
  /** The source commit (git SHA-1 or SHA-256), or null. */
  commit: string | null;
  invocationId: string | null;
  startedOn: string | null;
  finishedOn: string | null;
  /** The statement's subjects; empty for a bare predicate. */
  subjects: ProvenanceSubject[];
}

/** "git+https://github.com/acme/app@refs/heads/main" -> repository and ref. */
export function splitGitUri(uri: string): { repo: string; ref: string | null } {
  const bare = uri.replace(/^git\+/, '');
  const at = bare.lastIndexOf('@');
  const slash = bare.indexOf('://');
  if (at > slash + 3 && !bare.slice(slash + 3, at).endsWith(':') && bare.slice(at + 1).length > 0) {
    const host = bare.slice(slash + 3, at);
    // user@host URIs have no "/" before the "@".
    if (host.includes('/')) return { repo: bare.slice(0, at), ref: bare.slice(at + 1) };
  }
  return { repo: bare, ref: null };
}

export function commitOf(digest: Readonly<Record<string, string>> | undefined): string | null {
  return digest?.gitCommit ?? digest?.sha1 ?? digest?.sha256 ?? null;
}
