/**
 * The `lifecycle` kind: whether the image should still be used. JSON or YAML:
 *
 *   status: deprecated        # active | deprecated | end-of-life | prunable
 *   endOfLife: 2027-01-31     # optional: a date or an RFC 3339 timestamp
 *   note: use app:v2 instead  # optional
 */
import { parseJsonOrYaml } from './input.ts';
import type { KindContext, KindDefinition } from './kind.ts';
import { dateOrTimestamp, lazySchema, parseWith } from './schema.ts';
import { toDateOrTimestamp } from './time.ts';

export const LIFECYCLE_STATUSES = ['active', 'deprecated', 'end-of-life', 'prunable'] as const;

export interface Lifecycle {
  status: (typeof LIFECYCLE_STATUSES)[number];
  /** YYYY-MM-DD, or an RFC 3339 UTC timestamp with milliseconds; null when not given. */
  endOfLife: string | null;
  note: string | null;
}

const lifecycleSchema = lazySchema((v) =>
  v.strictObject({
    status: v.picklist(LIFECYCLE_STATUSES),
    endOfLife: v.optional(dateOrTimestamp(v)),
    note: v.optional(v.string()),
  }),
);

export const lifecycleKind: KindDefinition<Lifecycle> = {
  name: 'lifecycle',
  aliases: [],
  description: 'lifecycle status: { status: active|deprecated|end-of-life|prunable, endOfLife?, note? }',
  formats: ['lifecycle'],
  validate(content, mediaType) {
    lifecycleKind.normalise(content, mediaType);
    return { format: 'lifecycle' };
  },
  normalise(content, mediaType) {
    const context: KindContext = { kind: 'lifecycle', format: 'lifecycle' };
    const lifecycle = parseWith(lifecycleSchema(), parseJsonOrYaml(content, mediaType, context), context);
    return {
      status: lifecycle.status,
      endOfLife: lifecycle.endOfLife === undefined ? null : toDateOrTimestamp(lifecycle.endOfLife),
      note: lifecycle.note ?? null,
    };
  },
  summarise(lifecycle) {
    const eol = lifecycle.endOfLife === null ? '' : `, end of life ${lifecycle.endOfLife}`;
    const note = lifecycle.note === null ? '' : ` (${lifecycle.note})`;
    return [`${lifecycle.status}${eol}${note}`];
  },
};
