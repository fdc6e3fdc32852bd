/**
 * SARIF 2.1.0 logs from vulnerability scanners (`trivy --format sarif`, `grype -o sarif`,
 * `govulncheck -format sarif`). SARIF is generic: a finding is a result, its id the rule id; the
 * package is read where each tool writes it:
 * - Trivy: the message "Package: openssl\nInstalled Version: ..." (and "path: name@version" in the
 *   location message); Grype: "A high vulnerability in deb package: openssl, version ...";
 * - govulncheck (rule ids GO-...): the module@version of the vulnerable symbol's frame (the last of
 *   each stack or thread flow), else the packages or modules its message lists, as Go modules with
 *   the purl govulncheck's own OpenVEX uses (`pkg:golang/golang.org/x/net@v0.17.0`), so that VEX
 *   from the same run suppresses them. Its rules' tags (CVE-..., GHSA-...) are the aliases.
 * Results that are no vulnerabilities are left out: Trivy's secret, misconfiguration and licence
 * rules (tags / rule names), and rules that neither look like a vulnerability (id CVE-, GHSA-, GO-,
 * ...; tag `vulnerability`) nor name a package. A log with results, none of them vulnerabilities,
 * from a tool that is no vulnerability scanner (ESLint) is refused.
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
      v.looseObject({
        'security-severity': v.optional(v.union([v.string(), v.number()])),
        tags: v.optional(v.array(v.string())),
      }),
    ),
  });
  const location = v.object({
    physicalLocation: v.optional(
      v.object({ artifactLocation: v.optional(v.object({ uri: v.optional(v.string()) })) }),
    ),
    message: v.optional(text),
  });
  // govulncheck: each frame (and thread flow location) names its module as module@version.
  const moduleLocation = v.object({ module: v.optional(v.string()), location: v.optional(location) });
  const result = v.object({
    ruleId: v.optional(nonEmpty(v)),
    ruleIndex: v.optional(v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be >= 0'))),
    rule: v.optional(v.object({ id: v.optional(v.string()), index: v.optional(v.number()) })),
    level: v.optional(v.picklist(['none', 'note', 'warning', 'error'])),
    message: text,
    locations: v.optional(v.array(location)),
    stacks: v.optional(v.array(v.object({ frames: v.optional(v.array(moduleLocation)) }))),
    codeFlows: v.optional(
      v.array(
        v.object({
          threadFlows: v.optional(v.array(v.object({ locations: v.optional(v.array(moduleLocation)) }))),
        }),
      ),
    ),
    fingerprints: v.optional(v.record(v.string(), v.string())),
    partialFingerprints: v.optional(v.record(v.string(), v.string())),
    properties: v.optional(v.record(v.string(), v.unknown())),
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

type SarifLog = ReturnType<typeof parseSarif>;
type SarifRun = SarifLog['runs'][number];
type SarifRule = NonNullable<SarifRun['tool']['driver']['rules']>[number];
type SarifResult = NonNullable<SarifRun['results']>[number];

function parseSarif(document: unknown, context: KindContext) {
  return parseWith(sarifSchema(), document, context);
}

/** Identifiers of vulnerabilities (rule ids of govulncheck, Grype, Snyk, ...; aliases in tags). */
const VULNERABILITY_ID =
  /^(CVE|GHSA|GO|PYSEC|RUSTSEC|OSV|DSA|DLA|RHSA|RHBA|ALAS\d*|USN|ELSA|SUSE-SU|GMS|MAL|SNYK|BIT|TEMP)-/i;
/** Trivy's tags and rule names for results that are no vulnerabilities. */
const NOT_VULNERABILITY_TAGS = new Set(['secret', 'misconfiguration', 'license']);
const NOT_VULNERABILITY_RULES = new Set(['Secret', 'Misconfiguration', 'License', 'UnknownIssue']);
/** Scanners whose SARIF is a vulnerability report even when it holds none (a clean or secrets-only scan). */
const VULNERABILITY_SCANNERS = /^(trivy|grype|govulncheck|osv-scanner|snyk|docker scout|anchore)/i;

/** Whether a result reports a vulnerability (not a secret, a misconfiguration, a licence, a lint). */
function isVulnerability(ruleId: string, rule: SarifRule | undefined, parsed: Parsed): boolean {
  const tags = (rule?.properties?.tags ?? []).map((tag) => tag.toLowerCase());
  if (tags.some((tag) => NOT_VULNERABILITY_TAGS.has(tag))) return false;
  if (rule?.name !== undefined && NOT_VULNERABILITY_RULES.has(rule.name)) return false;
  if (tags.includes('vulnerability') || rule?.name?.endsWith('PackageVulnerability')) return true;
  if (VULNERABILITY_ID.test(ruleId)) return true;
  return parsed.name !== undefined && parsed.version !== undefined;
}

interface Attributed {
  name: string;
  version: string;
  purl?: string;
}

/**
 * The Go module of a package path: the standard library (no dot in the first element), else the
 * hosting convention's first elements (github.com/o/r, golang.org/x/net, go.uber.org/zap,
 * gopkg.in/yaml.v3), with a /vN major version suffix.
 */
export function goModuleOf(packagePath: string): string {
  const parts = packagePath.split('/');
  if (!parts[0]!.includes('.')) return 'stdlib';
  const hosted =
    ['github.com', 'gitlab.com', 'bitbucket.org'].includes(parts[0]!) ||
    packagePath.startsWith('golang.org/x/');
  const length = hosted ? 3 : 2;
  const module = parts.slice(0, length);
  if (/^v\d+$/.test(parts[length] ?? '')) module.push(parts[length]!);
  return module.join('/');
}

function goPackage(module: string, version: string): Attributed {
  return { name: module, version, purl: `pkg:golang/${module}${version === '' ? '' : `@${version}`}` };
}

/** `module@version` -> [module, version] (govulncheck writes the main module as `example.com/app@`). */
function splitModule(text: string): [string, string] | undefined {
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * govulncheck: the vulnerable symbol's frame is the last of each call stack (and thread flow), and
 * names its module as module@version; results without stacks (imported, or required, only) name
 * packages or modules in the message: "Your code imports 1 vulnerable package (golang.org/x/net/http2)".
 */
function govulncheckPackages(result: SarifResult): Attributed[] {
  const found = new Map<string, Attributed>();
  const lastModules = [
    ...(result.stacks ?? []).map((stack) => stack.frames?.at(-1)?.module),
    ...(result.codeFlows ?? []).flatMap((flow) =>
      (flow.threadFlows ?? []).map((thread) => thread.locations?.at(-1)?.module),
    ),
  ];
  for (const text of lastModules) {
    const split = text === undefined ? undefined : splitModule(text);
    if (split !== undefined && split[1] !== '') found.set(split[0], goPackage(split[0], split[1]));
  }
  if (found.size > 0) return [...found.values()];
  const message = result.message.text ?? result.message.markdown ?? '';
  const listed = /\b(?:packages?|modules?) \(([^)]+)\)/.exec(message)?.[1];
  for (const path of listed
    ?.split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '') ?? []) {
    const split = splitModule(path);
    const module = split?.[0] ?? goModuleOf(path);
    if (!found.has(module)) found.set(module, goPackage(module, split?.[1] ?? ''));
  }
  return [...found.values()];
}

/** Trivy's location message "path: name@version" (for results whose texts name no package). */
function locationPackage(result: SarifResult): Attributed | undefined {
  for (const location of result.locations ?? []) {
    const match = /: (\S+)@(\S+)$/.exec(location.message?.text ?? '');
    if (match !== null) return { name: match[1]!, version: match[2]! };
  }
  return undefined;
}

export function normaliseSarif(document: unknown, context: KindContext): VulnReport {
  const sarifContext = withFormat(context, 'sarif');
  const log = parseSarif(document, sarifContext);
  const findings: VulnFinding[] = [];
  let scannedAt: string | null = null;
  let target: string | null = null;
  /** Rule ids of results that are no vulnerabilities, for the error when nothing else is there. */
  const otherRules = new Set<string>();
  let scanner = false;
  for (const [runIndex, run] of log.runs.entries()) {
    const rules = run.tool.driver.rules ?? [];
    const govulncheck = run.tool.driver.name.toLowerCase() === 'govulncheck';
    if (VULNERABILITY_SCANNERS.test(run.tool.driver.name)) scanner = true;
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
      if (!isVulnerability(ruleId, rule, parsed)) {
        otherRules.add(ruleId);
        continue;
      }
      const cvss = scoreOf(rule?.properties?.['security-severity']);
      const tagSeverity = (rule?.properties?.tags ?? []).map(severityFromWord).find((s) => s !== undefined);
      // govulncheck's level says how reachable the code is, not how severe the vulnerability.
      const levelSeverity = govulncheck ? undefined : LEVELS[result.level ?? 'none'];
      const severity =
        severityFromWord(parsed.severity) ??
        tagSeverity ??
        (cvss === null ? undefined : severityFromScore(cvss)) ??
        levelSeverity ??
        'unknown';
      const fixedVersion = fixedOrNull(parsed.fixed);
      // Grype's rule ids are "<vulnerability>-<package>"; the vulnerability is the part before.
      const id =
        parsed.name !== undefined && ruleId.endsWith(`-${parsed.name}`)
          ? ruleId.slice(0, -parsed.name.length - 1)
          : ruleId;
      const aliases = [
        ...new Set((rule?.properties?.tags ?? []).filter((tag) => VULNERABILITY_ID.test(tag) && tag !== id)),
      ];
      let packages: Attributed[];
      if (parsed.name !== undefined) packages = [{ name: parsed.name, version: parsed.version ?? '' }];
      else if (govulncheck || id.startsWith('GO-')) packages = govulncheckPackages(result);
      else packages = [];
      if (packages.length === 0) {
        const fromLocation = locationPackage(result);
        const uri = result.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
        packages = [fromLocation ?? { name: uri ?? '', version: '' }];
      }
      for (const pkg of packages)
        findings.push({
          id,
          aliases,
          severity,
          cvss,
          package: {
            name: pkg.name,
            version: pkg.version,
            ...(pkg.purl === undefined ? {} : { purl: pkg.purl }),
          },
          fixedVersion,
          fixAvailable: fixedVersion !== null,
        });
    }
  }
  if (findings.length === 0 && otherRules.size > 0 && !scanner) {
    const named = [...otherRules].slice(0, 3).join(', ');
    throw kindInvalid(
      sarifContext,
      ['runs', 0, 'tool', 'driver', 'name'],
      `is ${log.runs[0]?.tool.driver.name}, whose rules (${named}${otherRules.size > 3 ? ', ...' : ''}) report no vulnerabilities: not a vulnerability report`,
    );
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
