// `kafka-dr failover | failback | backup now | restore`: start the control plane's workflow,
// follow it step by step, print its report. The workflow checks its own input (a bad one
// ends in InvalidInput with every problem listed); the command only shapes it.
// Exit codes: 0 the execution succeeded, 1 it failed (its error and cause printed), 2 usage.
import { Option, type Command } from 'commander';
import type { BackupSummary } from '#src/backup/backup-finish';
import type { RestoreReport } from '#src/backup/restore-finish';
import type { DryRunReport } from '#src/backup/restore-plan';
import type { FailoverReport } from '#src/failover/report';
import { flowsOf } from '#src/flow';
import { lambdaErrorMessage } from '#src/lambda-error';

import { controlPlaneOf, controlPlaneOptions, UsageError, type ControlPlane, type ControlPlaneOptions, type ExecutionOutcome, type WorkflowName } from './control-plane';
import { stepPrinter } from './progress';

interface RunOptions extends ControlPlaneOptions {
  json?: boolean;
  name?: string;
}

/** Step Functions execution names: up to 80 of letters, digits, "-" and "_". */
const executionName = (what: string) => `cli-${what}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`.slice(0, 80);

async function runWorkflow<Output>(opts: RunOptions, workflow: WorkflowName, input: (plane: ControlPlane) => Promise<unknown> | unknown, defaultName: string, print: (output: Output) => void): Promise<ExecutionOutcome> {
  const plane = await controlPlaneOf(opts);
  const name = opts.name ?? defaultName;
  const started = Date.now();
  if (!opts.json) console.error(`${workflow} execution ${name} on ${plane.where}`);
  const outcome = await plane.execute(workflow, await input(plane), name, stepPrinter());
  if (opts.json) console.log(JSON.stringify(outcome, null, 2));
  else {
    console.log(`${workflow} ${name}: ${outcome.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (outcome.status === 'SUCCEEDED') print(outcome.output as Output);
    else console.log(`${outcome.error ?? 'failed'}: ${lambdaErrorMessage(outcome.cause)}`);
  }
  if (outcome.status !== 'SUCCEEDED') process.exitCode = 1;
  return outcome;
}

function printFailover(report: FailoverReport): void {
  console.log(report.summary);
  const steps = Object.entries(report.durationsMs).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`);
  console.log(`steps: ${steps.join(', ')}; total ${(report.totalMs / 1000).toFixed(1)} s`);
  if (report.notDone.length) console.log(`not done: ${report.notDone.join(', ')}`);
}

function printBackup(s: BackupSummary): void {
  const gaps = Object.entries(s.gaps).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`);
  console.log(`backup ${s.backupId}: ${s.topics} topics, ${s.partitions} partitions, ${s.records} records (${s.newRecords} new), ${(s.bytes / 1e6).toFixed(1)} MB in ${s.segments} segments (${s.newSegments} new)${gaps.length ? `; gaps: ${gaps.join(', ')}` : ''}`);
  console.log(`manifest ${s.manifestKey}`);
}

function printRestore(r: RestoreReport): void {
  console.log(`restore ${r.restoreId} of backup ${r.backupId} to ${r.targetCluster}${r.pointInTime ? ` at ${r.pointInTime}` : ''}: ${r.records} records`);
  for (const t of r.topics) console.log(`  ${t.topic} -> ${t.targetTopic}: ${t.records} records in ${t.partitions.length} partitions`);
  const offsets = r.consumerOffsets;
  if (offsets) {
    for (const g of offsets.restored) console.log(`  group ${g.group}: offsets restored on ${g.partitions} partitions`);
    for (const g of offsets.unchanged) console.log(`  group ${g.group}: already at its restored offsets`);
    for (const g of offsets.skipped) console.log(`  group ${g.group}: SKIPPED, ${g.why}`);
  }
}

function printRestoreDryRun(r: DryRunReport): void {
  const records = r.topics.reduce((n, t) => n + t.records, 0);
  console.log(`DRY RUN, nothing written: restore ${r.restoreId} of backup ${r.backupId} to ${r.targetCluster}${r.pointInTime ? ` at ${r.pointInTime}` : ''} would produce ${records} records`);
  for (const t of r.topics) console.log(`  ${t.topic} -> ${t.targetTopic} (${t.exists ? 'exists, appended to' : `created with ${t.partitionCount} partitions`}): ${t.records} records, ${(t.bytes / 1e6).toFixed(1)} MB`);
  for (const g of r.consumerOffsets) {
    const at = g.partitions.map((p) => `${p.topic}-${p.partition}@${p.targetOffset}`).join(', ');
    console.log(`  group ${g.group}: ${g.targetMembers > 0 ? `SKIPPED, ${g.targetMembers} members active on ${r.targetCluster}` : `would resume at ${at}`}`);
  }
}

/** The flow back: the reverse of the last failover's flow. */
async function failbackFlow(plane: ControlPlane): Promise<string> {
  const last = await plane.failoverState.activeSide();
  if (!last) throw new UsageError(`no failover is recorded on ${plane.where}: name the flow to fail back over with --flow`);
  const [source, target] = last.flow.split('->');
  const reverse = flowsOf(plane.config).find((f) => f.source === target && f.target === source);
  if (!reverse) throw new UsageError(`the last failover went over ${last.flow}, and the estate has no flow ${target}->${source} to fail back over: add it to the estate file (see docs/failover.md, Failback)`);
  return reverse.name;
}

interface FailoverOptions extends RunOptions {
  flow?: string;
  planned?: boolean;
  unplanned?: boolean;
  dryRun?: boolean;
  force?: boolean;
  reason: string;
}

function failoverCommand(command: Command, back: boolean): void {
  controlPlaneOptions(command)
    .addOption(new Option('--planned', back ? 'a planned switchover: drain, exact offsets, nothing lost (the default for failback)' : 'a planned switchover: stop your producers first; drain, exact offsets, nothing lost').conflicts('unplanned'))
    .addOption(new Option('--unplanned', 'the source is gone: checkpoint offsets, duplicate windows reported').conflicts('planned'))
    .option('--dry-run', 'every read and the full plan (connectors, offsets per group, the DNS change); nothing written')
    .option('--force', 'repoint DNS even if the offset sync failed (the report then starts with FORCED)')
    .requiredOption('--reason <text>', 'why: goes into the report and the notification')
    .option('--name <execution>', 'the execution name (default cli-<flow>-<time>); the same name and input follows that execution again')
    .action(async (opts: FailoverOptions) => {
      if (!back && !opts.planned && !opts.unplanned) throw new UsageError('say --planned (producers stopped, nothing lost) or --unplanned (the source is gone)');
      const mode = opts.unplanned ? 'unplanned' : 'planned';
      let flow = opts.flow;
      await runWorkflow(
        opts,
        'failover',
        async (plane) => {
          flow ??= await failbackFlow(plane);
          return { flow, mode, dryRun: Boolean(opts.dryRun), force: Boolean(opts.force), reason: opts.reason };
        },
        executionName(`${back ? 'failback' : 'failover'}-${mode}${opts.dryRun ? '-dry-run' : ''}`),
        printFailover,
      );
    });
}

export function addWorkflowCommands(program: Command): void {
  failoverCommand(
    program.command('failover').description('move clients from a flow\'s source to its target with the failover workflow; follows it and prints the report').requiredOption('--flow <source->target>', 'the flow, e.g. dc1->dc2'),
    false,
  );
  failoverCommand(
    program.command('failback').description('move clients back: the failover workflow over the reverse of the last failover\'s flow (planned unless --unplanned)').option('--flow <source->target>', 'the flow back, e.g. dc2->dc1 (default: the reverse of the last failover\'s)'),
    true,
  );

  const backup = program.command('backup').description('back up topics now');
  controlPlaneOptions(backup.command('now').description('start the backup workflow now, as its schedule would, and follow it'))
    .option('--topics <patterns...>', 'topic names or regexes (default: backup.topics of the estate file)')
    .option('--name <execution>', 'the execution name (default cli-backup-<time>)')
    .action(async (opts: RunOptions & { topics?: string[] }) => {
      await runWorkflow(opts, 'backup', () => (opts.topics ? { topics: opts.topics } : {}), executionName('backup'), printBackup);
    });

  controlPlaneOptions(program.command('restore').description('restore topics of a backup to a cluster, to a point in time; follows the restore workflow and prints what was restored'))
    .requiredOption('--backup <id>', 'the backup id (kafka-dr backups list)')
    .requiredOption('--to <cluster>', 'the cluster of the estate to restore into')
    .requiredOption('--topics <topics...>', 'the backed-up topics to restore')
    .option('--at <time>', 'point in time, inclusive: ISO-8601 with a zone, or epoch milliseconds (default: everything in the backup)')
    .option('--rename <from=to...>', 'restore a topic under another name')
    .option('--restore-consumer-offsets', 'commit the backed-up group offsets, translated to the restored topics (groups active there are skipped)')
    .option('--dry-run', 'what would be restored (records, bytes, offsets per group); nothing written')
    .option('--name <execution>', 'the execution name (default cli-restore-<time>)')
    .action(async (opts: RunOptions & { backup: string; to: string; topics: string[]; at?: string; rename?: string[]; restoreConsumerOffsets?: boolean; dryRun?: boolean }) => {
      const rename = Object.fromEntries(
        (opts.rename ?? []).map((r) => {
          const [from, to, ...rest] = r.split('=');
          if (!from || !to || rest.length) throw new UsageError(`--rename ${r}: expected from=to`);
          return [from, to];
        }),
      );
      const pointInTime = opts.at === undefined ? undefined : /^\d+$/.test(opts.at) ? Number(opts.at) : opts.at;
      const input = { backupId: opts.backup, targetCluster: opts.to, topics: opts.topics, rename, ...(pointInTime === undefined ? {} : { pointInTime }), restoreConsumerOffsets: Boolean(opts.restoreConsumerOffsets), dryRun: Boolean(opts.dryRun) };
      await runWorkflow(opts, 'restore', () => input, executionName(`restore-${opts.backup}`), (output: RestoreReport | DryRunReport) => (opts.dryRun ? printRestoreDryRun(output as DryRunReport) : printRestore(output as RestoreReport)));
    });
}

