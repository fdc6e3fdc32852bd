/** RFC 3339 timestamps and calendar dates, as the metadata formats write them. */

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An RFC 3339 date-time (any fraction length, `Z` or an offset) naming a real instant. */
export function isTimestamp(value: string): boolean {
  return toUtcTimestamp(value) !== null;
}

/** The instant as RFC 3339 UTC with milliseconds (`2026-01-31T12:00:00.000Z`), or null if invalid. */
export function toUtcTimestamp(value: string): string | null {
  const match = TIMESTAMP.exec(value);
  if (match === null || !isDate(match[1]!)) return null;
  const fraction = (match[3] ?? '.0').slice(0, 4).padEnd(4, '0');
  const zone = match[4]!.toUpperCase();
  const millis = Date.parse(`${match[1]}T${match[2]}${fraction}${zone}`);
  return Number.isNaN(millis) ? null : new Date(millis).toISOString();
}

/** A calendar date `YYYY-MM-DD` that exists. */
export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A date or a timestamp, normalised: dates stay `YYYY-MM-DD`, timestamps become UTC. */
export function toDateOrTimestamp(value: string): string | null {
  return isDate(value) ? value : toUtcTimestamp(value);
}
