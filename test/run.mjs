// Jest's projects as `npm test` runs them: the lab project (LAB_WORKERS workers, default 2,
// each running one file at a time on a lab of its own: test/lab/lab-marker.mjs) and, beside
// it, at a lower CPU priority, the unit and infra projects, which need no lab and would
// otherwise wait for it. The lab's output streams; unit + infra's is printed when the lab is
// done, whole. The last line sums both: "N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(tmpdir(), 'kafka-dr-test-'));
const jest = path.join(process.cwd(), 'node_modules', '.bin', 'jest');
const extra = process.argv.slice(2);

const labWorkers = process.env.LAB_WORKERS ?? '2';

/** `niced`: at a lower CPU priority, so that it does not slow the lab's timed steps. */
function run(projects, summary, capture, { workers = [], niced = false } = {}) {
  const args = ['--selectProjects', ...projects, '--passWithNoTests', ...workers, ...extra];
  const child = spawn(niced ? 'nice' : jest, niced ? ['-n', '10', jest, ...args] : args, {
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(), KAFKA_DR_TEST_SUMMARY: summary },
  });
  const output = [];
  if (capture) for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(output), summary })));
}

const counts = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { passed: 0, failed: 1 }; // Jest ended before its reporter ran: count the run as a failure
  }
};

const [beside, lab] = await Promise.all([run(['unit', 'infra'], path.join(dir, 'unit-infra.json'), true, { niced: true }), run(['lab'], path.join(dir, 'lab.json'), false, { workers: [`--maxWorkers=${labWorkers}`] })]);
process.stdout.write(beside.output);
const total = [beside, lab].map((r) => counts(r.summary)).reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed }));
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed\n`);
process.exitCode = beside.code || lab.code;
