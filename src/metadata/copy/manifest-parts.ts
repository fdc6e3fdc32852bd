/**
 * What a manifest's bytes point to, as copy needs it: the manifests an index lists (copied first,
 * so the destination never holds an index whose children are missing), the blobs an image or
 * artifact manifest uses, and its subject. Read leniently: any JSON with `manifests`, `config`,
 * `layers` or `blobs` (the withdrawn OCI artifact manifest) is followed, since referrers written by
 * other tools use all of these forms.
 */
import { integrityError } from '../../errors/errors.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { isDigest } from '../../oci/digest.ts';

export interface ManifestParts {
  /** Manifests an index lists. */
  children: Descriptor[];
  /** Blobs to copy (config, layers), without non-distributable ones. */
  blobs: Descriptor[];
  subject: Descriptor | undefined;
  artifactType: string | undefined;
}

function descriptors(value: unknown): Descriptor[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isDescriptor);
}

function isDescriptor(value: unknown): value is Descriptor {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Partial<Descriptor>;
  return typeof d.digest === 'string' && isDigest(d.digest) && typeof d.size === 'number';
}

/**
 * Layers marked non-distributable (Windows base layers) live elsewhere (`urls`); registries refuse
 * or skip them, as crane and oras do.
 */
function distributable(d: Descriptor): boolean {
  return !(
    (d.urls?.length ?? 0) > 0 &&
    (d.mediaType.includes('nondistributable') || d.mediaType.includes('foreign'))
  );
}

export function manifestParts(bytes: Uint8Array, where: string): ManifestParts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw integrityError(
      'MANIFEST_INVALID',
      `${where} is not JSON`,
      'The stored manifest is damaged; it cannot be copied.',
      error,
    );
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw integrityError('MANIFEST_INVALID', `${where} is not a JSON object`, 'It cannot be copied.');
  }
  const m = parsed as Record<string, unknown>;
  const config = isDescriptor(m.config) ? [m.config] : [];
  return {
    children: descriptors(m.manifests),
    blobs: [...config, ...descriptors(m.layers), ...descriptors(m.blobs)].filter(distributable),
    subject: isDescriptor(m.subject) ? m.subject : undefined,
    artifactType: typeof m.artifactType === 'string' ? m.artifactType : undefined,
  };
}
