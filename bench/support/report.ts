/** Summaries of the measured runs, the request budgets, and the text report. */
import { REQUEST_CLASSES, type RequestClass, type RequestCounts } from './counting-proxy.ts';
import type { BenchRegistryKind } from './fixtures.ts';
import type { RunRecord, TraceEntry } from './measure.ts';
import type { OperationName, Tool } from './operations.ts';
import { maxOf, median, minOf, mode } from './stats.ts';

export interface CountSummary {
  /** The most frequent total, the smallest and the largest over the runs. */
  mode: number;
  min: number;
  max: number;
  /** Per class, of a run with the largest total. */
  byClass: Record<RequestClass, number>;
}

export interface ToolSummary {
  requests: CountSummary;
  /** Per delay (ms, as a string key): request totals and median wall time. */
  perDelay: Record<string, { requests: CountSummary; wallMedianMs: number }>;
  peakRssMedianKb: number | undefined;
  failures: number;
  firstError?: string | undefined;
}

export interface SettleSummary {
  /** Median gap between the index write and the verification read. */
  settleMedianMs: number;
  /** Median of manifesto's wall time minus that gap. */
  manifestoWithoutSettleMs: number;
  /** Median of the paired ratios without the gap. */
  ratioWithoutSettle: number;
}

export interface RowSummary {
  registry: BenchRegistryKind;
  referrersApi: boolean;
  scenario: string;
  operation: OperationName;
  label: string;
  tools: Record<Tool, ToolSummary>;
  /** Per delay: median of the per-iteration ratios manifesto wall / oras wall. */
  ratio: Record<string, number>;
  /** Tag-schema puts: the settle wait, per delay. */
  settle?: Record<string, SettleSummary> | undefined;
  budget: { limit: number; worst: number; pass: boolean };
}

function summariseCounts(records: readonly RunRecord[]): CountSummary {
  const totals = records.map((r) => r.counts.total);
  const worst = records.reduce<RunRecord | undefined>(
    (best, r) => (best === undefined || r.counts.total > best.counts.total ? r : best),
    undefined,
  );
  const byClass =
    worst?.counts.byClass ??
    (Object.fromEntries(REQUEST_CLASSES.map((c) => [c, 0])) as RequestCounts['byClass']);
  return { mode: mode(totals), min: minOf(totals), max: maxOf(totals), byClass: { ...byClass } };
}

function summariseTool(records: readonly RunRecord[], delays: readonly number[]): ToolSummary {
  const perDelay: ToolSummary['perDelay'] = {};
  for (const delay of delays) {
    const at = records.filter((r) => r.delayMs === delay);
    perDelay[String(delay)] = {
      requests: summariseCounts(at),
      wallMedianMs: median(at.map((r) => r.wallMs)),
    };
  }
  const rss = records.map((r) => r.peakRssKb).filter((v): v is number => v !== undefined);
  const failed = records.filter((r) => r.code !== 0);
  return {
    requests: summariseCounts(records),
    perDelay,
    peakRssMedianKb: rss.length === 0 ? undefined : median(rss),
    failures: failed.length,
    firstError: failed[0]?.error,
  };
}

/** Pairs manifesto's and oras's run of each iteration at one delay. */
function pairs(records: readonly RunRecord[], delay: number): Array<[RunRecord, RunRecord]> {
  const out: Array<[RunRecord, RunRecord]> = [];
  const at = records.filter((r) => r.delayMs === delay);
  for (const m of at.filter((r) => r.tool === 'manifesto')) {
    const o = at.find((r) => r.tool === 'oras' && r.iteration === m.iteration);
    if (o !== undefined) out.push([m, o]);
  }
  return out;
}

export function summariseRow(
  row: Omit<RowSummary, 'tools' | 'ratio' | 'settle' | 'budget'>,
  records: readonly RunRecord[],
  delays: readonly number[],
  budgetLimit: number,
): RowSummary {
  const tools = {
    manifesto: summariseTool(
      records.filter((r) => r.tool === 'manifesto'),
      delays,
    ),
    oras: summariseTool(
      records.filter((r) => r.tool === 'oras'),
      delays,
    ),
  };
  const ratio: Record<string, number> = {};
  let settle: Record<string, SettleSummary> | undefined;
  for (const delay of delays) {
    const paired = pairs(records, delay);
    ratio[String(delay)] = median(paired.map(([m, o]) => m.wallMs / o.wallMs));
    const withSettle = paired.filter(([m]) => m.settleMs !== undefined);
    if (withSettle.length > 0) {
      settle ??= {};
      settle[String(delay)] = {
        settleMedianMs: median(withSettle.map(([m]) => m.settleMs!)),
        manifestoWithoutSettleMs: median(withSettle.map(([m]) => m.wallMs - m.settleMs!)),
        ratioWithoutSettle: median(withSettle.map(([m, o]) => (m.wallMs - m.settleMs!) / o.wallMs)),
      };
    }
  }
  const worst = tools.manifesto.requests.max;
  return {
    ...row,
    tools,
    ratio,
    settle,
    budget: { limit: budgetLimit, worst, pass: worst <= budgetLimit && tools.manifesto.failures === 0 },
  };
}

// ---- text rendering ----

const CLASS_LETTERS: Readonly<Record<RequestClass, string>> = {
  manifest: 'M',
  blob: 'B',
  upload: 'U',
  referrers: 'R',
  tags: 'T',
  token: 'K',
  ping: 'P',
  other: 'O',
};

export const CLASS_LEGEND = REQUEST_CLASSES.map((c) => `${CLASS_LETTERS[c]} ${c}`).join(', ');

function range(min: number, max: number): string {
  return min === max ? String(min) : `${min}-${max}`;
}

/** "12 M2 B1 U4 R5": total (range when runs differ), then the non-zero classes of the largest run. */
export function formatCounts(counts: CountSummary): string {
  const classes = REQUEST_CLASSES.filter((c) => counts.byClass[c] > 0)
    .map((c) => `${CLASS_LETTERS[c]}${counts.byClass[c]}`)
    .join(' ');
  return `${range(counts.min, counts.max)}${classes === '' ? '' : ` ${classes}`}`;
}

export function formatClasses(byClass: Record<RequestClass, number>): string {
  const text = REQUEST_CLASSES.filter((c) => byClass[c] > 0)
    .map((c) => `${c} ${byClass[c]}`)
    .join(', ');
  return text === '' ? 'none' : text;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  return `${Math.round(ms)}`;
}

export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined || Number.isNaN(ratio) ? '-' : `${ratio.toFixed(2)}x`;
}

export function formatMb(kb: number | undefined): string {
  return kb === undefined ? '-' : `${(kb / 1024).toFixed(0)} MB`;
}

/** A title over the columns starting at `column` (left-aligned there, may span the following ones). */
export interface ColumnGroup {
  column: number;
  title: string;
}

/**
 * Renders rows of cells as aligned columns (cells of `rightAligned` columns right-aligned, others
 * left-aligned), under a header row, a rule, and optionally a line of group titles above the header.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly string[][],
  rightAligned: ReadonlySet<number>,
  groups: readonly ColumnGroup[] = [],
): string {
  const widths: number[] = [];
  for (const row of [header, ...rows]) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines: string[] = [];
  if (groups.length > 0) {
    let text = '';
    for (const group of [...groups].sort((a, b) => a.column - b.column)) {
      const start = widths.slice(0, group.column).reduce((sum, w) => sum + w + 2, 0);
      text = `${text.padEnd(start)}${text.length > start ? ' ' : ''}${group.title}`;
    }
    lines.push(text.trimEnd());
  }
  lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
  return lines.join('\n');
}

export function renderRequestTable(rows: readonly RowSummary[], delays: readonly number[]): string {
  const header = ['registry', 'operation', 'manifesto', 'oras', 'limit', 'check'];
  const groups: ColumnGroup[] = [
    { column: 2, title: 'requests (worst run)' },
    { column: 4, title: 'budget' },
  ];
  for (const delay of delays) {
    groups.push({
      column: header.length,
      title: delay === 0 ? 'wall ms, loopback' : `wall ms, +${delay} ms per request`,
    });
    header.push('manifesto', 'oras', 'ratio');
  }
  const body = rows.map((row) => {
    const m = row.tools.manifesto;
    const o = row.tools.oras;
    const cells = [
      `${row.registry}${row.referrersApi ? ' (API)' : ' (tags)'}`,
      row.label,
      m.failures > 0 ? `${formatCounts(m.requests)} ERR` : formatCounts(m.requests),
      o.failures > 0 ? `${formatCounts(o.requests)} ERR` : formatCounts(o.requests),
      `<=${row.budget.limit}`,
      row.budget.pass ? 'PASS' : 'FAIL',
    ];
    for (const delay of delays) {
      const key = String(delay);
      cells.push(
        formatMs(m.perDelay[key]?.wallMedianMs),
        formatMs(o.perDelay[key]?.wallMedianMs),
        formatRatio(row.ratio[key]),
      );
    }
    return cells;
  });
  const right = new Set<number>([4]);
  for (let i = 6; i < header.length; i++) right.add(i);
  return renderTable(header, body, right, groups);
}

/** Paths as short as they stay readable: repository → <repo>, digests cut, upload state dropped. */
export function shortPath(path: string): string {
  return path
    .replace(/^\/v2\/[^?]*?\/(manifests|blobs|referrers|tags)\//, '/v2/<repo>/$1/')
    .replace(/(sha256[:-]|sha256%3A)([a-f0-9]{12})[a-f0-9]{52}/g, '$1$2…')
    .replace(/(\/uploads\/)[0-9a-f-]{36}/, '$1<session>')
    .replace(/_state=[^&]*&?/, '')
    .replace(/\?$/, '');
}

/** One line per request; runs of more than 3 alike requests (same method, class, status, path shape) folded. */
export function renderTrace(trace: readonly TraceEntry[], indent = '      '): string {
  const line = (t: TraceEntry) =>
    `${indent}${t.method.padEnd(6)} ${t.requestClass.padEnd(9)} ${String(t.status).padEnd(3)} ${shortPath(t.path)}`;
  const shape = (t: TraceEntry) =>
    `${t.method} ${t.requestClass} ${t.status} ${shortPath(t.path).replace(/[a-f0-9]{12}…/g, '')}`;
  const out: string[] = [];
  for (let i = 0; i < trace.length; ) {
    let j = i + 1;
    while (j < trace.length && shape(trace[j]!) === shape(trace[i]!)) j++;
    if (j - i > 3) out.push(line(trace[i]!), `${indent}  … ${j - i - 1} more like it (${j - i} in all)`);
    else for (let k = i; k < j; k++) out.push(line(trace[k]!));
    i = j;
  }
  return out.join('\n');
}

/**
 * Facts about a run's requests that usually explain a count over budget (read from the trace only; the
 * product code is not consulted).
 */
export function diagnose(trace: readonly TraceEntry[]): string[] {
  const notes: string[] = [];
  const path = (t: TraceEntry) => t.path.split('?', 1)[0] ?? t.path;
  const apiProbes = trace.filter((t) => t.requestClass === 'referrers' && path(t).includes('/referrers/'));
  const indexReads = trace.filter(
    (t) => t.requestClass === 'referrers' && t.method === 'GET' && path(t).includes('/manifests/sha256-'),
  );
  if (apiProbes.some((t) => t.status === 404) && indexReads.length > 0) {
    notes.push('referrers API probe answered 404, then the tag-schema index was read');
  }
  if (indexReads.length > 1) notes.push(`the tag-schema index was read ${indexReads.length} times (GET)`);
  const byDigest = trace.filter(
    (t) => t.requestClass === 'manifest' && t.method === 'GET' && /\/manifests\/sha256:/.test(path(t)),
  );
  if (byDigest.length > 0 && apiProbes.some((t) => t.status === 200)) {
    notes.push(
      `${byDigest.length} manifest GET(s) by digest after the referrers listing (one per listed referrer: the listing ` +
        'lacked what was needed, e.g. annotations or artifactType)',
    );
  }
  const missingBlobs = trace.filter(
    (t) => t.requestClass === 'blob' && t.method === 'HEAD' && t.status === 404,
  );
  if (missingBlobs.length > 0) {
    notes.push(
      `${missingBlobs.length} blob existence check(s) answered 404 (HEAD), each followed by an upload`,
    );
  }
  const refusedMonolithic = trace.filter(
    (t) =>
      t.requestClass === 'upload' && t.method === 'POST' && /[?&]digest=/.test(t.path) && t.status === 202,
  );
  if (refusedMonolithic.length > 0) {
    notes.push(
      `${refusedMonolithic.length} monolithic POST ?digest= answered 202 (session opened; content sent by PUT)`,
    );
  }
  const sessions = trace.filter((t) => t.requestClass === 'upload' && t.method === 'POST').length;
  if (sessions > 0)
    notes.push(
      `${sessions} blob upload(s), ${trace.filter((t) => t.requestClass === 'upload').length} upload requests`,
    );
  const deletes = trace.filter((t) => t.method === 'DELETE').length;
  if (deletes > 0) notes.push(`${deletes} DELETE (replaced tag-schema index)`);
  return notes;
}
