// Registry repositories over the real HTTP transport for integration tests, with request logs and
// transports that misbehave on purpose (tampering, tag aliasing).
import { explicitCredentials } from '../../../../src/registry/credentials/provider.ts';
import type { RegistryResponse } from '../../../../src/registry/http/response.ts';
import { createRegistryTransport } from '../../../../src/registry/http/transport.ts';
import type {
  RegistryRequest,
  RegistryTransport,
  RequestEvent,
} from '../../../../src/registry/http/types.ts';
import {
  RegistryRepository,
  type RegistryRepositoryOptions,
} from '../../../../src/registry/registry-repository.ts';
import type { TestRegistry } from '../../../support/registries.ts';

/** Records every HTTP exchange of a transport. */
export class RequestLog {
  readonly events: RequestEvent[] = [];
  readonly onRequest = (event: RequestEvent): void => {
    this.events.push(event);
  };

  reset(): void {
    this.events.length = 0;
  }

  get count(): number {
    return this.events.length;
  }

  /** `METHOD path-kind` per request, e.g. `PUT manifest`, for readable assertion messages. */
  summary(): string[] {
    return this.events.map(
      (e) =>
        `${e.method} ${new URL(e.url).pathname.replace(/^\/v2\/.*?\/(manifests|blobs|referrers|tags)\//, '$1/')} ${e.status}`,
    );
  }
}

export interface TestRepositoryOptions {
  log?: RequestLog | undefined;
  options?: RegistryRepositoryOptions | undefined;
  /** Wraps the transport (to tamper with replies and the like). */
  wrap?: ((transport: RegistryTransport) => RegistryTransport) | undefined;
}

export function transportFor(registry: TestRegistry, log?: RequestLog): RegistryTransport {
  const { username, password } = registry;
  return createRegistryTransport({
    registry: registry.host,
    plainHttp: registry.plainHttp,
    caFile: registry.caFile,
    credentials:
      username !== undefined && password !== undefined
        ? explicitCredentials({ username, password }, registry.host)
        : undefined,
    onRequest: log?.onRequest,
  });
}

export function registryRepository(
  registry: TestRegistry,
  repository: string,
  options: TestRepositoryOptions = {},
): RegistryRepository {
  let transport = transportFor(registry, options.log);
  if (options.wrap) transport = options.wrap(transport);
  return new RegistryRepository({ transport, repository, options: options.options });
}

/** A transport whose GET replies for URLs containing `needle` have their first body byte flipped. */
export function tamperingTransport(inner: RegistryTransport, needle: string): RegistryTransport {
  return {
    registry: inner.registry,
    baseUrl: inner.baseUrl,
    async request(request: RegistryRequest): Promise<RegistryResponse> {
      const res = await inner.request(request);
      if (request.method !== 'GET' || !request.path.includes(needle) || res.status !== 200) return res;
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength > 0) bytes[0] = bytes[0]! ^ 0xff;
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return new Response(bytes, { status: res.status, headers });
    },
  };
}

/** A transport that rewrites a path fragment in every request (e.g. tag → digest aliasing). */
export function rewritingTransport(inner: RegistryTransport, from: string, to: string): RegistryTransport {
  return {
    registry: inner.registry,
    baseUrl: inner.baseUrl,
    request(request: RegistryRequest): Promise<RegistryResponse> {
      return inner.request({ ...request, path: request.path.replace(from, to) });
    },
  };
}
