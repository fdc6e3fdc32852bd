/** `--platform os/arch[/variant][:osversion]` or `local` (this machine). */
import type { Platform } from '../oci/descriptor.ts';
import { localPlatform, parsePlatform } from '../oci/platform.ts';

export function parsePlatformFlag(value: string | undefined): Platform | undefined {
  if (value === undefined) return undefined;
  return value === 'local' ? localPlatform() : parsePlatform(value);
}
