// The two parts of undici the transport uses, imported on their own: undici's index module also loads
// its mocks, caches (SQLite), WebSocket and EventSource, about half of its start-up time. Both are
// CommonJS modules whose module.exports is what is declared as their default export here.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';

  const AgentClass: typeof Agent;
  // biome-ignore lint/style/noDefaultExport: a CommonJS module's exports object, as ESM imports see it
  export default AgentClass;
}

declare module 'undici/lib/web/fetch/index.js' {
  import type { fetch } from 'undici';

  const fetchModule: { fetch: typeof fetch };
  // biome-ignore lint/style/noDefaultExport: a CommonJS module's exports object, as ESM imports see it
  export default fetchModule;
}
