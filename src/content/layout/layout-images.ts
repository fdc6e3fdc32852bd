/**
 * The images of an OCI image layout: what `oci:DIR` without a tag chooses and what `manifesto images`
 * lists. Tools such as skopeo (`oci:DIR`) and crane (`crane push DIR`) take a layout's only
 * `index.json` entry as its image; `crane pull --format oci` writes that entry without a ref.name.
 *
 * An image is an `index.json` entry naming a manifest or index that is not a referrer (no `subject`)
 * and not a referrers tag-schema index (`sha256-<hex>`), grouped by digest with all its names.
 */
import { ManifestoError, notFoundError } from '../../errors/errors.ts';

export interface LayoutImage {
  digest: string;
  mediaType: string;
  size: number;
  /** The ref.names of its entries, in index.json order (empty: untagged). */
  names: string[];
  /** The manifest's own artifactType (artifacts pushed by oras, for instance). */
  artifactType?: string | undefined;
}

function describe(image: LayoutImage): string {
  const short = image.digest.slice(0, image.digest.indexOf(':') + 13);
  return image.names.length === 0 ? short : `${image.names.join(', ')} (${short})`;
}

/** The only image of the layout, or an error naming the choices (none, or several). */
export function onlyImage(images: readonly LayoutImage[], location: string): LayoutImage {
  const [first] = images;
  if (first !== undefined && images.length === 1) return first;
  if (first === undefined) throw noImage(location);
  throw new ManifestoError(
    'LAYOUT_IMAGE_AMBIGUOUS',
    `${location} names no tag and the layout holds ${images.length} images: ${images.map(describe).join('; ')}`,
    {
      category: 'ambiguous',
      hint: `Name one: ${location}:TAG or ${location}@DIGEST ("manifesto images ${location}" lists them).`,
    },
  );
}

export function noImage(location: string) {
  return notFoundError(
    'LAYOUT_NO_IMAGE',
    `${location} names no tag and the layout holds no image`,
    `Copy an image into the layout first (e.g. skopeo copy ... ${location}:TAG), or name a tag or digest.`,
  );
}
