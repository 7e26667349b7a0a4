// Jest's projects as `npm test` runs them. First the lab project on LAB_WORKERS workers
// (default 2), each running one file at a time on a lab of its own (test/lab/lab-marker.mjs),
// and beside it, at a lower CPU priority, the unit and infra projects, which need no lab and
// would otherwise wait for it. Then, on a quiet machine, the lab files that measure time
// against a goal (docblock @lab-alone), one at a time. The lab's output streams; unit +
// infra's is printed when the lab is done, whole. The last line sums all: "N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import stopStartedLabs from './lab/global-teardown.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'kafka-dr-test-'));
const jest = path.join(process.cwd(), 'node_modules', '.bin', 'jest');
const extra = process.argv.slice(2);

const labWorkers = process.env.LAB_WORKERS ?? '2';
const labDir = path.join('test', 'lab');
/**
 * Lab files whose leading docblock says @lab-alone. None when the caller names files or
 * patterns: Jest takes any one of several patterns, so the last phase would run theirs again.
 */
const alone = extra.some((arg) => !arg.startsWith('-'))
  ? []
  : readdirSync(labDir)
      .filter((f) => f.endsWith('.test.ts') && /^\/\*\*(?:(?!\*\/)[\s\S])*@lab-alone/.test(readFileSync(path.join(labDir, f), 'utf8')))
      .map((f) => path.join(labDir, f));
const escaped = (file) => `/${file.replace(/[.]/g, '\\.')}$`;

/**
 * `skip`: path patterns left out; `paths`: the files to run; `niced`: at a lower CPU priority,
 * so that it does not slow the lab's timed steps. Each run leaves the labs up (LAB_KEEP): the
 * phases share them, and they are stopped once, at the end.
 */
function run(projects, summary, capture, { workers = [], niced = false, skip = [], paths = [] } = {}) {
  // An array option takes the words after it: the skipped patterns end at a flag, and the
  // paths (and the caller's own patterns) come after one that takes no more.
  const ignore = skip.length > 0 ? ['--testPathIgnorePatterns', '/node_modules/', ...skip] : [];
  const args = ['--selectProjects', ...projects, ...ignore, '--passWithNoTests', ...workers, ...paths, ...extra];
  const child = spawn(niced ? 'nice' : jest, niced ? ['-n', '10', jest, ...args] : args, {
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(), KAFKA_DR_TEST_SUMMARY: summary, LAB_KEEP: '1' },
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

const [beside, lab] = await Promise.all([
  run(['unit', 'infra'], path.join(dir, 'unit-infra.json'), true, { niced: true }),
  run(['lab'], path.join(dir, 'lab.json'), false, { workers: [`--maxWorkers=${labWorkers}`], skip: alone.map(escaped) }),
]);
process.stdout.write(beside.output);
const quiet = alone.length > 0 ? [await run(['lab'], path.join(dir, 'lab-alone.json'), false, { workers: ['--maxWorkers=1'], paths: alone })] : [];
// The labs this run started (LAB_KEEP=1 given to npm test keeps them).
stopStartedLabs({ maxWorkers: Number(labWorkers) });
const runs = [beside, lab, ...quiet];
const total = runs.map((r) => counts(r.summary)).reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed }));
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed\n`);
process.exitCode = runs.find((r) => r.code !== 0)?.code ?? 0;
