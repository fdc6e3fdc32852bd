/** What a command needs besides its own options: I/O, a way to open images, a clock. */
import type { ClientOptions } from '../open/client-options.ts';
import type { ImageOpener } from '../open/open-image.ts';
import type { CommandIO } from './io.ts';

export type { OpenedImage } from '../open/open-image.ts';

export interface CommandContext {
  io: CommandIO;
  /** Opens the repository an image reference names: a registry or an OCI layout (`oci:PATH`). */
  openImage: ImageOpener;
  /** The registry connection options the image opener uses. */
  client: ClientOptions;
  json: boolean;
  now?: (() => Date) | undefined;
}
