/**
 * `manifesto images oci:DIR`: the images of an OCI image layout (index.json entries that are not
 * referrers), with their tags. Layouts written by `crane pull --format oci` have no tag names; this is
 * how to see what `oci:DIR` (its only image) or `oci:DIR@DIGEST` can name.
 */
import type { LayoutImage } from '../../content/layout/layout-images.ts';
import { usageError } from '../../errors/errors.ts';
import { openedLayout } from '../../open/open-image.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, table } from '../render.ts';

export async function imagesCommand(
  options: { layout: string },
  context: CommandContext,
): Promise<LayoutImage[]> {
  const layout = openedLayout(await context.openImage(options.layout, { keepDefaultTag: true }));
  if (layout === undefined) {
    throw usageError(
      'IMAGES_NOT_A_LAYOUT',
      `${options.layout} is not an OCI image layout`,
      'images lists the images of oci:DIR; a registry lists its tags (e.g. crane ls, oras repo tags).',
    );
  }
  const images = await layout.listImages();
  if (context.json) {
    writeJson(context.io.stdout, { layout: layout.location, images });
    return images;
  }
  if (images.length === 0) {
    writeLine(context.io.stdout, `${layout.location}: no images`);
    return images;
  }
  const rows = images.map((image) => [
    image.digest,
    image.names.join(', ') || '-',
    image.artifactType ?? image.mediaType,
    formatBytes(image.size),
  ]);
  writeLine(context.io.stdout, table(['DIGEST', 'TAGS', 'TYPE', 'SIZE'], rows));
  return images;
}
