// A synthetic fleet for the index benchmark: deterministic (seeded) images with realistic shapes,
// written straight into the store. Findings are drawn from a vocabulary of CVEs with a skewed
// popularity (a few CVEs are in most images, most are rare), packages from a vocabulary of purls,
// 30% of images deployed (production or staging), 10% deprecated or end-of-life, 60% with a signed
// scan, QA approvals on half of them.
import type { FindingFact, IndexedImage, IndexStore, PackageFact } from '../../src/fleet/store.ts';

export interface FleetShape {
  images: number;
  /** Images per repository. */
  perRepository: number;
  findingsPerImage: number;
  packagesPerImage: number;
}

/** mulberry32: a small seeded PRNG, so every run builds the same fleet. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible'];
const CVES = 20_000;
const PACKAGES = 8_000;
const DAY = 86_400_000;

export const cveId = (n: number): string => `CVE-20${20 + (n % 6)}-${10000 + n}`;
export const packageName = (n: number): string => `pkg${n}`;
export const purlOf = (n: number, version: string): string => `pkg:deb/debian/${packageName(n)}@${version}`;

const hex = (n: number, salt: number) =>
  `sha256:${(n * 2654435761 + salt).toString(16).padStart(16, '0').repeat(4).slice(0, 64)}`;

/** Skewed pick: squares push draws towards the low (popular) numbers. */
const skewed = (rand: () => number, size: number) => Math.floor(rand() * rand() * size);

function image(n: number, shape: FleetShape, rand: () => number, now: number): IndexedImage {
  const findings: FindingFact[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < shape.findingsPerImage; k++) {
    const cve = skewed(rand, CVES);
    if (seen.has(cve)) continue;
    seen.add(cve);
    const pkg = cve % PACKAGES;
    findings.push({
      id: cveId(cve),
      severity: SEVERITIES[cve % SEVERITIES.length]!,
      package: packageName(pkg),
      installed: `1.${cve % 40}`,
      fixed: cve % 3 === 0 ? '' : `1.${(cve % 40) + 1}`,
      purl: purlOf(pkg, `1.${cve % 40}`),
      suppressed: cve % 50 === 0,
    });
  }
  const packages: PackageFact[] = [];
  const pkgSeen = new Set<number>();
  for (let k = 0; k < shape.packagesPerImage; k++) {
    const pkg = skewed(rand, PACKAGES);
    if (pkgSeen.has(pkg)) continue;
    pkgSeen.add(pkg);
    const version = `1.${pkg % 40}`;
    packages.push({ name: packageName(pkg), version, purl: purlOf(pkg, version), licenses: ['Apache-2.0'] });
  }
  const deployed = rand();
  const environment = deployed < 0.15 ? 'production' : deployed < 0.3 ? 'staging' : undefined;
  const undeployed = environment === undefined && rand() < 0.5;
  const scanned = new Date(now - Math.floor(rand() * 60) * DAY).toISOString();
  const lifecycle = rand();
  const signedScan = rand() < 0.6;
  const version = (type: string, salt: number, signature: 'signed' | 'unsigned') => ({
    type,
    digest: hex(n, salt),
    created: scanned,
    author: 'ci',
    signature,
    latest: true,
    inherited: false,
  });
  return {
    digest: hex(n, 0),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    platform: n % 2 === 0 ? 'linux/amd64' : 'linux/arm64',
    parentIndex: hex(n >> 1, 7),
    tags: [`build-${n}`],
    listingKey: `key-${n}`,
    versions: [
      version('vuln', 1, signedScan ? 'signed' : 'unsigned'),
      ...(n % 10 === 0 ? [] : [version('sbom', 2, 'unsigned')]),
      ...(environment === undefined && !undeployed ? [] : [version('deployment', 3, 'unsigned')]),
    ],
    facts: {
      vulnScannedAt: scanned,
      findings,
      packages: n % 10 === 0 ? [] : packages,
      provenance: {
        builder: 'https://github.com/actions/runner',
        source: `git+https://git.example/${n % 500}`,
        commit: '',
      },
      approvals:
        n % 2 === 0
          ? [{ gate: 'qa', status: rand() < 0.1 ? 'pending' : 'approved', approver: 'qa', time: scanned }]
          : [],
      deployments:
        environment === undefined && !undeployed
          ? []
          : [
              {
                environment: environment ?? 'production',
                cluster: 'eu',
                deployedAt: new Date(now - 90 * DAY).toISOString(),
                undeployedAt: undeployed ? new Date(now - Math.floor(rand() * 60) * DAY).toISOString() : '',
                active: !undeployed,
              },
            ],
      lifecycle: {
        status: lifecycle < 0.05 ? 'deprecated' : lifecycle < 0.1 ? 'end-of-life' : 'active',
        endOfLife: '',
      },
      contactTeam: `team${n % 40}`,
    },
  };
}

/** Writes the fleet, one transaction per repository; returns the number of rows of each kind. */
export function writeFleet(
  store: IndexStore,
  shape: FleetShape,
  now: Date,
): { findings: number; packages: number } {
  const rand = random(13);
  let findings = 0;
  let packages = 0;
  for (let start = 0, repo = 0; start < shape.images; start += shape.perRepository, repo++) {
    const images: IndexedImage[] = [];
    for (let n = start; n < Math.min(shape.images, start + shape.perRepository); n++) {
      const made = image(n, shape, rand, now.getTime());
      findings += made.facts.findings.length;
      packages += made.facts.packages.length;
      images.push(made);
    }
    store.writeRepository({
      registry: 'registry.bench',
      name: `team${repo % 40}/app${repo}`,
      location: `registry.bench/team${repo % 40}/app${repo}`,
      syncedAt: now.toISOString(),
      changed: images,
      unchanged: [],
    });
  }
  return { findings, packages };
}
