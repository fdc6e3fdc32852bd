/**
 * CPU time for the benchmark, from Linux's /proc (undefined elsewhere):
 *
 * - a running process's own user + system time (/proc/<pid>/stat utime, stime): the registry;
 * - the CPU of this process's reaped children and their descendants (/proc/self/stat cutime, cstime):
 *   the client processes the bench spawned and waited for. The kernel sums their exact times and
 *   converts the total to clock ticks, so a sample of many short processes (oras attach: tens of ms
 *   each) is measured without the per-process rounding of GNU time's %U/%S (10 ms);
 * - this process's own CPU (process.cpuUsage()): the counting proxies and the bench's bookkeeping.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ (`getconf CLK_TCK`, 100 on Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const value = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
    ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): [state, ppid, ...]. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text
      .slice(text.lastIndexOf(')') + 2)
      .trim()
      .split(' ');
  } catch {
    return undefined;
  }
}

/** Sum of two fields (1-based numbering of proc(5): utime is 14, stime 15, cutime 16, cstime 17) in ms. */
function fieldsMs(pid: number | 'self', first: number, second: number): number | undefined {
  const fields = statFields(pid);
  if (fields === undefined) return undefined;
  // proc(5) numbers from pid (1) and comm (2); `fields` starts at state (3).
  const a = Number(fields[first - 3]);
  const b = Number(fields[second - 3]);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  return ((a + b) * 1000) / clockTicks();
}

/** User + system CPU of a running process, ms; undefined when it cannot be read. */
export function processCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : fieldsMs(pid, 14, 15);
}

/** User + system CPU of this process's children it has waited for (and their descendants), ms. */
export function childrenCpuMs(): number | undefined {
  return fieldsMs('self', 16, 17);
}

/** This process's own user + system CPU, ms. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export interface CpuSpent {
  /** The clients: children of this process that exited in the interval (undefined without /proc). */
  clientMs: number | undefined;
  /** The registry process (undefined without /proc or a pid). */
  registryMs: number | undefined;
  /** This process: the counting proxy (and the bench's own waiting and bookkeeping). */
  proxyMs: number;
}

/** Starts measuring CPU; the returned function gives what each party spent since. */
export function cpuMeter(registryPid: number | undefined): () => CpuSpent {
  const client = childrenCpuMs();
  const registry = processCpuMs(registryPid);
  const own = ownCpuMs();
  return () => {
    const clientNow = childrenCpuMs();
    const registryNow = processCpuMs(registryPid);
    return {
      clientMs: client === undefined || clientNow === undefined ? undefined : clientNow - client,
      registryMs: registry === undefined || registryNow === undefined ? undefined : registryNow - registry,
      proxyMs: ownCpuMs() - own,
    };
  };
}
