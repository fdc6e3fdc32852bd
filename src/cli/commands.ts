/**
 * Every command: its name and how to load its declaration (src/cli/declarations/). Declarations are
 * loaded lazily like the commands' code, so `manifesto put` loads put's declaration and nothing of
 * the other commands. Adding a command is one declaration file and one line here.
 */
import type { CommandDeclaration } from './declare.ts';

export const COMMANDS: Readonly<Record<string, () => Promise<CommandDeclaration>>> = {
  put: async () => (await import('./declarations/put.ts')).put,
  get: async () => (await import('./declarations/get.ts')).get,
  list: async () => (await import('./declarations/list.ts')).list,
  images: async () => (await import('./declarations/images.ts')).images,
  history: async () => (await import('./declarations/history.ts')).history,
  delete: async () => (await import('./declarations/delete.ts')).deleteDeclaration,
  prune: async () => (await import('./declarations/prune.ts')).prune,
  sign: async () => (await import('./declarations/sign.ts')).sign,
  verify: async () => (await import('./declarations/verify.ts')).verify,
  key: async () => (await import('./declarations/key.ts')).key,
  login: async () => (await import('./declarations/login.ts')).login,
  logout: async () => (await import('./declarations/login.ts')).logout,
  show: async () => (await import('./declarations/show.ts')).show,
  check: async () => (await import('./declarations/check.ts')).check,
  index: async () => (await import('./declarations/fleet-index.ts')).fleetIndex,
  version: async () => (await import('./declarations/version.ts')).version,
};
