/**
 * Content that contradicts the image it is stored for (docs/kinds.md, "Content about another
 * image"): a scan whose `RepoDigests` name another image, a report of another platform, provenance
 * whose subject is another digest. `put` warns (or, strict, refuses before any write).
 *
 * The content's claims (src/kinds/claims.ts) are compared with the manifest the version is stored
 * for: its digest, or the digest of the index it belongs to (a scan by tag names the index), and its
 * platform when the put names one. Content over 16 MiB, non-JSON and content that claims nothing are
 * not checked. No request: the subject is resolved by the put anyway.
 */
import { ManifestoError } from '../errors/errors.ts';
import { claimsOf } from '../kinds/claims.ts';
import { kindFor } from '../kinds/well-known.ts';
import type { Platform } from '../oci/descriptor.ts';
import { formatPlatform, normalizePlatform } from '../oci/platform.ts';
import type { PreparedContent } from './content-source.ts';
import { FULL_PARSE_LIMIT } from './detect-media-type.ts';

export interface StoredFor {
  /** The manifest the version is stored for. */
  digest: string;
  /** The index that manifest belongs to (a platform's image), if any. */
  indexDigest?: string | undefined;
  /** The platform the put names, if any. */
  platform?: Platform | undefined;
}

/** Whether the content could claim anything (a well-known kind's JSON, small enough to parse). */
export function mayClaim(type: string, content: Pick<PreparedContent, 'head' | 'size'>): boolean {
  if (kindFor(type) === undefined) return false;
  if (content.size > FULL_PARSE_LIMIT || content.head.byteLength !== content.size) return false;
  const first = content.head.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  return first !== -1 && content.head[first] === 0x7b; // '{'
}

/** One line per contradiction between the content and the image it is stored for. */
export function contentContradictions(
  type: string,
  content: Pick<PreparedContent, 'head' | 'size'>,
  storedFor: StoredFor,
): string[] {
  if (!mayClaim(type, content)) return [];
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder().decode(content.head));
  } catch {
    return [];
  }
  const claims = claimsOf(document);
  if (claims === undefined) return [];
  const problems: string[] = [];
  const accepted = [storedFor.digest, storedFor.indexDigest].filter((d) => d !== undefined);
  if (claims.digests.length > 0 && !claims.digests.some((d) => accepted.includes(d))) {
    const named = claims.digests.slice(0, 2).join(', ') + (claims.digests.length > 2 ? ', ...' : '');
    problems.push(
      `${type} content is about ${named} (${claims.digestSource}), not ${storedFor.digest}` +
        `${storedFor.indexDigest === undefined ? '' : ` or its index ${storedFor.indexDigest}`}`,
    );
  }
  if (claims.platform !== undefined && storedFor.platform !== undefined) {
    const { os, architecture, variant } = claims.platform;
    const claimed = normalizePlatform({ os, architecture, ...(variant === undefined ? {} : { variant }) });
    const wanted = normalizePlatform(storedFor.platform);
    const differs =
      claimed.os !== wanted.os ||
      claimed.architecture !== wanted.architecture ||
      (claimed.variant !== undefined && wanted.variant !== undefined && claimed.variant !== wanted.variant);
    if (differs)
      problems.push(
        `${type} content is about platform ${formatPlatform(claimed)} (${claims.platformSource}), not ${formatPlatform(wanted)}`,
      );
  }
  return problems;
}

/** CONTENT_MISMATCH: content about another image, refused (`--strict-content`). */
export function contentMismatchError(problems: readonly string[]): ManifestoError {
  return new ManifestoError('CONTENT_MISMATCH', problems.join('; '), {
    category: 'usage',
    hint: 'Store the content made for this image (or platform: --platform), or leave out --strict-content to store it with a warning.',
  });
}
