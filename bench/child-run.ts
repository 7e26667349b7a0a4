// A measured run in a process of its own, so that its memory is its own: the parent spawns the
// bench script again with --child and a heap capped like the Lambda it stands for; the child
// prints one JSON line with its result and its peak resident memory.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lambdaHeapMb } from '../lab/lambda/local-function';

/** This process's peak resident set size so far (VmHWM), in bytes. */
export function peakRssBytes(): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
}

/** `work`'s result with its wall time and this process's CPU time (user + system) while it ran, in ms. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; cpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await work();
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { result, ms, cpuMs: (user + system) / 1000 };
}

/** Runs `script --child ...args` with its heap capped as the lab caps a Lambda of `memoryMb`; returns the last line it printed, parsed. */
export function childRun<T>(script: string, args: string[], memoryMb: number): T {
  const child = spawnSync(process.execPath, [`--max-old-space-size=${lambdaHeapMb(memoryMb)}`, '--import', 'tsx', script, '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`${script} --child failed (exit ${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as T;
}
