/** The signing section on one registry: every row (signing.ts, attestation.ts), or only the attestation read. */
import { measureAttestationDownload } from './attestation.ts';
import type { BenchContext } from './operations.ts';
import { measureCheck, measureGets, measurePuts, type SigningRow, setUpSigning } from './signing.ts';

/** Which rows: all (`--only signing`, `--signing`), or only the unverified attestation read (`--only attestation`). */
export type SigningRows = 'all' | 'attestation';

export async function measureSigning(
  context: BenchContext,
  runs: number,
  rows: SigningRows,
  delays: readonly number[],
): Promise<SigningRow[]> {
  const setup = await setUpSigning(context);
  if (rows === 'attestation') return measureAttestationDownload(context, setup, runs, delays);
  return [
    ...(await measurePuts(context, setup, runs)),
    ...(await measureGets(context, setup, runs)),
    ...(await measureAttestationDownload(context, setup, runs, delays)),
    await measureCheck(context, setup, runs),
  ];
}
