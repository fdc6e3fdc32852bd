/**
 * What a registry request resolves with: the part of the Fetch API's `Response` that manifesto reads
 * (status, headers, a streamed body), implemented over `node:http`'s IncomingMessage.
 *
 * Not the global `Response`: touching it makes Node compile its built-in fetch stack (undici, ~60 ms
 * of a 170 ms put on loopback). A real `Response` still fits this interface, so an injected fetch
 * (tests) and the fake transports of unit tests hand theirs back as they are.
 */
import type { IncomingMessage } from 'node:http';
import { concatBytes } from '../../util/bytes.ts';

export interface ResponseHeaders {
  /** The header's value (several joined with ", "), or null. Names are case-insensitive. */
  get(name: string): string | null;
  /** Calls `callback` for every header (lower-case names). */
  forEach(callback: (value: string, name: string) => void): void;
}

export interface ResponseBody extends AsyncIterable<Uint8Array> {
  /** Stops receiving the body (the connection is closed, not reused). */
  cancel(reason?: unknown): Promise<void>;
}

export interface RegistryResponse {
  readonly status: number;
  readonly statusText: string;
  /** The URL this response came from (after redirects). */
  readonly url: string;
  /** 2xx. */
  readonly ok: boolean;
  readonly headers: ResponseHeaders;
  /** null for HEAD, 204 and 304 replies. */
  readonly body: ResponseBody | null;
  /** The body was (or is being) read. */
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

class MessageHeaders implements ResponseHeaders {
  readonly #headers: IncomingMessage['headers'];

  constructor(headers: IncomingMessage['headers']) {
    this.#headers = headers;
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.#headers)) callback(this.get(name)!, name);
  }
}

/** Reads a whole body (no size limit: for tests and small replies that were checked before). */
async function collect(body: ResponseBody | null): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return concatBytes(chunks, size);
}

/** The methods every RegistryResponse derives from its body. */
abstract class BodyReader {
  abstract readonly body: ResponseBody | null;

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await collect(this.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await collect(this.body));
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** A body read once from an async iterable, with a cancel that ends it. */
class IterableBody implements ResponseBody {
  readonly #source: AsyncIterable<Uint8Array>;
  readonly #onCancel: (reason: unknown) => void;
  used = false;

  constructor(source: AsyncIterable<Uint8Array>, onCancel: (reason: unknown) => void) {
    this.#source = source;
    this.#onCancel = onCancel;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.used = true;
    return this.#source[Symbol.asyncIterator]();
  }

  async cancel(reason?: unknown): Promise<void> {
    this.used = true;
    this.#onCancel(reason);
  }
}

/**
 * The chunks of a message as plain Uint8Arrays (views, no copies), as a fetch body yields them: code
 * that compares bytes strictly (deepStrictEqual) or keeps them must not see Node's Buffer subclass.
 */
async function* plainChunks(message: IncomingMessage): AsyncGenerator<Uint8Array> {
  for await (const chunk of message as AsyncIterable<Buffer>) {
    yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304;
}

/** A reply received with node:http. */
export class NodeRegistryResponse extends BodyReader implements RegistryResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: ResponseHeaders;
  readonly body: IterableBody | null;

  constructor(message: IncomingMessage, url: string, method: string) {
    super();
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? '';
    this.url = url;
    this.headers = new MessageHeaders(message.headers);
    if (hasNoBody(method, this.status)) {
      message.resume();
      this.body = null;
    } else {
      this.body = new IterableBody(plainChunks(message), () => message.destroy());
    }
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.body?.used ?? false;
  }
}

/** A reply with the status and headers of another and a body of its own (a resumed download, a buffered body). */
export class ReplacedBodyResponse extends BodyReader implements RegistryResponse {
  readonly #base: RegistryResponse;
  readonly body: IterableBody;

  constructor(
    base: RegistryResponse,
    chunks: AsyncIterable<Uint8Array>,
    onCancel: (reason: unknown) => void,
  ) {
    super();
    this.#base = base;
    this.body = new IterableBody(chunks, onCancel);
  }

  get status(): number {
    return this.#base.status;
  }

  get statusText(): string {
    return this.#base.statusText;
  }

  get url(): string {
    return this.#base.url;
  }

  get ok(): boolean {
    return this.#base.ok;
  }

  get headers(): ResponseHeaders {
    return this.#base.headers;
  }

  get bodyUsed(): boolean {
    return this.body.used;
  }
}

/** A reply whose (small) body was already read, e.g. to look at a 400's text. */
export function bufferedResponse(base: RegistryResponse, bytes: Uint8Array): RegistryResponse {
  async function* once(): AsyncGenerator<Uint8Array> {
    if (bytes.byteLength > 0) yield bytes;
  }
  return new ReplacedBodyResponse(base, once(), () => undefined);
}
