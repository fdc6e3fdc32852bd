/**
 * The trust policy (docs/format.md, "Trust policy"): named authorities (public keys for Sigstore
 * bundles, root certificates with optional x509.subject identities for Notary Project signatures)
 * and rules that say, per repository glob and type glob, which authorities must have signed a
 * metadata version and what happens when they have not. The first matching rule wins; when no rule
 * matches, verification is skipped (the version is accepted unchecked).
 *
 * Read in two steps: the shape (fields, types, unknown keys) is checked with valibot like the gate
 * policy (src/policy/gate/gate-policy.ts); then what it means: key and certificate files that must
 * load, rules that name only defined authorities and `require` no more of them than they name. Every
 * problem names the field as the file spells it (`rules[1].authorities[0]`).
 */

import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { BaseIssue, InferOutput } from 'valibot';
import { ManifestoError, usageError } from '../../errors/errors.ts';
import { valibotLibrary, yamlLibrary } from '../../kinds/lazy.ts';
import { lazySchema } from '../../kinds/schema.ts';
import { loadCertificates } from '../../signing/certificates.ts';
import { loadPublicKey } from '../../signing/keys.ts';
import { isRecord } from '../../util/json-record.ts';
import { setting } from '../../util/settings.ts';
import { trustGlobMatches, typeGlobMatches } from './trust-glob.ts';

export type Enforcement = 'enforce' | 'warn' | 'skip';
/** `any` (one of the authorities), `all` (every one), or a number N (N of them). */
export type Requirement = 'any' | 'all' | number;

export interface Authority {
  name: string;
  /** Public keys accepted for Sigstore bundles. */
  keys: KeyObject[];
  /** Trusted root (or pinned intermediate) certificates for Notary Project signatures. */
  certificates: X509Certificate[];
  /** Accepted signer subjects (`x509.subject: CN=..., O=...`); empty: any signer under the roots. */
  identities: Array<Record<string, string>>;
}

export interface TrustRule {
  /** Position in the file (for messages). */
  index: number;
  /** Repository globs: `registry.example.com/team/*`, `oci:*` for layouts. */
  repositories: string[];
  /** Type globs: `approvals`, `*`. */
  types: string[];
  authorities: string[];
  require: Requirement;
  enforcement: Enforcement;
}

export interface TrustPolicy {
  /** Where it was read from. */
  source: string;
  authorities: Map<string, Authority>;
  rules: TrustRule[];
}

export interface MatchedRule {
  rule: TrustRule | undefined;
  enforcement: Enforcement;
}

/** The rule for a repository location and type: the first that matches; `skip` when none does. */
export function matchRule(policy: TrustPolicy, location: string, type: string): MatchedRule {
  const rule = policy.rules.find(
    (r) =>
      r.repositories.some((g) => trustGlobMatches(g, location)) &&
      r.types.some((g) => typeGlobMatches(g, type)),
  );
  return { rule, enforcement: rule?.enforcement ?? 'skip' };
}

/** How many of `rule.authorities` must have signed. */
export function requiredCount(rule: TrustRule): number {
  if (rule.require === 'any') return 1;
  if (rule.require === 'all') return rule.authorities.length;
  return rule.require;
}

function invalid(source: string, field: string, why: string): ManifestoError {
  return usageError(
    'TRUST_POLICY_INVALID',
    `trust policy ${source}: ${field}: ${why}`,
    'See docs/format.md, "Trust policy", for the format.',
  );
}

/** Parses `x509.subject: C=US, O=Acme, CN=qa` into attribute → value. */
export function parseIdentity(text: string): Record<string, string> | undefined {
  const match = /^\s*x509\.subject\s*:\s*(.+)$/.exec(text);
  if (!match) return undefined;
  return parseDistinguishedName(match[1]!);
}

export function parseDistinguishedName(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of text.split(/\s*,\s*/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim().toUpperCase();
    if (key in out) return undefined;
    out[key] = part.slice(eq + 1).trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Whether the certificate subject has exactly the identity's attributes. */
export function identityMatches(identity: Record<string, string>, subject: string): boolean {
  const parsed = parseDistinguishedName(subject.split('\n').join(', '));
  if (parsed === undefined) return false;
  const a = Object.keys(identity);
  return a.length === Object.keys(parsed).length && a.every((k) => parsed[k] === identity[k]);
}

async function readPem(source: string, field: string, baseDir: string, file: string): Promise<string> {
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw invalid(source, field, `cannot read ${path}: ${(error as Error).message}`);
  }
}

const ENFORCEMENTS = ['enforce', 'warn', 'skip'] as const;
const LIST = 'must be a list of strings';
const REQUIRE = 'must be any, all or a number of authorities (N of M)';

/** The policy's shape; what it means (files, names, counts) is checked by `parseTrustPolicy`. */
const documentSchema = lazySchema((v) => {
  // valibot's object and record schemas accept arrays (objects to `typeof`): a list is not a mapping.
  const mapping = (message: string) => v.custom<unknown>(isRecord, message);
  // One string or a list of non-empty ones; absent or null: none.
  const strings = v.nullish(
    v.union([v.string(), v.array(v.pipe(v.string(LIST), v.minLength(1, LIST)))], LIST),
  );
  const authority = v.strictObject({ keys: strings, certificates: strings, identities: strings });
  const rule = v.strictObject({
    repositories: strings,
    repository: strings,
    types: strings,
    type: strings,
    authorities: strings,
    require: v.optional(
      v.union(
        [
          v.picklist(['any', 'all']),
          v.pipe(v.number(), v.integer(REQUIRE), v.minValue(1, REQUIRE)),
          v.pipe(
            v.string(),
            v.regex(/^\d+$/, REQUIRE),
            v.check((text) => Number(text) >= 1, REQUIRE),
          ),
        ],
        REQUIRE,
      ),
    ),
    enforcement: v.nullish(v.picklist(ENFORCEMENTS, 'must be enforce, warn or skip')),
  });
  return v.pipe(
    mapping('must be a mapping with authorities and rules'),
    v.strictObject({
      version: v.optional(
        v.pipe(
          v.unknown(),
          v.check(
            (value) => String(value) === '1',
            (issue) => `unsupported version ${String(issue.input)} (manifesto reads 1)`,
          ),
        ),
      ),
      authorities: v.nullish(
        v.pipe(
          mapping('must be a mapping of names'),
          v.record(v.string(), v.pipe(mapping('must be a mapping with keys or certificates'), authority)),
        ),
      ),
      rules: v.nullish(v.array(v.pipe(mapping('must be a mapping'), rule), 'must be a list')),
    }),
  );
});

type PolicyDocument = InferOutput<ReturnType<typeof documentSchema>>;

/** `rules[1].authorities[0]`: where an issue is, as the messages (and docs/format.md) name fields. */
function fieldOf(issue: BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => item.key);
  if (keys.length === 0) return '(document)';
  return keys
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

function shapeOf(document: unknown, source: string): PolicyDocument {
  const result = valibotLibrary().safeParse(documentSchema(), document, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const unknownField = issue.type === 'strict_object' && issue.expected === 'never';
  throw invalid(source, fieldOf(issue), unknownField ? 'unknown field' : issue.message);
}

/** One string or a list: the list (an absent field: `fallback`). */
function list(value: string | string[] | null | undefined, fallback: string[] = []): string[] {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'string' ? [value] : value;
}

async function loadAuthority(
  source: string,
  baseDir: string,
  name: string,
  raw: NonNullable<PolicyDocument['authorities']>[string],
): Promise<Authority> {
  const field = `authorities.${name}`;
  const keyFiles = list(raw.keys);
  const certFiles = list(raw.certificates);
  if (keyFiles.length === 0 && certFiles.length === 0) {
    throw invalid(source, field, 'needs keys (Sigstore) or certificates (Notary Project)');
  }
  const keys: KeyObject[] = [];
  for (const [i, file] of keyFiles.entries()) {
    const pem = await readPem(source, `${field}.keys[${i}]`, baseDir, file);
    keys.push(loadPublicKey(pem, file));
  }
  const certificates: X509Certificate[] = [];
  for (const [i, file] of certFiles.entries()) {
    const pem = await readPem(source, `${field}.certificates[${i}]`, baseDir, file);
    certificates.push(...loadCertificates(pem, file));
  }
  const identities = list(raw.identities).map((text, i) => {
    const identity = parseIdentity(text);
    if (identity === undefined) {
      throw invalid(source, `${field}.identities[${i}]`, `"${text}" is not "x509.subject: CN=..., O=..."`);
    }
    return identity;
  });
  if (identities.length > 0 && certificates.length === 0) {
    throw invalid(source, `${field}.identities`, 'apply to certificates; the authority has none');
  }
  return { name, keys, certificates, identities };
}

function toRule(
  source: string,
  authorities: ReadonlyMap<string, Authority>,
  raw: NonNullable<PolicyDocument['rules']>[number],
  index: number,
): TrustRule {
  const field = `rules[${index}]`;
  const repositories = list(raw.repositories ?? raw.repository, ['*']);
  if (repositories.length === 0) throw invalid(source, `${field}.repositories`, 'must not be empty');
  const types = list(raw.types ?? raw.type, ['*']);
  if (types.length === 0) throw invalid(source, `${field}.types`, 'must not be empty');
  const enforcement = raw.enforcement ?? 'enforce';
  const names = list(raw.authorities);
  if (names.length === 0 && enforcement !== 'skip') {
    const why =
      raw.authorities === undefined || raw.authorities === null ? 'is required' : 'must not be empty';
    throw invalid(source, `${field}.authorities`, why);
  }
  for (const [i, name] of names.entries()) {
    if (!authorities.has(name))
      throw invalid(source, `${field}.authorities[${i}]`, `no authority named "${name}"`);
  }
  const require =
    raw.require === undefined || raw.require === 'any' || raw.require === 'all'
      ? (raw.require ?? 'any')
      : Number(raw.require);
  if (typeof require === 'number' && require > names.length) {
    throw invalid(
      source,
      `${field}.require`,
      `requires ${require} authorities but the rule names ${names.length}`,
    );
  }
  return { index, repositories, types, authorities: names, require, enforcement };
}

/** Parses and validates a trust policy (YAML text); reads the key and certificate files it names. */
export async function parseTrustPolicy(
  text: string,
  source: string,
  baseDir = process.cwd(),
): Promise<TrustPolicy> {
  let parsed: unknown;
  try {
    parsed = yamlLibrary().parse(text);
  } catch (error) {
    throw invalid(source, '(document)', `not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const document = shapeOf(parsed, source);
  const authorities = new Map<string, Authority>();
  for (const [name, raw] of Object.entries(document.authorities ?? {})) {
    authorities.set(name, await loadAuthority(source, baseDir, name, raw));
  }
  const rules = (document.rules ?? []).map((raw, index) => toRule(source, authorities, raw, index));
  return { source, authorities, rules };
}

/** The file to read: --trust-policy, else $MANIFESTO_TRUST_POLICY, else ~/.config/manifesto/trust-policy.yaml. */
export function trustPolicyPath(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = setting(env, 'MANIFESTO_TRUST_POLICY');
  if (fromEnv !== undefined) return fromEnv;
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'manifesto', 'trust-policy.yaml');
}

/** Reads the trust policy file (relative key and certificate paths are relative to it). */
export async function loadTrustPolicy(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
): Promise<TrustPolicy> {
  const path = trustPolicyPath(explicit, env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ManifestoError('TRUST_POLICY_NOT_FOUND', `cannot read the trust policy ${path}`, {
      category: 'usage',
      cause: error,
      hint: 'Give --trust-policy FILE, set MANIFESTO_TRUST_POLICY, or create ~/.config/manifesto/trust-policy.yaml (docs/format.md, "Trust policy").',
    });
  }
  return parseTrustPolicy(text, path, dirname(resolve(path)));
}
