// `npm start`'s drill in its short CI form, run as a user runs it (a process of its own, on
// this test run's lab): it must exit 0, and its report must hold what it promises — a
// detected disaster, a successful failover, consumers resumed, the point-in-time restore
// identical, a failback with dc1 back that loses and re-reads nothing — every promise
// checked and kept. Clients switch by ARC routing controls here (the lab's ARC cluster):
// the failover lab tests cover the record UPSERT, `npm start`'s default.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ActiveActiveDrillReport } from '../../lab/drill/active-active';
import type { DrillReport } from '../../lab/drill/run';
import { labSh, labStateDir } from '../../lab/estate';
import { retireReverseTopics, stopReverseFlow } from '../../lab/reverse-flow';
import { failoverRig } from '../support/failover';

// Restarting a killed broker and waiting for it to be healthy takes more than a test's default on a loaded machine.
afterAll(async () => {
  await labSh('up'); // dc1 comes back with its data, if the drill did not get that far
  const rig = await failoverRig();
  await stopReverseFlow();
  await retireReverseTopics(rig.ctx.config, rig.ctx.lab);
  await rig.restore();
}, 300_000);

it('the short drill with a backup and a failback, clients switched by ARC routing controls, exits 0 and reports every promise kept', async () => {
  const report = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-dr-drill-')), 'report.json');
  const run = await promisify(execFile)('npx', ['tsx', 'bin/drill.ts', '--short', '--with-backup', '--failback', '--dns-mode', 'arc-routing-control', '--keep-lab', '--report', report], {
    env: { ...process.env, LAB_STATE: labStateDir() },
    timeout: 600_000,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => ({ ...err, failed: true }));
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if ('failed' in run) {
    // The report is on stdout; stderr carries progress and, when a lab command fails, its component's log.
    const labLines = (run.stderr ?? '').split('\n').filter((line) => line.startsWith('lab: '));
    throw new Error(`the drill exited ${run.code}:\n${(run.stdout ?? '').slice(-3000)}\n${labLines.join('\n')}`);
  }
  expect(run.stdout).toContain('every promise kept.');

  const r = JSON.parse(readFileSync(report, 'utf8')) as DrillReport;
  expect(r).toMatchObject({ mode: 'unplanned', ok: true, failover: { status: 'SUCCEEDED' }, switching: { mode: 'arc-routing-control' } });
  expect(r.seconds.switch).toBeGreaterThan(0);
  expect(r.promises.map((p) => [p.promise, p.kept])).toEqual([
    ['no loss beyond what the probes reported', true],
    ['duplicates only inside the announced windows', true],
    ['every consumer resumed on the target', true],
    ['a point-in-time restore returns exactly the records at or before that instant', true],
    ['a planned failback loses nothing', true],
    ['a planned failback re-reads nothing read on the target', true],
    ['every consumer resumed at home', true],
  ]);
  expect(r.failback).toMatchObject({ flow: 'dc2->dc1', status: 'SUCCEEDED', reReadFromTarget: 0 });
  expect(r.failback!.readAfter).toBeGreaterThanOrEqual(50); // the short drill writes its last 50 on dc2 while the group is away
  expect(r.seconds.detect).toBeGreaterThan(0);
  expect(r.seconds.consumersResumed).toBeGreaterThan(r.seconds.detect!);
  expect(r.alarms.find((a) => a.name.endsWith('-primary-down'))).toMatchObject({ state: 'ALARM' });
  expect(r.data.acknowledged).toBeGreaterThan(0);
  expect(r.backup).toMatchObject({ expectedRecords: expect.any(Number), restoredRecords: r.backup!.expectedRecords });
  expect(Object.keys(r.failover.stepsMs)).toEqual(expect.arrayContaining(['preflight', 'haltReplication', 'syncOffsets', 'repointDns']));
  expect(output).toContain('time to detect');
  expect(output).toContain('FAILBACK SUCCEEDED');
}, 660_000);

it("the short active-active drill: dc1 lost while dc2's application goes on, exits 0 with every promise kept", async () => {
  await labSh('up'); // dc1 back, if the drill above left it down
  const report = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-dr-drill-')), 'report.json');
  const run = await promisify(execFile)('npx', ['tsx', 'bin/drill.ts', '--topology', 'active-active', '--short', '--keep-lab', '--report', report], {
    env: { ...process.env, LAB_STATE: labStateDir() },
    timeout: 600_000,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => ({ ...err, failed: true }));
  if ('failed' in run) throw new Error(`the drill exited ${run.code}:\n${(run.stdout ?? '').slice(-3000)}\n${(run.stderr ?? '').slice(-2000)}`);
  expect(run.stdout).toContain('every promise kept.');
  const r = JSON.parse(readFileSync(report, 'utf8')) as ActiveActiveDrillReport;
  expect(r).toMatchObject({ topology: 'active-active', mode: 'unplanned', ok: true, failover: { status: 'SUCCEEDED' } });
  expect(r.promises.map((p) => [p.promise, p.kept])).toEqual([
    ["dc1's clients: no loss beyond what the probes reported", true],
    ["dc1's clients: duplicates only inside the announced windows", true],
    ["dc1's clients: every consumer resumed on the target", true],
    ["dc1's clients moved to dc2 through their own record", true],
    ["dc2's clients stay: their record never written", true],
    ["dc2's clients read every record once, through the failover", true],
  ]);
  expect(r.dc2Clients.readDuringFailover).toBeGreaterThan(0);
  expect(r.failover.summary).toContain("dc1's clients now on dc2");
}, 660_000);

it('refuses options the active-active drill does not take, with exit code 2 and nothing run', async () => {
  const run = await promisify(execFile)('npx', ['tsx', 'bin/drill.ts', '--topology', 'active-active', '--failback'], { env: { ...process.env, LAB_STATE: labStateDir() } }).catch((err: { code?: number; stderr?: string }) => err);
  expect(run).toMatchObject({ code: 2, stderr: expect.stringContaining('drill: --topology active-active does not take --failback') });
});
