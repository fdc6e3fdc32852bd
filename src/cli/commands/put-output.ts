/** What `put` prints: one line per stored version (and signature), or JSON; warnings on stderr. */
import type { AllPlatformsPutResult } from '../../metadata/all-platforms-put.ts';
import type { PutWarning } from '../../metadata/platform-put.ts';
import type { PutResult } from '../../metadata/put.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import type { SignedVersion } from '../../policy/trust/sign-version.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, shortDigest, subjectJson } from '../render.ts';

export function warningLine(w: PutWarning): string {
  const where = w.what === undefined ? '' : `${w.what}: `;
  return w.kind === 'not-validated'
    ? `note: ${where}${w.type} content is ${w.reason}\n`
    : `warning: ${where}${w.problem} (--strict-content refuses it)\n`;
}

export function resultLine(display: string, result: PutResult, platform?: Platform): string {
  const where = platform === undefined ? display : `${display} [${formatPlatform(platform)}]`;
  return (
    `Stored ${result.type} for ${where} (${shortDigest(result.subject.digest)}) as version ${result.version} ` +
    `(${result.content.mediaType}, ${formatBytes(result.content.size)})`
  );
}

export function putJson(
  display: string,
  result: PutResult,
  platform: Platform | undefined,
  signed?: SignedVersion,
) {
  return {
    image: display,
    ...(platform === undefined ? {} : { platform: formatPlatform(platform) }),
    subject: subjectJson(result.subject),
    type: result.type,
    version: result.version,
    artifactType: result.artifactType,
    content: result.content,
    created: result.created,
    author: result.author ?? null,
    supersedes: result.supersedes ?? null,
    ...(signed === undefined
      ? {}
      : { signature: { format: signed.format, digest: signed.signature.digest } }),
  };
}

export function printAllPlatforms(
  context: CommandContext,
  signedLine: ((signed: SignedVersion) => string) | undefined,
  display: string,
  { index, outcomes }: AllPlatformsPutResult<SignedVersion>,
): void {
  const { io } = context;
  if (context.json) {
    writeJson(io.stdout, {
      image: display,
      index: subjectJson(index),
      results: outcomes.map((o) =>
        o.error === undefined && o.result
          ? { ok: true, ...putJson(display, o.result, o.platform, o.signed) }
          : {
              ok: false,
              platform: formatPlatform(o.platform),
              ...(o.result === undefined ? {} : { version: o.result.version }),
              error: o.error?.toJSON(),
            },
      ),
    });
    return;
  }
  for (const o of outcomes) {
    if (o.result) writeLine(io.stdout, resultLine(display, o.result, o.platform));
    if (o.signed && signedLine) writeLine(io.stdout, signedLine(o.signed));
    if (o.error) io.stderr.write(`manifesto: ${formatPlatform(o.platform)}: error: ${o.error.message}\n`);
  }
}

/** Everything local checked before the first request: type name, annotations, flag combinations. */
