/**
 * The one duration parser: a whole number and a unit, `90s`, `30m`, `12h`, `7d`, `2w`; for the gate
 * policy's `age` rules and for `--expires`. At most six digits (`999999w`, ~19,000 years), so the
 * product stays an exact integer number of milliseconds.
 */
import { usageError } from '../errors/errors.ts';

const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  w: 7 * 24 * 60 * 60 * 1000,
};

/** The duration in milliseconds, or undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  return ms > 0 ? ms : undefined;
}

/** A duration given on the command line (`--expires 7d`), or a usage error naming `source`. */
export function parseDurationValue(text: string, source: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw usageError(
      'DURATION_INVALID',
      `${source}: invalid duration "${text}"`,
      'e.g. 90s, 30m, 12h, 7d, 2w',
    );
  }
  return ms;
}

/** A rough human form of a duration: `3d 4h`, `25m`, `40s`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const days = Math.floor(abs / UNITS.d!);
  const hours = Math.floor((abs % UNITS.d!) / UNITS.h!);
  const minutes = Math.floor((abs % UNITS.h!) / UNITS.m!);
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  if (minutes > 0) return `${minutes}m`;
  return `${Math.floor(abs / 1000)}s`;
}
