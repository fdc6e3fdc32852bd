/**
 * The repositories of a registry: `GET /v2/_catalog?n=N&last=NAME`, following `Link: rel="next"`
 * (distribution sends it; registries that honour `n`/`last` without one are asked again after the
 * last name of a full page). Many registries refuse the catalog (401/403/404, Docker Hub, most cloud
 * registries): the caller then names repositories one by one. Used by `index sync` to crawl.
 */

import { parseJsonObject } from '../util/json-record.ts';
import { errorFromStatus, parseRegistryErrors, readCapped } from './http/response-errors.ts';
import type { RegistryTransport } from './http/types.ts';
import { nextPageUrl } from './link-header.ts';
import { withQuery } from './registry-target.ts';
import { readLimited } from './response-body.ts';

const PAGE = 1000;
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
const MAX_PAGES = 10_000;

export interface CatalogPage {
  repositories: string[];
  /** Pages read. */
  pages: number;
}

/** Every repository name of the registry (sorted), optionally only those under `prefix/`. */
export async function listCatalog(
  transport: RegistryTransport,
  prefix?: string,
  pageSize: number = PAGE,
): Promise<CatalogPage> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const start = prefix === undefined || prefix === '' ? undefined : `${prefix}/`;
  let path: string | undefined = withQuery('/v2/_catalog', 'n', String(pageSize));
  // Names sort after their prefix: start the listing just before it.
  if (start !== undefined) path = withQuery(path, 'last', start.slice(0, -1));
  let pages = 0;
  while (path !== undefined && pages < MAX_PAGES && !seen.has(path)) {
    seen.add(path);
    pages++;
    const res = await transport.request({
      method: 'GET',
      path,
      extraScopes: ['registry:catalog:*'],
      headers: { Accept: 'application/json' },
      idempotent: true,
      requestClass: 'other',
    });
    if (res.status !== 200) {
      const errors = parseRegistryErrors(await readCapped(res));
      throw errorFromStatus(
        res.status,
        res.statusText,
        errors,
        { operation: 'list the repositories (catalog)', registry: transport.registry },
        transport.registry,
      );
    }
    const current = path.startsWith('http') ? path : `${transport.baseUrl.replace(/\/$/, '')}${path}`;
    const next = nextPageUrl(res, current);
    const body = parseJsonObject(await readLimited(res, MAX_PAGE_BYTES, `catalog of ${transport.registry}`));
    const page = Array.isArray(body?.repositories)
      ? body.repositories.filter((r): r is string => typeof r === 'string')
      : [];
    for (const name of page) names.add(name);
    const last = page.at(-1);
    const pastPrefix = start !== undefined && last !== undefined && last > start && !last.startsWith(start);
    if (pastPrefix || page.length === 0) break;
    path =
      next ??
      (page.length >= pageSize && last !== undefined
        ? withQuery(withQuery('/v2/_catalog', 'n', String(pageSize)), 'last', last)
        : undefined);
  }
  const all = [...names].sort();
  return { repositories: start === undefined ? all : all.filter((n) => n.startsWith(start)), pages };
}
