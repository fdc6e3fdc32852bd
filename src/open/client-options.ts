/** How manifesto connects to registries: what the CLI flags and the library's callers set. */
import type { RequestEvent } from '../registry/http/types.ts';
import type { TagSchemaClock } from '../registry/referrers-tag-schema.ts';
import type { RegistryQuirks } from '../registry/registry-quirks.ts';

export interface ClientOptions {
  /**
   * true: plain HTTP for every registry; false: https for every registry, loopback ones too. Default:
   * https, except loopback registries, which are spoken to in the scheme they answer in (plain HTTP
   * first, or https first when `insecure` or `caFile` is given).
   */
  plainHttp?: boolean | undefined;
  /** Skip TLS certificate verification (explicit opt-out only). */
  insecure?: boolean | undefined;
  /** A PEM file of extra CA certificates to trust. */
  caFile?: string | undefined;
  /**
   * Longest silence of a registry in ms (connecting, before answering, within a body); default 15 s.
   * A timed-out request is tried once more.
   */
  timeoutMs?: number | undefined;
  /** Explicit credentials, used for every registry instead of Docker's config. */
  username?: string | undefined;
  password?: string | undefined;
  /** Docker config directory (default $DOCKER_CONFIG, else ~/.docker). */
  dockerConfigDir?: string | undefined;
  /** Environment (process.env by default). */
  env?: Record<string, string | undefined> | undefined;
  /** Called for every HTTP request (request counting, --debug). */
  onRequest?: ((event: RequestEvent) => void) | undefined;
  /** Send through this fetch instead of node:http (tests that watch the wire). */
  fetch?: typeof fetch | undefined;
  /**
   * Directory of the on-disk manifest cache ('' disables it); default $MANIFESTO_CACHE_DIR, else
   * $XDG_CACHE_HOME/manifesto or ~/.cache/manifesto (MANIFESTO_CACHE=off disables it).
   */
  manifestCacheDir?: string | undefined;
  /** Keep-alive connections per registry host (default 8); bulk operations raise it to their concurrency. */
  maxConnections?: number | undefined;
  /** Settle time of the referrers tag-schema write protocol, in ms (tests, tuning). */
  tagSchemaSettleMs?: number | undefined;
  /** Time source of the tag-schema write protocol (tests; bulk operations release work slots in its waits). */
  tagSchemaClock?: TagSchemaClock | undefined;
  /**
   * Called with the record of each registry host when its transport is made: what the registry turns
   * out to do is filled in as the command runs (`--debug` prints the records at the end).
   */
  onRegistry?: ((record: RegistryQuirks) => void) | undefined;
  /** Receives warnings about skipped referrers (the CLI prints them on stderr); ignored when absent. */
  warn?: ((message: string) => void) | undefined;
}
