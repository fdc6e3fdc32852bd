/**
 * Tag listing with `n`/`last` pagination. Registries differ: some honour `n` and `last` and send a
 * `Link: <...>; rel="next"` header, some (go-containerregistry) honour them without a Link header, and
 * distribution 2.8 ignores both and returns every tag unsorted. The page is therefore always sorted and
 * cut locally, so callers see the same lexical pages everywhere.
 */
import type { TagPage } from '../content/repository.ts';
import { usageError } from '../errors/errors.ts';
import { parseJsonObject } from '../util/json-record.ts';
import { errorFromStatus, parseRegistryErrors, readCapped } from './http/response-errors.ts';
import { nextPageUrl } from './link-header.ts';
import { type RegistryTarget, replyContext, tagsPath, withQuery } from './registry-target.ts';
import { readLimited } from './response-body.ts';

const MAX_TAG_PAGE_BYTES = 16 * 1024 * 1024;
const MAX_PAGES = 1000;

export interface ListTagsOptions {
  last?: string | undefined;
  limit?: number | undefined;
}

interface RawPage {
  tags: string[];
  next: string | undefined;
}

export async function listTags(target: RegistryTarget, options: ListTagsOptions = {}): Promise<TagPage> {
  const { last, limit } = options;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw usageError('LIMIT_INVALID', `invalid page size ${limit}`, 'The page size is a whole number >= 0.');
  }
  if (limit === 0) return { tags: [] };
  const after = (tags: string[]) => sortTags(tags).filter((t) => last === undefined || t > last);

  if (limit === undefined) {
    // Everything after `last`: follow the registry's own pagination to the end.
    const all = new Set<string>();
    const seen = new Set<string>();
    let url: string | undefined = withLast(tagsPath(target), last);
    for (let pages = 0; url !== undefined && pages < MAX_PAGES; pages++) {
      if (seen.has(url)) break;
      seen.add(url);
      const page = await fetchPage(target, url);
      for (const tag of page.tags) all.add(tag);
      url = page.next;
    }
    return { tags: after([...all]) };
  }

  let path = withQuery(tagsPath(target), 'n', String(limit));
  path = withLast(path, last);
  const page = await fetchPage(target, path);
  const tags = after(page.tags);
  if (tags.length > limit) {
    const cut = tags.slice(0, limit);
    return { tags: cut, next: cut.at(-1) };
  }
  // A full page may be followed by more even without a Link header (go-containerregistry sends none).
  const more = page.next !== undefined || tags.length === limit;
  return more && tags.length > 0 ? { tags, next: tags.at(-1) } : { tags };
}

function withLast(path: string, last: string | undefined): string {
  return last === undefined ? path : withQuery(path, 'last', last);
}

/** Lexical (code point) order, as the distribution-spec asks of registries. */
function sortTags(tags: string[]): string[] {
  return [...new Set(tags)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function fetchPage(target: RegistryTarget, path: string): Promise<RawPage> {
  const res = await target.transport.request({
    method: 'GET',
    path,
    repository: target.repository,
    actions: ['pull'],
    headers: { Accept: 'application/json' },
    idempotent: true,
    requestClass: 'tags',
  });
  if (res.status !== 200) {
    const errors = parseRegistryErrors(await readCapped(res));
    // An unknown repository has no tags.
    if (res.status === 404 && errors.some((e) => e.code === 'NAME_UNKNOWN'))
      return { tags: [], next: undefined };
    const context = replyContext(target, 'list tags', { kind: 'tags' });
    throw errorFromStatus(res.status, res.statusText, errors, context, target.transport.registry);
  }
  const currentUrl = path.startsWith('http') ? path : `${target.transport.baseUrl.replace(/\/$/, '')}${path}`;
  const next = nextPageUrl(res, currentUrl);
  const body = parseJsonObject(await readLimited(res, MAX_TAG_PAGE_BYTES, `tag list of ${describe(target)}`));
  const tags = body?.tags;
  // distribution answers `"tags": null` for a repository whose tags were all deleted.
  const list = Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  return { tags: list, next };
}

function describe(target: RegistryTarget): string {
  return `${target.transport.registry}/${target.repository}`;
}
