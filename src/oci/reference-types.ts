/** What an image reference names. Parsed by `parseReference` (src/oci/reference.ts). */

/** An image in a registry: `[registry/]repository[:tag][@digest]`. */
export interface RegistryReference {
  kind: 'registry';
  /** Host with optional port, normalised: `docker.io` for Docker Hub, lower-case, IPv6 in brackets. */
  registry: string;
  /** Repository path, e.g. `library/nginx`, `team/app`. */
  repository: string;
  /** Tag, if the reference has one (defaults to `latest` when there is neither tag nor digest). */
  tag?: string | undefined;
  /** Digest, if the reference has one (`sha256:<64 hex>` or `sha512:<128 hex>`). */
  digest?: string | undefined;
}

/** An image in an OCI image layout directory: `oci:PATH[:TAG|@DIGEST]`. */
export interface LayoutReference {
  kind: 'oci-layout';
  /** Directory of the layout, as given (relative paths are relative to the working directory). */
  path: string;
  tag?: string | undefined;
  digest?: string | undefined;
}

export type ImageReference = RegistryReference | LayoutReference;
