/**
 * What `put` (one version, or many with --from) takes from the environment when no flag says it
 * (read through src/util/settings.ts): the author, the size limit, and whether type-name typos and
 * content about another image are refused. Resolved here, in the CLI, and passed to the domain as
 * plain options.
 */
import { hostname, userInfo } from 'node:os';
import { DEFAULT_MAX_CONTENT_BYTES } from '../../metadata/content-source.ts';
import { setting } from '../../util/settings.ts';

type Env = Record<string, string | undefined>;

/** `--strict-types`, else MANIFESTO_STRICT_TYPES (src/util/settings.ts). */
export function strictTypes(flag: boolean | undefined, env: Env): boolean {
  return flag === true || setting(env, 'MANIFESTO_STRICT_TYPES') === true;
}

/** `--strict-content`, else MANIFESTO_STRICT_CONTENT. */
export function strictContent(flag: boolean | undefined, env: Env): boolean {
  return flag === true || setting(env, 'MANIFESTO_STRICT_CONTENT') === true;
}

/** `--max-size`, else MANIFESTO_MAX_SIZE (1G means 1 GiB), else 1 GiB. */
export function maxContentSize(flag: number | undefined, env: Env): number {
  return flag ?? setting(env, 'MANIFESTO_MAX_SIZE') ?? DEFAULT_MAX_CONTENT_BYTES;
}

export function defaultAuthor(env: Env): string {
  const author = setting(env, 'MANIFESTO_AUTHOR');
  if (author !== undefined) return author;
  let user = env.USER ?? env.USERNAME ?? '';
  if (user === '') {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}
