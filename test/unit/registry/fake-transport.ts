// An in-memory RegistryTransport for unit tests of the registry operations: routes requests to
// handlers and records them. No HTTP involved.
import type { RegistryRequest, RegistryTransport } from '../../../src/registry/http/types.ts';

export type FakeHandler = (request: RegistryRequest, url: URL) => Response | Promise<Response>;

export interface FakeRoute {
  method: RegistryRequest['method'];
  /** Matched against the URL's pathname + search. */
  path: RegExp;
  handler: FakeHandler;
}

export class FakeTransport implements RegistryTransport {
  readonly registry = 'fake.example:5000';
  readonly baseUrl = 'http://fake.example:5000';
  readonly requests: RegistryRequest[] = [];
  readonly #routes: FakeRoute[] = [];

  on(method: RegistryRequest['method'], path: RegExp, handler: FakeHandler): this {
    this.#routes.push({ method, path, handler });
    return this;
  }

  async request(request: RegistryRequest): Promise<Response> {
    this.requests.push(request);
    const url = new URL(request.path, `${this.baseUrl}/`);
    const route = this.#routes.find(
      (r) => r.method === request.method && r.path.test(url.pathname + url.search),
    );
    if (route === undefined) return new Response('404 page not found', { status: 404 });
    return route.handler(request, url);
  }
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function ociIndex(manifests: unknown[], headers: Record<string, string> = {}): Response {
  return new Response(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
    { status: 200, headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json', ...headers } },
  );
}
