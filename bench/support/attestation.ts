/**
 * The signing section's unverified read of a sigstore attestation, at loopback and at each delay:
 *
 *   manifesto get IMAGE approvals        cosign download attestation --predicate-type T IMAGE
 *
 * Each tool reads the attestation its own signer wrote (one image signed by `manifesto put --sign
 * --sign-format sigstore`, one attested by `cosign attest --new-bundle-format`, same repository and
 * approvals document), and neither verifies. The pairing is by job, not by bytes: manifesto prints the
 * document (its signature is a referrer of the version, which a plain get does not read); cosign
 * prints the attestation (a DSSE envelope holding the document and its signature in one blob). `get
 * --verify` next to `cosign verify-attestation` is the row of signing.ts that adds verification.
 */
import { join } from 'node:path';
import { peerBin } from '../../test/support/peers.ts';
import { benchRepository, proxiedReference, pushFreshImage } from './fixtures.ts';
import { type BenchContext, runManifesto } from './operations.ts';
import { runMeasured } from './processes.ts';
import {
  COSIGN_HTTP,
  COSIGN_TYPE,
  compare,
  cosignAttest,
  must,
  row,
  type SigningRow,
  type SigningSetup,
  sample,
  writeApprovals,
} from './signing.ts';

export async function measureAttestationDownload(
  context: BenchContext,
  setup: SigningSetup,
  runs: number,
  delays: readonly number[],
): Promise<SigningRow[]> {
  const repository = benchRepository('attestation');
  const image = await pushFreshImage(context.bench, repository, 'm');
  const peerImage = await pushFreshImage(context.bench, repository, 'p');
  const ref = proxiedReference(context.bench, image, 'tag');
  const peerRef = proxiedReference(context.bench, peerImage, 'digest');
  const file = writeApprovals(setup.dir, 'attestation');
  const proxy = context.bench.proxy;
  proxy.delayMs = 0;
  await must(
    runManifesto(
      context,
      ['put', ref, 'approvals', file, '--sign', join(setup.dir, 'k.key'), '--sign-format', 'sigstore'],
      setup.dir,
    ),
    'manifesto put --sign --sign-format sigstore',
  );
  await must(cosignAttest(setup, file, peerRef), 'cosign attest');
  const rows: SigningRow[] = [];
  for (const delayMs of delays) {
    proxy.delayMs = delayMs;
    try {
      const compared = await compare(
        runs,
        async () => undefined,
        () => sample(context, [() => runManifesto(context, ['get', ref, 'approvals'], setup.dir)]),
        () =>
          sample(context, [
            () =>
              runMeasured(
                peerBin('cosign'),
                ['download', 'attestation', ...COSIGN_HTTP, '--predicate-type', COSIGN_TYPE, peerRef],
                { env: setup.cosignEnv, cwd: setup.dir },
              ),
          ]),
      );
      const where = delayMs === 0 ? 'loopback' : `+${delayMs} ms`;
      rows.push({
        ...row(context, `get, no verify (sigstore) ${where}`, compared, { name: 'cosign', processes: 1 }),
        delayMs,
      });
    } finally {
      proxy.delayMs = 0;
    }
  }
  return rows;
}
