/**
 * The `contact` kind: who supports the image. JSON or YAML:
 *
 *   team: payments                 # required
 *   email: payments@example.com    # at least one way to reach them:
 *   chat: "#payments-oncall"       #   email, chat, oncall or url
 *   oncall: https://oncall.example.com/schedules/payments
 *   url: https://wiki.example.com/payments
 */
import { parseJsonOrYaml } from './input.ts';
import { type KindContext, type KindDefinition, kindInvalid } from './kind.ts';
import { lazySchema, nonEmpty, parseWith } from './schema.ts';

export interface Contact {
  team: string;
  email: string | null;
  chat: string | null;
  oncall: string | null;
  url: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

const contactSchema = lazySchema((v) =>
  v.strictObject({
    team: nonEmpty(v),
    email: v.optional(
      v.pipe(
        v.string(),
        v.check((value) => EMAIL.test(value), 'must be an email address'),
      ),
    ),
    chat: v.optional(nonEmpty(v)),
    oncall: v.optional(nonEmpty(v)),
    url: v.optional(v.pipe(v.string(), v.check(isHttpUrl, 'must be an http(s) URL'))),
  }),
);

export const contactKind: KindDefinition<Contact> = {
  name: 'contact',
  aliases: [],
  description:
    'support contact: { team, email?, chat?, oncall?, url? } with at least one way to reach the team',
  formats: ['contact'],
  validate(content, mediaType) {
    contactKind.normalise(content, mediaType);
    return { format: 'contact' };
  },
  normalise(content, mediaType) {
    const context: KindContext = { kind: 'contact', format: 'contact' };
    const contact = parseWith(contactSchema(), parseJsonOrYaml(content, mediaType, context), context);
    const { email, chat, oncall, url } = contact;
    if (email === undefined && chat === undefined && oncall === undefined && url === undefined) {
      throw kindInvalid(context, ['email'], 'is required: give at least one of email, chat, oncall, url');
    }
    return {
      team: contact.team,
      email: email ?? null,
      chat: chat ?? null,
      oncall: oncall ?? null,
      url: url ?? null,
    };
  },
  summarise(contact) {
    const ways = [
      contact.email === null ? undefined : `email ${contact.email}`,
      contact.chat === null ? undefined : `chat ${contact.chat}`,
      contact.oncall === null ? undefined : `on-call ${contact.oncall}`,
      contact.url === null ? undefined : `see ${contact.url}`,
    ].filter((way) => way !== undefined);
    return [`team ${contact.team}: ${ways.join(', ')}`];
  },
};
