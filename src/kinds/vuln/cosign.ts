/**
 * cosign's vulnerability scan record predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`),
 * bare (as `trivy --format cosign-vuln` writes it) or in an in-toto statement. The scan result
 * inside must itself be a report manifesto reads (Trivy, Grype, SARIF, CycloneDX).
 */
import { below, type KindContext, kindInvalid, withFormat } from '../kind.ts';
import { lazySchema, parseWith, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import type { VulnReport } from './types.ts';

export const COSIGN_VULN_PREDICATE_TYPE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

export function looksLikeCosignVuln(document: Record<string, unknown>): boolean {
  return (
    ('scanner' in document || 'scanners' in document) && ('metadata' in document || 'invocation' in document)
  );
}

const cosignSchema = lazySchema((v) => {
  const scanner = v.object({
    uri: v.optional(v.string()),
    version: v.optional(v.string()),
    db: v.optional(v.object({ uri: v.optional(v.string()), version: v.optional(v.string()) })),
    result: v.record(v.string(), v.unknown()),
  });
  return v.object({
    invocation: v.optional(v.object({ uri: v.optional(v.string()) })),
    scanner: v.optional(scanner),
    scanners: v.optional(v.pipe(v.array(scanner), v.minLength(1, 'must not be empty'))),
    metadata: v.optional(
      v.object({
        scanStartedOn: v.optional(v.union([v.literal(''), timestamp(v)])),
        scanFinishedOn: v.optional(v.union([v.literal(''), timestamp(v)])),
      }),
    ),
  });
});

/** "pkg:github/aquasecurity/trivy@244fd47" -> "trivy". */
function nameFromUri(uri: string | undefined): string | undefined {
  if (uri === undefined || uri === '') return undefined;
  const path = uri.replace(/@.*$/, '').replace(/[?#].*$/, '');
  const last = path
    .split('/')
    .filter((part) => part !== '')
    .pop();
  return last?.toLowerCase();
}

export function normaliseCosignVuln(
  predicate: unknown,
  context: KindContext,
  readResult: (result: unknown, context: KindContext) => VulnReport,
): VulnReport {
  const cosignContext = withFormat(context, 'cosign-vuln');
  const record = parseWith(cosignSchema(), predicate, cosignContext);
  const [scanner, keys] =
    record.scanner !== undefined
      ? [record.scanner, ['scanner', 'result']]
      : [record.scanners?.[0], ['scanners', 0, 'result']];
  if (scanner === undefined) throw kindInvalid(cosignContext, ['scanner'], 'is required');
  const inner = readResult(scanner.result, below(cosignContext, ...keys));
  const time = record.metadata?.scanFinishedOn || record.metadata?.scanStartedOn || undefined;
  return {
    ...inner,
    format: 'cosign-vuln',
    scanner: {
      name: nameFromUri(scanner.uri) ?? inner.scanner.name,
      version: scanner.version || inner.scanner.version,
    },
    scannedAt: time === undefined ? inner.scannedAt : toUtcTimestamp(time),
  };
}
