/** The User-Agent manifesto sends: `manifesto/<version> (node <v>; <platform>/<arch>)`. */
import { VERSION } from '../../version.ts';

export interface RuntimeInfo {
  nodeVersion: string;
  platform: string;
  arch: string;
}

function currentRuntime(): RuntimeInfo {
  return { nodeVersion: process.versions.node, platform: process.platform, arch: process.arch };
}

export function buildUserAgent(version: string, runtime: RuntimeInfo = currentRuntime()): string {
  return `manifesto/${version} (node ${runtime.nodeVersion}; ${runtime.platform}/${runtime.arch})`;
}

export function defaultUserAgent(): string {
  return buildUserAgent(VERSION);
}
