// kafka-dr sync acls|quotas|configs --flow F [--dry-run]: what MM2 does not carry, written to
// the flow's target by the control plane's drift sync function and read back.
import { Argument, type Command } from 'commander';
import { findFlow } from '#src/config/estate';
import { DRIFT_KINDS, type DriftKind } from '#src/drift/drift';
import type { SyncResult } from '#src/drift/sync-target';
import { controlPlaneOf, controlPlaneOptions, type ControlPlaneOptions } from './control-plane';

function printSync(result: SyncResult): void {
  const verb = result.dryRun ? 'would write' : 'wrote and read back';
  console.log(`${result.flow}: ${result.kind} on ${result.target}: ${result.writes.length ? `${verb} ${result.writes.length}` : 'nothing to write, the target matches the source'}`);
  for (const w of result.writes) console.log(`  ${w}`);
}

export function addSyncCommand(program: Command): void {
  controlPlaneOptions(
    program
      .command('sync')
      .description("make a flow's target hold what MM2 does not carry from its source (ACLs, client quotas, topic configs of the replicas); adds and changes, never removes")
      .addArgument(new Argument('<kind>', 'what to carry').choices([...DRIFT_KINDS]))
      .requiredOption('--flow <flow>', 'the flow whose target is written ("dc1->dc2")')
      .option('--dry-run', 'list the writes, change nothing'),
  ).action(async (kind: DriftKind, opts: ControlPlaneOptions & { flow: string; dryRun?: boolean; json?: boolean }) => {
    const plane = await controlPlaneOf(opts);
    const flow = findFlow(plane.config, opts.flow).name;
    const result = await plane.syncDrift({ flow, kind, dryRun: opts.dryRun ?? false });
    if (opts.json) console.log(JSON.stringify(result, null, 2));
    else printSync(result);
  });
}
