/**
 * Which tag `copy SRC DST` sets at DST, shared by the CLI and createClient so both name the same
 * thing: DST's own tag when DST names one (`host/repo:v2`, `oci:DIR:v2`); else SRC's tag when SRC was
 * named by a tag (promotion keeps the tag: `copy ci/app:1.4 prod/app` gives `prod/app:1.4`); else
 * none (an image named by digest arrives by digest only). A DST digest must be the image's.
 */

import { isDigest } from '../../oci/digest.ts';
import { namesTagOrDigest } from '../../oci/reference.ts';
import type { ImageReference } from '../../oci/reference-types.ts';

export interface DestinationNaming {
  tag: string | undefined;
  digest: string | undefined;
}

export function destinationNaming(
  destinationInput: string,
  destination: ImageReference,
  sourceTarget: string,
): DestinationNaming {
  if (namesTagOrDigest(destinationInput)) return { tag: destination.tag, digest: destination.digest };
  return { tag: isDigest(sourceTarget) ? undefined : sourceTarget, digest: undefined };
}
