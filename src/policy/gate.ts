/**
 * `check`: gathers the metadata a gate policy needs for an image and evaluates it (docs/policy.md).
 *
 * Requests: the image (and index) resolution, then one referrers listing per subject (the image; or
 * the index and each selected platform, in parallel), then one blob fetch per distinct version a
 * rule reads (index-level versions inherited by several platforms are fetched once). Record kinds
 * (approval, deployment) are read from every version (src/kinds/records.ts): one fetch per version.
 * For a multi-platform image every selected platform is evaluated with its own metadata, else the
 * index's (inheritance as in `get --platform`); the image is allowed only when every platform is.
 */
import type { Repository } from '../content/repository.ts';
import { ManifestoError } from '../errors/errors.ts';
import { isRecordKind } from '../kinds/records.ts';
import { kindFor } from '../kinds/registry.ts';
import { readListing, type SubjectListing } from '../metadata/listing.ts';
import { orderNewestFirst } from '../metadata/ordering.ts';
import { resolveTarget } from '../metadata/target.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import type { Descriptor, Platform } from '../spec/descriptor.ts';
import { formatPlatform } from '../spec/platform.ts';
import { type CompiledCel, celTypeNames, compileCel } from './cel.ts';
import {
  type EvaluationContext,
  type EvaluationSubject,
  evaluateSubject,
  type Normalised,
  type PresentVersion,
  type SubjectDecision,
  typeNamesFor,
} from './evaluate.ts';
import type { GatePolicy } from './gate-policy.ts';
import type { SignatureVerification, SignatureVerifier } from './verifier.ts';

/** Content larger than this is not read for a rule (the rule then denies). */
const MAX_CONTENT_BYTES = 64 * 1024 * 1024;

export interface CheckOptions {
  repository: Repository;
  reference: string;
  /** How to name the image in output. */
  image: string;
  policy: GatePolicy;
  /** Only this platform of a multi-platform image. */
  platform?: Platform | undefined;
  /** Require a multi-platform image (every platform is evaluated either way). */
  allPlatforms?: boolean | undefined;
  verifier?: SignatureVerifier | undefined;
  now?: Date | undefined;
}

export interface CheckDecision {
  image: string;
  /** The manifest the reference names (index or image). */
  subject: Descriptor;
  allowed: boolean;
  subjects: SubjectDecision[];
  /** CPU time of evaluation (normalising and rules, after every fetch), in microseconds. */
  evaluationCpuMicros: number;
}

interface Needs {
  /** Type names whose latest version is looked up. */
  types: Set<string>;
  /** Type names whose content is fetched. */
  content: Set<string>;
}

function needsOf(policy: GatePolicy): Needs {
  const types = new Set<string>();
  const content = new Set<string>();
  const add = (name: string, fetch: boolean) => {
    for (const type of typeNamesFor(name)) {
      types.add(type);
      if (fetch) content.add(type);
    }
  };
  for (const rule of policy.rules) {
    switch (rule.type) {
      case 'require':
        for (const t of rule.types) add(t, false);
        break;
      case 'maxAge':
        add(rule.of, rule.from === 'content' && kindFor(rule.of)?.name === 'vuln');
        break;
      case 'signedBy':
        for (const t of rule.types) add(t, false);
        break;
      case 'vulnerabilities':
        add('vuln', true);
        if (rule.vex) add('vex', true);
        break;
      case 'approvals':
        add('approval', true);
        break;
      case 'provenance':
        add('provenance', true);
        break;
      case 'cel':
        for (const t of celTypeNames(rule.expression)) add(t, true);
        break;
    }
  }
  return { types, content };
}

/**
 * Latest version per needed type: the subject's own, else the index's. Record kinds (approval,
 * deployment) also carry the older versions of the same subject, whose contents are merged.
 */
function presentVersions(
  own: SubjectListing,
  index: SubjectListing | undefined,
  needs: Needs,
): Map<string, PresentVersion> {
  const present = new Map<string, PresentVersion>();
  for (const type of needs.types) {
    let from = own;
    let ordered = orderNewestFirst(own.versions.filter((v) => v.type === type));
    if (ordered.length === 0 && index !== undefined) {
      from = index;
      ordered = orderNewestFirst(index.versions.filter((v) => v.type === type));
    }
    const [latest, ...rest] = ordered;
    if (latest === undefined) continue;
    const inherited = from !== own;
    const entry = (version: MetadataVersion): PresentVersion => ({
      type,
      version,
      subject: from.subject,
      inherited,
      content: undefined,
    });
    const records = isRecordKind(kindFor(type)?.name ?? '');
    present.set(type, { ...entry(latest), ...(records ? { older: rest.map(entry) } : {}) });
  }
  return present;
}

/** The present versions of a subject with the older versions of record kinds. */
function everyVersion(subject: EvaluationSubject): PresentVersion[] {
  return [...subject.versions.values()].flatMap((p) => [p, ...(p.older ?? [])]);
}

export async function compilePolicyCel(
  policy: GatePolicy,
  source: string,
): Promise<Map<string, CompiledCel>> {
  const compiled = new Map<string, CompiledCel>();
  for (const [i, rule] of policy.rules.entries())
    if (rule.type === 'cel')
      compiled.set(rule.name, await compileCel(rule.expression, `${source}: /rules/${i}/cel`));
  return compiled;
}

export async function checkImage(
  options: CheckOptions,
  cel: ReadonlyMap<string, CompiledCel>,
): Promise<CheckDecision> {
  const { repository, policy } = options;
  const target = await resolveTarget(repository, options.reference, {
    readIndex: true,
    platform: options.platform,
    image: options.image,
  });
  if (options.allPlatforms && target.index === undefined) {
    throw new ManifestoError('NOT_AN_INDEX', `${options.image} is a single-platform image`, {
      category: 'usage',
      hint: 'Leave out --all-platforms: the image itself is checked.',
    });
  }
  const needs = needsOf(policy);
  // Subjects to evaluate, and the listings to read: one per subject, in parallel.
  const index = target.index;
  const children =
    index === undefined
      ? []
      : options.platform === undefined
        ? index.platforms
        : index.platforms.filter((c) => c.descriptor.digest === target.subject.digest);
  const listings = await Promise.all([
    index === undefined ? readListing(repository, target.subject) : readListing(repository, index.descriptor),
    ...children.map((c) =>
      readListing(repository, {
        mediaType: c.descriptor.mediaType,
        digest: c.descriptor.digest,
        size: c.descriptor.size,
      }),
    ),
  ]);
  const subjects: EvaluationSubject[] =
    index === undefined
      ? [
          {
            label: options.image,
            platform: undefined,
            digest: target.subject.digest,
            reference: options.image,
            versions: presentVersions(listings[0]!, undefined, needs),
          },
        ]
      : children.map((child, i) => ({
          label: formatPlatform(child.platform),
          platform: child.platform,
          digest: child.descriptor.digest,
          reference: options.image,
          versions: presentVersions(listings[i + 1]!, listings[0], needs),
        }));
  // One fetch per distinct version whose content a rule reads.
  const toFetch = new Map<string, PresentVersion[]>();
  for (const subject of subjects)
    for (const present of everyVersion(subject))
      if (needs.content.has(present.type) && present.version.content !== undefined) {
        const list = toFetch.get(present.version.digest) ?? [];
        list.push(present);
        toFetch.set(present.version.digest, list);
      }
  await Promise.all(
    [...toFetch.values()].map(async (presents) => {
      const info = presents[0]!.version.content!;
      if (info.size > MAX_CONTENT_BYTES) return;
      const bytes = await repository.fetchBlobBytes(info, MAX_CONTENT_BYTES);
      for (const p of presents) p.content = bytes;
    }),
  );
  const signatures = options.verifier === undefined ? undefined : await verifyAll(options, subjects, policy);
  const started = process.cpuUsage();
  const context: EvaluationContext = {
    now: options.now ?? new Date(),
    cel,
    signatures,
    cache: new Map<string, Normalised>(),
  };
  const decisions = subjects.map((subject) => evaluateSubject(policy, subject, context));
  const used = process.cpuUsage(started);
  return {
    image: options.image,
    subject: index?.descriptor ?? target.subject,
    allowed: decisions.every((d) => d.allowed),
    subjects: decisions,
    evaluationCpuMicros: used.user + used.system,
  };
}

async function verifyAll(
  options: CheckOptions,
  subjects: readonly EvaluationSubject[],
  policy: GatePolicy,
): Promise<Map<string, SignatureVerification>> {
  const wanted = new Set<string>();
  for (const rule of policy.rules)
    if (rule.type === 'signedBy') for (const t of rule.types) for (const n of typeNamesFor(t)) wanted.add(n);
  const byDigest = new Map<string, PresentVersion>();
  for (const subject of subjects)
    for (const present of everyVersion(subject))
      if (wanted.has(present.type)) byDigest.set(present.version.digest, present);
  const results = new Map<string, SignatureVerification>();
  await Promise.all(
    [...byDigest.entries()].map(async ([digest, present]) => {
      try {
        results.set(
          digest,
          await options.verifier!.verify({
            repository: options.repository,
            subject: present.subject,
            type: present.type,
            version: present.version,
          }),
        );
      } catch (error) {
        results.set(digest, {
          authorities: [],
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }),
  );
  return results;
}
