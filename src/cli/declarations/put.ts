/** `manifesto put`: stores a new version of a type (one image, every platform, or many from a file). */
import type { Platform } from '../../oci/descriptor.ts';
import { parseSize, parseWholeNumber } from '../../util/settings.ts';
import { parseAnnotations } from '../args.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, SIGNING_OPTIONS } from '../shared-options.ts';
import { runBulk } from './run-bulk.ts';

export const put: CommandDeclaration = {
  name: 'put',
  registry: true,
  usage: [
    'put IMAGE TYPE FILE|- [OPTIONS]',
    'put IMAGE TYPE --all-platforms --file-per-platform TEMPLATE [OPTIONS]',
    'put --from OPS.jsonl [--concurrency N]',
  ],
  intro: 'Stores FILE (or standard input) as a new version of TYPE for IMAGE; it becomes the latest.',
  options: {
    'media-type': {
      type: 'string',
      value: 'TYPE',
      help: 'media type of the content (detected when absent: JSON, YAML, text, binary)',
    },
    annotation: {
      type: 'string',
      short: 'a',
      multiple: true,
      value: 'K=V',
      help: 'add an annotation (repeatable)',
    },
    author: {
      type: 'string',
      value: 'NAME',
      env: 'MANIFESTO_AUTHOR',
      help: 'who stores it (default: $MANIFESTO_AUTHOR, else user@host)',
    },
    'max-size': {
      type: 'string',
      value: 'SIZE',
      env: 'MANIFESTO_MAX_SIZE',
      parse: parseSize,
      default: '1G',
      help: 'refuse content larger than SIZE: bytes, or 512K, 100M, 2G (default 1G; $MANIFESTO_MAX_SIZE)',
    },
    platform: platformOption(),
    'all-platforms': {
      type: 'boolean',
      help: `store for every platform of a multi-platform IMAGE, in parallel (exit 11 if
some platforms failed; the others are stored)`,
    },
    'file-per-platform': {
      type: 'string',
      value: 'TEMPLATE',
      help: `with --all-platforms, instead of FILE: each platform's own file, TEMPLATE with
{os}, {arch}, {variant}, {osversion} replaced (./scan-{os}-{arch}{variant}.json)`,
    },
    'no-validate': { type: 'boolean', help: 'store content of a well-known kind without validating it' },
    'strict-types': {
      type: 'boolean',
      env: 'MANIFESTO_STRICT_TYPES',
      help: `refuse a TYPE that looks like a typo of a well-known one (secomp: seccomp?);
without it a warning on stderr ($MANIFESTO_STRICT_TYPES=1 turns it on)`,
    },
    'strict-content': {
      type: 'boolean',
      env: 'MANIFESTO_STRICT_CONTENT',
      help: `refuse content about another image or platform (a Trivy report whose
RepoDigests or ImageConfig name another, provenance about another digest);
without it a warning on stderr ($MANIFESTO_STRICT_CONTENT=1 turns it on)`,
    },
    json: { type: 'boolean', help: 'print the stored version as JSON' },
    sign: { type: 'string', value: 'KEY', help: 'sign the new version (see "manifesto sign --help")' },
    ...SIGNING_OPTIONS,
    from: {
      type: 'string',
      value: 'OPS.jsonl',
      help: 'many puts in one process (- for standard input; below)',
    },
    concurrency: {
      type: 'string',
      value: 'N',
      parse: parseWholeNumber,
      help: 'with --from: items at work at a time (default 16)',
    },
  },
  outro: `Without --platform on a multi-platform IMAGE the version is stored for the index: it applies to all
platforms (a note on stderr says so).

--from OPS.jsonl (or - for standard input): many puts in one process, one JSON object per line:
  {"image": "REG/REPO:TAG", "type": "scan", "file": "scan.json"} with optional "mediaType",
  "annotations" (object), "author", "platform". Every line is checked first (a malformed line: exit 2,
  nothing written). --concurrency N (default 16) items at work at a time; the versions of one type
  on one image are stored in file order.
  One JSON result per line on stdout ({"line", "image", "ok", "version"} or {"ok": false, "error"});
  a progress bar on stderr on a terminal; exit 11 when some items failed (the others are stored).`,
  run: async (args, context) => {
    if (args.text('from') !== undefined) return runBulk('put', args, context);
    const perPlatform = args.text('file-per-platform') !== undefined;
    const [image, type, file] = args.positionals(['image', 'type', 'file'], perPlatform ? 1 : 0);
    const { putCommand } = await import('../commands/put.ts');
    await putCommand(
      {
        image: image!,
        type: type!,
        file: file ?? '',
        mediaType: args.text('media-type'),
        annotations: parseAnnotations(args.list('annotation')),
        author: args.text('author'),
        maxSize: args.value<number>('max-size'),
        platform: args.value<Platform>('platform'),
        allPlatforms: args.on('all-platforms'),
        filePerPlatform: args.text('file-per-platform'),
        sign: args.text('sign'),
        cert: args.text('cert'),
        signFormat: args.text('sign-format'),
        expires: args.text('expires'),
        noValidate: args.on('no-validate'),
        strictTypes: args.on('strict-types'),
        strictContent: args.on('strict-content'),
      },
      context,
    );
    return 0;
  },
};
