// The two parts of undici the transport uses, imported on their own: undici's index module also loads
// its mocks, caches (SQLite), WebSocket and EventSource, about half of its start-up time.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';

  const AgentClass: typeof Agent;
  export default AgentClass;
}

declare module 'undici/lib/web/fetch/index.js' {
  import type { fetch } from 'undici';

  const fetchModule: { fetch: typeof fetch };
  export default fetchModule;
}
