/**
 * Runs one command to completion for a benchmark: wall time (spawn to exit, measured here), peak
 * resident set size of the process (GNU time's maximum RSS when /usr/bin/time exists, else sampled from
 * /proc/<pid>/status VmHWM, which can miss a final spike) and its CPU time (GNU time's user + system). Never blocks the event loop: the counting
 * proxies run in this process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunOptions {
  cwd?: string | undefined;
  env?: Record<string, string> | undefined;
  /** Killed after this long (default 10 minutes). */
  timeoutMs?: number | undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak RSS in KiB; undefined when it could not be measured. */
  peakRssKb: number | undefined;
  /**
   * User + system CPU of the process, ms (GNU time's %U + %S: 10 ms steps, truncated); undefined
   * without /usr/bin/time. For many short processes, see childrenCpuMs() in cpu.ts.
   */
  cpuMs: number | undefined;
}

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME);

/** How peak RSS is measured, for the report. */
export const RSS_METHOD = hasGnuTime ? '/usr/bin/time (max RSS)' : '/proc/<pid>/status VmHWM (sampled)';

function readVmHwm(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function runMeasured(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const timeDir = hasGnuTime ? mkdtempSync(join(tmpdir(), 'manifesto-bench-time-')) : undefined;
  const timeFile = timeDir === undefined ? undefined : join(timeDir, 'rss');
  const [file, argv] =
    timeFile === undefined
      ? [command, [...args]]
      : [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args]];
  const timeoutMs = options.timeoutMs ?? 600_000;
  return new Promise<RunResult>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    let sampled: number | undefined;
    const sampler =
      timeFile === undefined && child.pid !== undefined
        ? setInterval(() => {
            const hwm = readVmHwm(child.pid!);
            if (hwm !== undefined) sampled = Math.max(sampled ?? 0, hwm);
          }, 20)
        : undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      if (timeDir) rmSync(timeDir, { recursive: true, force: true });
      reject(error);
    });
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      let peakRssKb = sampled;
      let cpuMs: number | undefined;
      if (timeFile !== undefined) {
        try {
          // GNU time writes "Command exited with non-zero status N" before the values on failure.
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
          const [rss, user, system] = (lines[lines.length - 1] ?? '').trim().split(/\s+/).map(Number);
          peakRssKb = rss !== undefined && Number.isFinite(rss) && rss > 0 ? rss : undefined;
          cpuMs =
            user !== undefined && system !== undefined && Number.isFinite(user + system)
              ? (user + system) * 1000
              : undefined;
        } catch {
          peakRssKb = undefined;
        }
        rmSync(timeDir!, { recursive: true, force: true });
      }
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        wallMs,
        peakRssKb,
        cpuMs,
      });
    });
  });
}
