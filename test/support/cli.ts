// The operator CLI run as an operator runs it: a process of its own, on this test's lab.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { labStateDir } from '../../lab/estate';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['tsx', 'bin/kafka-dr.ts', ...args], { env: { ...process.env, LAB_STATE: labStateDir() }, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
