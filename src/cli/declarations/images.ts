/** `manifesto images`: the images of an OCI image layout. */
import type { CommandDeclaration } from '../declare.ts';

export const images: CommandDeclaration = {
  name: 'images',
  registry: true,
  usage: ['images oci:DIR [--json]'],
  intro: `Lists the images of an OCI image layout: its index.json entries that are not metadata (referrers),
each with its digest, tags (org.opencontainers.image.ref.name; none for layouts written by
crane pull --format oci), media type or artifactType, and size. oci:DIR without a tag names the
only image; with several, name one as oci:DIR:TAG or oci:DIR@DIGEST.`,
  options: {},
  run: async (args, context) => {
    const [layout] = args.positionals(['layout']);
    const { imagesCommand } = await import('../commands/images.ts');
    await imagesCommand({ layout: layout! }, context);
    return 0;
  },
};
