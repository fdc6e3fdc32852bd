/** Annotation keys manifesto writes on every metadata version manifest (see docs/format.md). */

export const ANNOTATION_PREFIX = 'dev.manifesto.';
/** The metadata type name (`seccomp`, `vuln`, ...). */
export const ANNOTATION_TYPE = 'dev.manifesto.type';
/** Who stored it. */
export const ANNOTATION_AUTHOR = 'dev.manifesto.author';
/** Digest of the version manifest this one replaces as latest (absent for the first). */
export const ANNOTATION_SUPERSEDES = 'dev.manifesto.supersedes';
/** The content layer's digest, size and media type, so listings carry what `get` needs. */
export const ANNOTATION_CONTENT_DIGEST = 'dev.manifesto.content.digest';
export const ANNOTATION_CONTENT_SIZE = 'dev.manifesto.content.size';
export const ANNOTATION_CONTENT_MEDIA_TYPE = 'dev.manifesto.content.mediatype';
/** Version of this storage format. */
export const ANNOTATION_FORMAT = 'dev.manifesto.format';
export const FORMAT_VERSION = '1';
