/** Classifies registry requests by their URL path, for per-operation request counting. */
import type { RequestClass } from './types.ts';

export function requestClassOf(path: string): RequestClass {
  let pathname = path;
  if (/^https?:\/\//i.test(path)) {
    try {
      pathname = new URL(path).pathname;
    } catch {
      return 'other';
    }
  } else {
    pathname = path.split(/[?#]/, 1)[0] ?? path;
  }
  if (pathname === '/v2/' || pathname === '/v2') return 'ping';
  if (pathname.includes('/blobs/uploads')) return 'upload';
  if (pathname.includes('/blobs/')) return 'blob';
  if (pathname.includes('/manifests/')) return 'manifest';
  if (pathname.includes('/referrers/')) return 'referrers';
  if (pathname.endsWith('/tags/list')) return 'tags';
  return 'other';
}
