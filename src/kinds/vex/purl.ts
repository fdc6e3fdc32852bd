/**
 * Matching package URLs (https://github.com/package-url/purl-spec) loosely enough for VEX: type,
 * namespace and name must be equal (case-insensitively where the purl spec says so); a version
 * must be equal when both give one; qualifiers and subpath are ignored.
 */

export interface PurlParts {
  type: string;
  namespace: string;
  name: string;
  version: string | null;
}

export function parsePurl(purl: string): PurlParts | null {
  if (!purl.startsWith('pkg:')) return null;
  let rest = purl.slice(4).replace(/^\/+/, '');
  rest = rest.replace(/#.*$/, '').replace(/\?.*$/, '');
  const at = rest.lastIndexOf('@');
  const version = at === -1 ? null : decodeURIComponent(rest.slice(at + 1));
  const path = (at === -1 ? rest : rest.slice(0, at)).split('/').filter((part) => part !== '');
  const type = path.shift()?.toLowerCase();
  const name = path.pop();
  if (type === undefined || name === undefined) return null;
  return { type, namespace: path.map(decodeURIComponent).join('/'), name: decodeURIComponent(name), version };
}

const CASE_INSENSITIVE_TYPES = new Set(['github', 'bitbucket', 'pypi', 'npm', 'deb', 'apk', 'rpm', 'golang']);

export function purlsMatch(statement: string, finding: string): boolean {
  const a = parsePurl(statement);
  const b = parsePurl(finding);
  if (a === null || b === null) return statement === finding;
  const fold = (value: string) => (CASE_INSENSITIVE_TYPES.has(a.type) ? value.toLowerCase() : value);
  // The whole path: govulncheck writes a Go module as one escaped name (pkg:golang/golang.org%2Fx%2Fnet),
  // others as namespace and name (pkg:golang/golang.org/x/net).
  const path = (parts: PurlParts) =>
    fold(parts.namespace === '' ? parts.name : `${parts.namespace}/${parts.name}`);
  return (
    a.type === b.type &&
    path(a) === path(b) &&
    (a.version === null || b.version === null || a.version === b.version)
  );
}

/** The image digest an OCI purl names (pkg:oci/app@sha256%3Aabc...), or null. */
export function ociDigest(id: string): string | null {
  const parts = parsePurl(id);
  if (parts !== null) return parts.type === 'oci' && parts.version !== null ? parts.version : null;
  return /^sha256:[0-9a-f]{64}$/.test(id) ? id : null;
}
