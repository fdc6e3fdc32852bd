/**
 * Synchronous, lazy loading of the two libraries the kinds need: valibot (schemas) and yaml.
 * Neither is loaded when the package or the CLI starts, only when content is validated or
 * normalised. In the bundled CLI esbuild inlines `require(...)` as a module that is initialised on
 * its first call; from the sources and dist/lib (ES modules, where `require` is undefined) Node
 * resolves the package next to this file.
 */
import { createRequire } from 'node:module';
import type * as Valibot from 'valibot';
import type * as Yaml from 'yaml';

export type ValibotLibrary = typeof Valibot;
export type YamlLibrary = typeof Yaml;

let valibot: ValibotLibrary | undefined;
let yaml: YamlLibrary | undefined;

export function valibotLibrary(): ValibotLibrary {
  valibot ??= (
    typeof require === 'function' ? require('valibot') : createRequire(import.meta.url)('valibot')
  ) as ValibotLibrary;
  return valibot;
}

export function yamlLibrary(): YamlLibrary {
  yaml ??= (
    typeof require === 'function' ? require('yaml') : createRequire(import.meta.url)('yaml')
  ) as YamlLibrary;
  return yaml;
}
