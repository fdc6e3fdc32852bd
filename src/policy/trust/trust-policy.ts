/**
 * The trust policy (docs/format.md, "Trust policy"): named authorities (public keys for Sigstore
 * bundles, root certificates with optional x509.subject identities for Notary Project signatures)
 * and rules that say, per repository glob and type glob, which authorities must have signed a
 * metadata version and what happens when they have not. The first matching rule wins; when no rule
 * matches, verification is skipped (the version is accepted unchecked).
 */

import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ManifestoError, usageError } from '../../errors/errors.ts';
import { yamlLibrary } from '../../kinds/lazy.ts';
import { loadCertificates } from '../../signing/certificates.ts';
import { loadPublicKey } from '../../signing/keys.ts';
import { isRecord } from '../../util/json-record.ts';
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

function stringArray(source: string, field: string, value: unknown, required: boolean): string[] {
  if (value === undefined || value === null) {
    if (required) throw invalid(source, field, 'is required');
    return [];
  }
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw invalid(source, field, 'must be a list of strings');
  }
  if (required && value.length === 0) throw invalid(source, field, 'must not be empty');
  return value as string[];
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

function parseRequire(source: string, field: string, value: unknown, count: number): Requirement {
  if (value === undefined || value === 'any') return 'any';
  if (value === 'all') return 'all';
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) {
    if (n > count) throw invalid(source, field, `requires ${n} authorities but the rule names ${count}`);
    return n;
  }
  throw invalid(source, field, 'must be any, all or a number of authorities (N of M)');
}

const ENFORCEMENTS: readonly Enforcement[] = ['enforce', 'warn', 'skip'];

/** Parses and validates a trust policy (YAML text); reads the key and certificate files it names. */
export async function parseTrustPolicy(
  text: string,
  source: string,
  baseDir = process.cwd(),
): Promise<TrustPolicy> {
  let document: unknown;
  try {
    document = yamlLibrary().parse(text);
  } catch (error) {
    throw invalid(source, '(document)', `not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(document))
    throw invalid(source, '(document)', 'must be a mapping with authorities and rules');
  for (const key of Object.keys(document)) {
    if (!['version', 'authorities', 'rules'].includes(key)) throw invalid(source, key, 'unknown field');
  }
  if (document.version !== undefined && String(document.version) !== '1') {
    throw invalid(source, 'version', `unsupported version ${String(document.version)} (manifesto reads 1)`);
  }
  const authorities = new Map<string, Authority>();
  const rawAuthorities = document.authorities ?? {};
  if (!isRecord(rawAuthorities)) throw invalid(source, 'authorities', 'must be a mapping of names');
  for (const [name, raw] of Object.entries(rawAuthorities)) {
    const field = `authorities.${name}`;
    if (!isRecord(raw)) throw invalid(source, field, 'must be a mapping with keys or certificates');
    for (const key of Object.keys(raw)) {
      if (!['keys', 'certificates', 'identities'].includes(key))
        throw invalid(source, `${field}.${key}`, 'unknown field');
    }
    const keyFiles = stringArray(source, `${field}.keys`, raw.keys, false);
    const certFiles = stringArray(source, `${field}.certificates`, raw.certificates, false);
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
    const identities = stringArray(source, `${field}.identities`, raw.identities, false).map((text, i) => {
      const identity = parseIdentity(text);
      if (identity === undefined) {
        throw invalid(source, `${field}.identities[${i}]`, `"${text}" is not "x509.subject: CN=..., O=..."`);
      }
      return identity;
    });
    if (identities.length > 0 && certificates.length === 0) {
      throw invalid(source, `${field}.identities`, 'apply to certificates; the authority has none');
    }
    authorities.set(name, { name, keys, certificates, identities });
  }
  const rawRules = document.rules ?? [];
  if (!Array.isArray(rawRules)) throw invalid(source, 'rules', 'must be a list');
  const rules = rawRules.map((raw, index): TrustRule => {
    const field = `rules[${index}]`;
    if (!isRecord(raw)) throw invalid(source, field, 'must be a mapping');
    for (const key of Object.keys(raw)) {
      if (
        !['repositories', 'repository', 'types', 'type', 'authorities', 'require', 'enforcement'].includes(
          key,
        )
      )
        throw invalid(source, `${field}.${key}`, 'unknown field');
    }
    const repositories = stringArray(
      source,
      `${field}.repositories`,
      raw.repositories ?? raw.repository ?? '*',
      true,
    );
    const types = stringArray(source, `${field}.types`, raw.types ?? raw.type ?? '*', true);
    const enforcement = raw.enforcement ?? 'enforce';
    if (typeof enforcement !== 'string' || !ENFORCEMENTS.includes(enforcement as Enforcement)) {
      throw invalid(source, `${field}.enforcement`, 'must be enforce, warn or skip');
    }
    const names = stringArray(source, `${field}.authorities`, raw.authorities, enforcement !== 'skip');
    for (const [i, name] of names.entries()) {
      if (!authorities.has(name)) {
        throw invalid(source, `${field}.authorities[${i}]`, `no authority named "${name}"`);
      }
    }
    return {
      index,
      repositories,
      types,
      authorities: names,
      require: parseRequire(source, `${field}.require`, raw.require, names.length),
      enforcement: enforcement as Enforcement,
    };
  });
  return { source, authorities, rules };
}

/** The file to read: --trust-policy, else $MANIFESTO_TRUST_POLICY, else ~/.config/manifesto/trust-policy.yaml. */
export function trustPolicyPath(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  if (env.MANIFESTO_TRUST_POLICY) return env.MANIFESTO_TRUST_POLICY;
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
