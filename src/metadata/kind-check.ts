/**
 * Validation of well-known kinds on put (docs/kinds.md): content stored under a well-known type
 * name must have its kind's shape, checked before anything is written. Content up to
 * FULL_PARSE_LIMIT (16 MiB) is in memory and validated whole; larger content is not parsed (it is
 * stored unvalidated, and the outcome says so) rather than read into memory a second time.
 */
import { kindFor } from '../kinds/well-known.ts';
import type { PreparedContent } from './content-source.ts';
import { FULL_PARSE_LIMIT } from './detect-media-type.ts';

export type KindCheck =
  /** A free-form type: nothing to check. */
  | { outcome: 'free-form' }
  /** Validated: the kind and the input format it was detected as. */
  | { outcome: 'valid'; kind: string; format: string }
  /** A well-known type whose content was not validated, and why. */
  | { outcome: 'skipped'; kind: string; reason: string };

/**
 * Validates `content` for `type`; throws KindInvalidError (code KIND_INVALID, category usage) naming
 * the field at fault. `validate: false` (`--no-validate`) skips the check.
 */
export function checkKindContent(
  type: string,
  content: Pick<PreparedContent, 'head' | 'size'>,
  mediaType: string,
  options: { validate?: boolean | undefined } = {},
): KindCheck {
  const kind = kindFor(type);
  if (kind === undefined) return { outcome: 'free-form' };
  if (options.validate === false)
    return { outcome: 'skipped', kind: kind.name, reason: 'validation turned off' };
  if (content.size > FULL_PARSE_LIMIT || content.head.byteLength !== content.size) {
    return {
      outcome: 'skipped',
      kind: kind.name,
      reason: `larger than ${FULL_PARSE_LIMIT / (1024 * 1024)} MiB, not validated`,
    };
  }
  const { format } = kind.validate(content.head, mediaType);
  return { outcome: 'valid', kind: kind.name, format };
}
