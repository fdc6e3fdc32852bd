/** The `Link: <url>; rel="next"` pagination header of tag and referrers listings (RFC 8288). */
import type { RegistryResponse } from './http/response.ts';

/** The absolute URL of the next page, or undefined when the reply has no `rel="next"` link. */
export function nextPageUrl(res: RegistryResponse, currentUrl: string): string | undefined {
  const header = res.headers.get('link');
  if (header === null) return undefined;
  for (const part of splitLinks(header)) {
    const match = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (!match) continue;
    const params = match[2]!.split(';').map((p) => p.trim());
    const isNext = params.some((p) => {
      const rel = /^rel\s*=\s*"?([^"]*)"?$/i.exec(p);
      return rel !== null && rel[1]!.split(/\s+/).includes('next');
    });
    if (isNext) {
      try {
        return new URL(match[1]!, currentUrl).toString();
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Splits a Link header at commas that are outside `<...>` and quotes. */
function splitLinks(header: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(header.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(header.slice(start));
  return parts;
}
