/**
 * Keep-alive connection pools of one transport: node:http / node:https Agents, bounded to
 * `maxConnections` sockets per host (further requests queue in the Agent). Idle sockets are unref'd by
 * Node, so a CLI process exits as soon as its work is done without closing anything.
 *
 * node:https (and with it TLS) is loaded only when an https URL is used: a plain-HTTP command on
 * loopback never pays for it. Both are taken with process.getBuiltinModule, not imported: an ES import
 * of node:http reads every export of the module, and its lazy `WebSocket` getter then compiles Node's
 * bundled undici (the fetch stack this transport exists to avoid, ~20-60 ms).
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { ConnectTlsOptions } from './tls.ts';

/** Idle keep-alive sockets are closed after this long (a long-lived library process, a server). */
const IDLE_SOCKET_MS = 30_000;

export interface ConnectionPoolOptions {
  maxConnections: number;
  /** TLS settings of connections to the registry's host. */
  tls: ConnectTlsOptions;
}

type HttpModule = typeof import('node:http');
type HttpsModule = typeof import('node:https');

let httpModule: HttpModule | undefined;
let httpsModule: HttpsModule | undefined;

/** node:http, loaded on first use. */
export function http(): HttpModule {
  httpModule ??= process.getBuiltinModule('node:http') as HttpModule;
  return httpModule;
}

/** node:https, loaded on first use. */
export function https(): HttpsModule {
  httpsModule ??= process.getBuiltinModule('node:https') as HttpsModule;
  return httpsModule;
}

export class ConnectionPools {
  readonly #options: ConnectionPoolOptions;
  #http: HttpAgent | undefined;
  #registryTls: HttpsAgent | undefined;
  #otherTls: HttpsAgent | undefined;

  constructor(options: ConnectionPoolOptions) {
    this.#options = options;
  }

  /**
   * The Agent for a URL. Other hosts than the registry's (token services, blob storage a redirect
   * leads to) get the extra CAs too, but never the registry's `insecure` opt-out.
   */
  agentFor(url: URL, registryHost: boolean): HttpAgent {
    const common = { keepAlive: true, maxSockets: this.#options.maxConnections, timeout: IDLE_SOCKET_MS };
    if (url.protocol === 'http:') {
      this.#http ??= new (http().Agent)(common);
      return this.#http;
    }
    const tls = this.#options.tls;
    if (registryHost) {
      this.#registryTls ??= new (https().Agent)({ ...common, ...tls });
      return this.#registryTls;
    }
    this.#otherTls ??= new (https().Agent)({ ...common, ...tls, rejectUnauthorized: true });
    return this.#otherTls;
  }

  /** Closes every socket. */
  close(): void {
    this.#http?.destroy();
    this.#registryTls?.destroy();
    this.#otherTls?.destroy();
  }
}
