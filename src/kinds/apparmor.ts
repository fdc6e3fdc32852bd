/**
 * The `apparmor` kind: AppArmor profile text, as loaded with `apparmor_parser`. The check is
 * structural, not a full parse: at least one `profile NAME [ATTACHMENT] [flags=(...)] {` block and
 * balanced braces (outside comments and quoted strings). Problems are reported by line.
 */
import { decodeText } from './input.ts';
import { type KindContext, type KindDefinition, KindInvalidError } from './kind.ts';

export interface AppArmorProfileHeader {
  name: string;
  attachment: string | null;
  flags: string[];
}

export interface AppArmorProfile {
  profiles: AppArmorProfileHeader[];
  abi: string | null;
  includes: string[];
  /** Rules: lines inside profiles that end with a comma. */
  ruleCount: number;
}

const HEADER =
  /^\s*profile\s+("[^"]+"|[^\s{]+)(?:\s+("[^"]+"|[^\s{(]+(?<!flags=)))?(?:\s+flags\s*=\s*\(([^)]*)\))?\s*\{/;
const INCLUDE = /^\s*#?include(?:\s+if\s+exists)?\s+[<"]([^>"]+)[>"]/;
const ABI = /^\s*abi\s+[<"]([^>"]+)[>"]\s*,/;

/** The line without its comment and with quoted strings blanked, so braces in them do not count. */
function code(line: string): string {
  if (INCLUDE.test(line)) return '';
  let result = '';
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (char === '#' && !quoted) break;
    result += quoted && char !== '"' ? ' ' : char;
  }
  return result;
}

const unquote = (value: string) => value.replace(/^"(.*)"$/, '$1');

export const apparmorKind: KindDefinition<AppArmorProfile> = {
  name: 'apparmor',
  aliases: [],
  description: 'AppArmor profile text (a `profile NAME {` block)',
  formats: ['apparmor'],
  validate(content, mediaType) {
    apparmorKind.normalise(content, mediaType);
    return { format: 'apparmor' };
  },
  normalise(content) {
    const context: KindContext = { kind: 'apparmor', format: 'apparmor' };
    const lines = decodeText(content, context).split(/\r?\n/);
    const profiles: AppArmorProfileHeader[] = [];
    const includes: string[] = [];
    let abi: string | null = null;
    let ruleCount = 0;
    const open: number[] = [];
    for (const [index, line] of lines.entries()) {
      const include = INCLUDE.exec(line);
      if (include !== null) includes.push(include[1]!);
      abi ??= ABI.exec(line)?.[1] ?? null;
      const header = HEADER.exec(line);
      if (header !== null) {
        profiles.push({
          name: unquote(header[1]!),
          attachment: header[2] === undefined ? null : unquote(header[2]),
          flags: (header[3] ?? '').split(/[\s,]+/).filter((flag) => flag !== ''),
        });
      }
      const stripped = code(line);
      if (open.length > 0 && /,\s*$/.test(stripped)) ruleCount += 1;
      for (const char of stripped) {
        if (char === '{') open.push(index + 1);
        else if (char === '}' && open.pop() === undefined) {
          throw new KindInvalidError(
            context,
            `line ${index + 1}`,
            'closes a block that was never opened ("}")',
          );
        }
      }
    }
    if (open.length > 0) {
      throw new KindInvalidError(context, `line ${open.at(-1)}`, 'opens a block ("{") that is never closed');
    }
    if (profiles.length === 0) {
      throw new KindInvalidError(context, '', 'must contain a "profile NAME {" block');
    }
    return { profiles, abi, includes, ruleCount };
  },
  summarise(profile) {
    const names = profile.profiles.map((header) => {
      const flags = header.flags.length === 0 ? '' : ` (flags ${header.flags.join(', ')})`;
      return `${header.name}${header.attachment === null ? '' : ` for ${header.attachment}`}${flags}`;
    });
    const lines = [`AppArmor profile ${names.join('; ')}: ${profile.ruleCount} rules`];
    if (profile.includes.length > 0) lines.push(`includes ${profile.includes.join(', ')}`);
    return lines;
  },
};
