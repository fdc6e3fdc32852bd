/**
 * Instructions a process executes, counted by valgrind's callgrind (every thread, and every process
 * the command execs: the launcher's `#!/usr/bin/env -S node ...`): a CPU figure that the load of a
 * shared machine does not change, where wall and CPU time of a 100 ms process vary 2-5x with it.
 *
 * V8 draws a random hash seed at start and searches a prime from it (`detail::sprp`): 5-15 M
 * instructions that differ from run to run and from one process to the next; they are left out
 * (callgrind_annotate's per-function costs). What remains repeats within ~1-2% (map transitions,
 * sorted by hash, still depend on the seed), so the figure is the median of a few runs.
 * About 8 s per run of a 100 ms command under callgrind.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { median } from './stats.ts';

const run = promisify(execFile);

/** Whether valgrind and callgrind_annotate are on PATH (callgrind_annotate --version exits 255). */
export function canCountInstructions(): boolean {
  const onPath = (name: string) =>
    (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
  return onPath('valgrind') && onPath('callgrind_annotate');
}

/** Instructions of one callgrind output file, without V8's hash-seed prime search. */
async function countFile(file: string): Promise<number> {
  const { stdout } = await run('callgrind_annotate', ['--threshold=100', file], { maxBuffer: 64 << 20 });
  let total = 0;
  let seed = 0;
  for (const line of stdout.split('\n')) {
    const match = /^\s*([\d,]+)\s+\(.*?\)\s+(.*)$/.exec(line);
    if (!match) continue;
    const count = Number(match[1]!.replaceAll(',', ''));
    if (match[2]!.includes('PROGRAM TOTALS')) total = count;
    else if (match[2]!.includes('detail::sprp')) seed += count;
  }
  return total - seed;
}

/** Instructions of `command args` (all its processes), or the exit code when it failed. */
async function countOnce(
  command: string,
  args: readonly string[],
  options: { cwd?: string | undefined; env?: Record<string, string> | undefined },
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'manifesto-bench-callgrind-'));
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(
        'valgrind',
        [
          '--tool=callgrind',
          '--trace-children=yes',
          `--callgrind-out-file=${join(dir, 'cg.%p')}`,
          command,
          ...args,
        ],
        { cwd: options.cwd, env: options.env, stdio: 'ignore' },
      );
      child.once('error', reject);
      child.once('close', (status) => resolve(status ?? 1));
    });
    if (code !== 0) throw new Error(`${command} under callgrind exited ${code}`);
    let total = 0;
    for (const name of readdirSync(dir)) total += await countFile(join(dir, name));
    return total;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median instructions of `runs` runs, each prepared by `before` (e.g. a fresh image to put to). */
export async function countInstructions(
  command: string,
  args: () => Promise<readonly string[]> | readonly string[],
  options: { cwd?: string | undefined; env?: Record<string, string> | undefined },
  runs: number,
): Promise<number> {
  const counts: number[] = [];
  for (let i = 0; i < runs; i++) counts.push(await countOnce(command, await args(), options));
  return median(counts);
}
