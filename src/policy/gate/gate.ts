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
import type { RepositoryReader } from '../../content/repository.ts';
import { ManifestoError } from '../../errors/errors.ts';
import { isRecordKind } from '../../kinds/records.ts';
import { kindFor } from '../../kinds/well-known.ts';
import { attestationEntries, buildxVersions } from '../../metadata/buildx.ts';
import { cosignTagVersions } from '../../metadata/cosign-tags.ts';
import { attestationLayer } from '../../metadata/foreign-content.ts';
import { orderVersions, readListing, type SubjectListing, versionsOfType } from '../../metadata/listing.ts';
import { type IndexInfo, resolveTarget } from '../../metadata/target.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import type { LatestSigned, SignatureVerification, SignatureVerifier } from '../trust/verifier.ts';
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

/** Content larger than this is not read for a rule (the rule then denies). */
const MAX_CONTENT_BYTES = 64 * 1024 * 1024;

export interface CheckOptions {
  repository: RepositoryReader;
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
  /** Type names a rule denies without (require, maxAge, vuln, provenance, cel), not vex or signedBy. */
  required: Set<string>;
}

/** The kinds another tool's attestation can provide (foreign.ts); none has an alias. */
const FOREIGN_KINDS: readonly string[] = ['sbom', 'provenance', 'vuln', 'vex'];

function needsOf(policy: GatePolicy): Needs {
  const types = new Set<string>();
  const content = new Set<string>();
  const required = new Set<string>();
  const add = (name: string, fetch: boolean, needed = true) => {
    for (const type of typeNamesFor(name)) {
      types.add(type);
      if (fetch) content.add(type);
      if (needed) required.add(type);
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
        for (const t of rule.types) add(t, false, false);
        break;
      case 'vulnerabilities':
        add('vuln', true);
        if (rule.vex) add('vex', true, false);
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
  return { types, content, required };
}

/** Latest versions of the signed types, by the signed chain: keyed by `subject digest` + ` ` + type. */
type ChosenVersions = ReadonlyMap<string, LatestSigned>;

/**
 * A listing's versions of a type, newest first; for a signed type the latest verified version first,
 * then the others in signed order (their created/supersedes the signed or digest-pinned ones).
 */
function newestFirst(
  listing: SubjectListing,
  type: string,
  chosen: ChosenVersions | undefined,
): MetadataVersion[] {
  const ordered = versionsOfType(listing, type);
  const picked = chosen?.get(`${listing.subject.digest} ${type}`);
  if (picked?.version === undefined) return ordered;
  const signed = new Set(picked.versions.map((v) => v.digest));
  const latest = picked.version;
  return [
    latest,
    ...picked.versions.filter((v) => v.digest !== latest.digest),
    ...ordered.filter((v) => !signed.has(v.digest)),
  ];
}

/**
 * Latest version per needed type: manifesto's own version of the subject, else the index's, else
 * another tool's of the subject (cosign), else another tool's of the index (docs/format.md, "Other
 * tools' metadata"); buildx's and cosign's legacy ones are added afterwards (withOtherTools).
 * Record kinds (approval, deployment) also carry the older versions of the same subject, whose
 * contents are merged. Signed types are ordered by the signed chain (`signed`), never by the
 * listing's annotations.
 */
function presentVersions(
  own: SubjectListing,
  index: SubjectListing | undefined,
  needs: Needs,
  signed?: ChosenVersions | undefined,
): Map<string, PresentVersion> {
  const present = new Map<string, PresentVersion>();
  for (const type of needs.types) {
    const candidates = [own, ...(index === undefined ? [] : [index])].map((listing) => ({
      listing,
      ordered: newestFirst(listing, type, signed),
    }));
    const chosen =
      candidates.find((c) => c.ordered[0] !== undefined && c.ordered[0].foreign === undefined) ??
      candidates.find((c) => c.ordered[0] !== undefined);
    if (chosen === undefined) continue;
    const { listing: from, ordered } = chosen;
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

/** The type names signedBy rules name: every rule reads these by the signed chain. */
function signedTypes(policy: GatePolicy): Set<string> {
  const wanted = new Set<string>();
  for (const rule of policy.rules)
    if (rule.type === 'signedBy') for (const t of rule.types) for (const n of typeNamesFor(t)) wanted.add(n);
  return wanted;
}

/**
 * The latest verified version of each signed type in each listing (manifesto's own versions), by the
 * verifier's signed chain, not by the listing's unsigned order: what signedBy checks and every other
 * rule reads.
 */
async function chooseSigned(
  options: CheckOptions,
  listings: readonly SubjectListing[],
  policy: GatePolicy,
): Promise<ChosenVersions | undefined> {
  const latest = options.verifier?.latest?.bind(options.verifier);
  if (latest === undefined) return undefined;
  const chosen = new Map<string, LatestSigned>();
  const failed = (reason: string): LatestSigned => ({
    version: undefined,
    versions: [],
    verification: { authorities: [], reason },
  });
  const jobs: Promise<void>[] = [];
  for (const type of signedTypes(policy))
    for (const listing of listings) {
      const versions = listing.versions.filter((v) => v.type === type && v.manifesto);
      const key = `${listing.subject.digest} ${type}`;
      if (versions.length === 0 || chosen.has(key)) continue;
      chosen.set(key, failed('not verified'));
      jobs.push(
        latest({ repository: options.repository, subject: listing.subject, type, versions }).then(
          (answer) => void chosen.set(key, answer),
          (error: unknown) =>
            void chosen.set(key, failed(error instanceof Error ? error.message : String(error))),
        ),
      );
    }
  await Promise.all(jobs);
  return chosen;
}

/**
 * Other tools' versions read only when needed (docs/format.md, "Other tools' metadata"): needed types
 * a platform has no version of (or only another tool's of the index) from the buildx attestation
 * manifest of that platform (one GET per attestation manifest); then types a rule denies without
 * from cosign's legacy `.att` tag of the subject (one GET, on a path that denied before).
 */
async function withOtherTools(
  repository: RepositoryReader,
  index: IndexInfo | undefined,
  subjects: readonly EvaluationSubject[],
  needs: Needs,
): Promise<EvaluationSubject[]> {
  const missingOf = (versions: ReadonlyMap<string, PresentVersion>) =>
    [...needs.types].filter((type) => {
      const present = versions.get(type);
      return present === undefined || (present.inherited && present.version.foreign !== undefined);
    });
  return Promise.all(
    subjects.map(async (subject): Promise<EvaluationSubject> => {
      const child = index?.platforms.find((c) => c.descriptor.digest === subject.digest);
      const descriptor = child?.descriptor ?? index?.descriptor;
      const present = new Map(subject.versions);
      const fill = (versions: MetadataVersion[], types: string[], from: Descriptor) => {
        for (const type of types) {
          const version = orderVersions(versions.filter((v) => v.type === type))[0];
          if (version === undefined) continue;
          const { mediaType, digest, size } = from;
          present.set(type, {
            type,
            version,
            subject: { mediaType, digest, size },
            inherited: false,
            content: undefined,
          });
        }
      };
      if (index !== undefined && child !== undefined) {
        const missing = missingOf(present).filter((t) => FOREIGN_KINDS.includes(t));
        if (missing.length > 0 && attestationEntries(index.manifest, subject.digest).length > 0)
          fill(await buildxVersions(repository, index.manifest, subject.digest), missing, child.descriptor);
      }
      const legacy = missingOf(present).filter((t) => FOREIGN_KINDS.includes(t) && needs.required.has(t));
      if (legacy.length > 0) {
        const from = descriptor ?? { mediaType: '', digest: subject.digest, size: 0 };
        fill(await cosignTagVersions(repository, subject.digest), legacy, from);
      }
      return { ...subject, versions: present };
    }),
  );
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
  const signed = await chooseSigned(options, listings, policy);
  const listed: EvaluationSubject[] =
    index === undefined
      ? [
          {
            label: options.image,
            platform: undefined,
            digest: target.subject.digest,
            reference: options.image,
            versions: presentVersions(listings[0]!, undefined, needs, signed),
          },
        ]
      : children.map((child, i) => ({
          label: formatPlatform(child.platform),
          platform: child.platform,
          digest: child.descriptor.digest,
          reference: options.image,
          versions: presentVersions(listings[i + 1]!, listings[0], needs, signed),
        }));
  const subjects = await withOtherTools(repository, index, listed, needs);
  // One fetch per distinct version whose content a rule reads.
  const toFetch = new Map<string, PresentVersion[]>();
  for (const subject of subjects)
    for (const present of everyVersion(subject))
      if (
        needs.content.has(present.type) &&
        (present.version.content !== undefined || present.version.foreign !== undefined)
      ) {
        const list = toFetch.get(present.version.digest) ?? [];
        list.push(present);
        toFetch.set(present.version.digest, list);
      }
  await Promise.all(
    [...toFetch.values()].map(async (presents) => {
      // Other tools' attestations: the bundle or statement (kinds read the statement inside).
      const version = presents[0]!.version;
      const info = version.content ?? (await attestationLayer(repository, version));
      if (info.size > MAX_CONTENT_BYTES) return;
      const bytes = await repository.fetchBlobBytes(info, MAX_CONTENT_BYTES);
      for (const p of presents) p.content = bytes;
    }),
  );
  const signatures =
    options.verifier === undefined ? undefined : await verifyAll(options, subjects, policy, signed);
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
  signed: ChosenVersions | undefined,
): Promise<Map<string, SignatureVerification>> {
  const wanted = signedTypes(policy);
  const byDigest = new Map<string, PresentVersion>();
  const results = new Map<string, SignatureVerification>();
  for (const subject of subjects)
    for (const present of everyVersion(subject)) {
      if (!wanted.has(present.type)) continue;
      // The latest verified version's verification (with the chain's problems) is known already.
      const picked = signed?.get(`${present.subject.digest} ${present.type}`);
      if (picked?.version?.digest === present.version.digest)
        results.set(present.version.digest, picked.verification);
      else byDigest.set(present.version.digest, present);
    }
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
