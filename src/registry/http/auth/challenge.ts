/**
 * `WWW-Authenticate` parsing per RFC 7235: a comma-separated list of challenges, each an auth-scheme
 * followed by a token68 or comma-separated auth-params (`name=token` or `name="quoted \"string\""`).
 * Schemes and parameter names are case-insensitive (returned lower-case).
 */

export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`, ... */
  scheme: string;
  /** Parameters with lower-case names. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when used instead of parameters. */
  token68?: string | undefined;
}

export interface BearerChallenge {
  realm: string;
  service?: string | undefined;
  /** Scopes the server named (space-separated in the `scope` parameter). */
  scopes: string[];
  /** `insufficient_scope`, `invalid_token`... when given. */
  error?: string | undefined;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

class Cursor {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  skipSpacesAndCommas(): void {
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',') this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted-string starting at the opening quote; backslash escapes any character. */
  quoted(): string {
    this.pos++; // opening quote
    let value = '';
    while (!this.done) {
      const ch = this.peek();
      if (ch === '\\') {
        value += this.text[this.pos + 1] ?? '';
        this.pos += 2;
      } else if (ch === '"') {
        this.pos++;
        return value;
      } else {
        value += ch;
        this.pos++;
      }
    }
    return value; // unterminated: take the rest
  }
}

/** Parses every challenge of a `WWW-Authenticate` header value (several headers joined by `, ` work too). */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const cursor = new Cursor(header);
  const challenges: Challenge[] = [];
  while (!cursor.done) {
    cursor.skipSpacesAndCommas();
    if (cursor.done) break;
    const scheme = cursor.token();
    if (scheme === '') {
      cursor.pos++; // junk: skip a character and resynchronise
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    cursor.skipSpaces();
    if (cursor.done || cursor.peek() === ',') continue;

    const token68 = TOKEN68.exec(cursor.text.slice(cursor.pos));
    if (token68) {
      const after = cursor.pos + token68[0].length;
      const rest = cursor.text.slice(after).replace(/^[ \t]*/, '');
      if (rest === '' || rest.startsWith(',')) {
        challenge.token68 = token68[0];
        cursor.pos = after;
        continue;
      }
    }
    parseParams(cursor, challenge);
  }
  return challenges;
}

/** auth-params until the next challenge (a token not followed by `=`) or the end. */
function parseParams(cursor: Cursor, challenge: Challenge): void {
  while (!cursor.done) {
    const start = cursor.pos;
    const name = cursor.token();
    cursor.skipSpaces();
    if (name === '' || cursor.peek() !== '=') {
      cursor.pos = start; // the next challenge's scheme
      if (name === '') cursor.pos++;
      return;
    }
    cursor.pos++; // '='
    cursor.skipSpaces();
    const value = cursor.peek() === '"' ? cursor.quoted() : cursor.token();
    const key = name.toLowerCase();
    const existing = challenge.params[key];
    if (existing === undefined) challenge.params[key] = value;
    else if (key === 'scope') challenge.params[key] = `${existing} ${value}`; // repeated scope params add up
    cursor.skipSpaces();
    if (cursor.peek() !== ',') {
      // garbage after a value: skip to the next comma
      while (!cursor.done && cursor.peek() !== ',') cursor.pos++;
    }
    cursor.skipSpacesAndCommas();
  }
}

/** The Bearer challenge among `challenges`, when it names a realm. */
export function bearerChallenge(challenges: readonly Challenge[]): BearerChallenge | undefined {
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
  if (!bearer) return undefined;
  const scope = bearer.params.scope;
  return {
    realm: bearer.params.realm!,
    service: bearer.params.service,
    scopes: scope ? scope.split(' ').filter((s) => s !== '') : [],
    error: bearer.params.error,
  };
}

export function hasBasicChallenge(challenges: readonly Challenge[]): boolean {
  return challenges.some((c) => c.scheme === 'basic');
}
