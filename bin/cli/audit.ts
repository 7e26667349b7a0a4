// kafka-dr audit: the production checklist of each flow (or one), run now by the control
// plane's audit function, printed finding by finding with its evidence and fix.
import { Option, type Command } from 'commander';
import { SEVERITIES, type Severity } from '#src/audit/finding';
import type { FlowAudit } from '#src/audit/audit';
import { findFlow } from '#src/config/estate';
import { flowsOf } from '#src/flow';
import { controlPlaneOf, controlPlaneOptions, type ControlPlaneOptions } from './control-plane';

/** Whether any finding is at least as severe as `failOn`. */
const fails = (audits: FlowAudit[], failOn: Severity) => audits.some((a) => SEVERITIES.slice(0, SEVERITIES.indexOf(failOn) + 1).some((s) => a.counts[s] > 0));

function printAudit(audit: FlowAudit): void {
  console.log(`${audit.flow}: ${SEVERITIES.map((s) => `${audit.counts[s]} ${s}`).join(', ')} (audited ${audit.at})`);
  for (const f of audit.findings) {
    console.log(`  ${f.severity.toUpperCase().padEnd(8)} ${f.id} (${f.subject})`);
    console.log(`           ${f.evidence}`);
    console.log(`           fix: ${f.fix}`);
  }
}

export function addAuditCommand(program: Command): void {
  controlPlaneOptions(
    program
      .command('audit')
      .description("the production checklist of each flow, run now: MM2's settings (compression, TLS, checkpoints, offset syncs), replicas' partitions and replication factor, topics no flow copies; nothing is changed")
      .option('--flow <flow>', 'one flow ("dc1->dc2"); all flows when not given')
      .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is this severe or more').choices([...SEVERITIES]).default('critical')),
  ).action(async (opts: ControlPlaneOptions & { flow?: string; failOn: Severity; json?: boolean }) => {
    const plane = await controlPlaneOf(opts);
    const flows = opts.flow ? [findFlow(plane.config, opts.flow).name] : flowsOf(plane.config).map((f) => f.name);
    const audits: FlowAudit[] = [];
    for (const flow of flows) audits.push(await plane.audit(flow));
    if (opts.json) console.log(JSON.stringify(audits, null, 2));
    else audits.forEach(printAudit);
    if (fails(audits, opts.failOn)) process.exitCode = 1;
  });
}
