/**
 * SARIF 2.1.0 logs from vulnerability scanners (`trivy --format sarif`, `grype -o sarif`). SARIF is
 * generic: a finding is a result, its id the rule id; the package, installed and fixed versions are
 * read from the message or rule texts the scanners write ("Package: openssl\nInstalled Version: ...").
 */
import { type KindContext, kindInvalid, withFormat } from '../kind.ts';
import { lazySchema, nonEmpty, parseWith, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { fixedOrNull, severityFromScore, severityFromWord } from './severity.ts';
import type { Severity, VulnFinding, VulnReport } from './types.ts';

export function looksLikeSarif(document: Record<string, unknown>): boolean {
  return (
    Array.isArray(document.runs) &&
    (document.version === '2.1.0' ||
      (typeof document.$schema === 'string' && /sarif/i.test(document.$schema)))
  );
}

const sarifSchema = lazySchema((v) => {
  const text = v.object({ text: v.optional(v.string()), markdown: v.optional(v.string()) });
  const rule = v.object({
    id: nonEmpty(v),
    name: v.optional(v.string()),
    shortDescription: v.optional(text),
    fullDescription: v.optional(text),
    help: v.optional(text),
    properties: v.optional(
      v.object({
        'security-severity': v.optional(v.union([v.string(), v.number()])),
        tags: v.optional(v.array(v.string())),
      }),
    ),
  });
  const result = v.object({
    ruleId: v.optional(nonEmpty(v)),
    ruleIndex: v.optional(v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be >= 0'))),
    rule: v.optional(v.object({ id: v.optional(v.string()), index: v.optional(v.number()) })),
    level: v.optional(v.picklist(['none', 'note', 'warning', 'error'])),
    message: text,
    locations: v.optional(
      v.array(
        v.object({
          physicalLocation: v.optional(
            v.object({ artifactLocation: v.optional(v.object({ uri: v.optional(v.string()) })) }),
          ),
        }),
      ),
    ),
  });
  return v.object({
    version: v.literal('2.1.0'),
    runs: v.array(
      v.object({
        tool: v.object({
          driver: v.object({
            name: nonEmpty(v),
            version: v.optional(v.string()),
            semanticVersion: v.optional(v.string()),
            rules: v.optional(v.array(rule)),
          }),
        }),
        invocations: v.optional(
          v.array(v.object({ startTimeUtc: v.optional(timestamp(v)), endTimeUtc: v.optional(timestamp(v)) })),
        ),
        results: v.nullish(v.array(result)),
        properties: v.optional(v.object({ imageName: v.optional(v.string()) })),
      }),
    ),
  });
});

/** `Label: value` lines of Trivy's messages. */
function field(text: string, label: string): string | undefined {
  const match = new RegExp(`^${label}:[ \\t]*(.*)$`, 'mi').exec(text);
  return match?.[1]?.trim();
}

interface Parsed {
  name?: string | undefined;
  version?: string | undefined;
  fixed?: string | undefined;
  severity?: string | undefined;
}

/** Package, versions and severity from the texts of Trivy's and Grype's SARIF results. */
function parseTexts(texts: readonly string[]): Parsed {
  const parsed: Parsed = {};
  for (const text of texts) {
    parsed.name ??= field(text, 'Package');
    parsed.version ??= field(text, 'Installed Version');
    parsed.fixed ??= field(text, 'Fixed Version');
    parsed.severity ??= field(text, 'Severity');
    // Grype: "A high vulnerability in deb package: openssl, version 3.0.11-1 was found at: ..."
    const grype = /\b(\w+) vulnerability in .*?package: ([^,\s]+), version ([^\s,]+)/i.exec(text);
    if (grype !== null) {
      parsed.severity ??= grype[1];
      parsed.name ??= grype[2];
      parsed.version ??= grype[3];
    }
    // Grype: "Version 1.1.1 is affected with an available fix in versions 1.2.1, 1.3.0"
    parsed.fixed ??= /available fix in versions? ([^\n]+?)\.?$/im.exec(text)?.[1]?.trim();
  }
  return parsed;
}

function scoreOf(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const number = typeof value === 'number' ? value : Number.parseFloat(value);
  return Number.isFinite(number) && number >= 0 && number <= 10 ? number : null;
}

const LEVELS: Readonly<Record<string, Severity>> = {
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'unknown',
};

export function normaliseSarif(document: unknown, context: KindContext): VulnReport {
  const sarifContext = withFormat(context, 'sarif');
  const log = parseWith(sarifSchema(), document, sarifContext);
  const findings: VulnFinding[] = [];
  let scannedAt: string | null = null;
  let target: string | null = null;
  for (const [runIndex, run] of log.runs.entries()) {
    const rules = run.tool.driver.rules ?? [];
    const invocation = run.invocations?.[0];
    const time = invocation?.endTimeUtc ?? invocation?.startTimeUtc;
    if (scannedAt === null && time !== undefined) scannedAt = toUtcTimestamp(time);
    target ??= run.properties?.imageName ?? null;
    for (const [resultIndex, result] of (run.results ?? []).entries()) {
      const index = result.ruleIndex ?? result.rule?.index;
      const ruleId = result.ruleId ?? result.rule?.id ?? (index === undefined ? undefined : rules[index]?.id);
      if (ruleId === undefined) {
        throw kindInvalid(sarifContext, ['runs', runIndex, 'results', resultIndex, 'ruleId'], 'is required');
      }
      const rule = rules.find((candidate) => candidate.id === ruleId) ?? rules[index ?? -1];
      const texts = [
        result.message.text ?? result.message.markdown ?? '',
        rule?.help?.text ?? '',
        rule?.fullDescription?.text ?? '',
        rule?.shortDescription?.text ?? '',
      ];
      const parsed = parseTexts(texts);
      const cvss = scoreOf(rule?.properties?.['security-severity']);
      const tagSeverity = (rule?.properties?.tags ?? []).map(severityFromWord).find((s) => s !== undefined);
      const severity =
        severityFromWord(parsed.severity) ??
        tagSeverity ??
        (cvss === null ? undefined : severityFromScore(cvss)) ??
        LEVELS[result.level ?? 'none'] ??
        'unknown';
      const fixedVersion = fixedOrNull(parsed.fixed);
      const uri = result.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
      // Grype's rule ids are "<vulnerability>-<package>"; the vulnerability is the part before.
      const id =
        parsed.name !== undefined && ruleId.endsWith(`-${parsed.name}`)
          ? ruleId.slice(0, -parsed.name.length - 1)
          : ruleId;
      findings.push({
        id,
        aliases: [],
        severity,
        cvss,
        package: { name: parsed.name ?? uri ?? '', version: parsed.version ?? '' },
        fixedVersion,
        fixAvailable: fixedVersion !== null,
      });
    }
  }
  const driver = log.runs[0]?.tool.driver;
  return {
    format: 'sarif',
    scanner: {
      name: (driver?.name ?? 'unknown').toLowerCase(),
      version: driver?.semanticVersion ?? driver?.version ?? null,
    },
    scannedAt,
    target,
    findings,
  };
}
