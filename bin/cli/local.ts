// The lab's standing control plane (--local): synthesized from the lab's estate with its
// reverse flow dc2->dc1 (so failback can run once `lab.sh reverse-flow up` has started its
// connectors), its tables and bucket kept in the emulator from one command to the next,
// its state machines run in this process with the real handlers, its alarms evaluated as
// synthesized against what the probes published.
// The lab is not part of an installed kafka-dr: lab/ and the dev dependencies it runs on
// (aws-local-stepfunctions) exist only in a clone after npm ci. So this module reaches them
// only through import() when --local is used, and a missing one is a usage error saying so,
// never a crash of commands that do not need the lab (eslint.config.js forbids static
// imports of lab/ in bin/).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FlowAudit } from '#src/audit/audit';
import type { SyncResult } from '#src/drift/sync-target';
import { readBootstrapRecord, recordDns, repointBootstrapRecord } from '#src/dns/bootstrap-record';
import { upsertSwitch } from '#src/dns/client-switch';
import { FailoverState } from '#src/failover/failover-state';
import { flowsOf } from '#src/flow';
import type { ExecutionEvent } from '../../lab/local-state-machine';
import { UsageError, type ControlPlane, type StepEvent } from './control-plane';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What a failed import could not find, as the person would look for it ("lab/estate", "aws-local-stepfunctions"); undefined when the failure is not a missing module. */
function missingModule(err: unknown): string | undefined {
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const name = /Cannot find (?:module|package) '([^']+)'/.exec(String(message))?.[1];
  if (!name) return String(message);
  return path.isAbsolute(name) ? path.relative(projectRoot, name) : name;
}

/** Loads lab code; an install without lab/ or the dev dependencies gets a usage error naming what is missing and how to get it. */
async function importLab<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const missing = missingModule(err);
    if (missing === undefined) throw err;
    throw new UsageError(
      `--local runs the lab's control plane: it needs the project's dev dependencies and lab/, and this install has no ${missing} ` +
        '(run npm ci in a clone of kafka-dr, then npm run lab:up); against a deployed control plane use --config FILE',
    );
  }
}

/** Points this process's AWS SDK at the lab's emulator, for commands that only read its buckets. */
export async function useLabEmulator(): Promise<void> {
  const { readLabInfo, useLabAws } = await importLab(() => import('../../lab/estate'));
  useLabAws(readLabInfo());
}

function stepEvent(e: ExecutionEvent): StepEvent | undefined {
  const event = ({ StateEntered: 'entered', StateExited: 'exited', StateFailed: 'failed', StateRetried: 'retried' } as const)[e.type as string];
  if (!event || !('state' in e) || !['Task', 'Map', 'Parallel'].includes(e.state.type)) return undefined;
  return { state: e.state.name, event, at: e.timestamp, ...(e.type === 'StateFailed' ? { error: e.Error } : {}) };
}

export async function localControlPlaneAccess(): Promise<ControlPlane> {
  const [{ labEstate, readLabInfo }, { localControlPlane }, { withReverseFlow }] = await importLab(() =>
    Promise.all([import('../../lab/estate'), import('../../lab/local-control-plane'), import('../../lab/reverse-flow')]),
  );
  const lab = readLabInfo();
  const config = withReverseFlow(await labEstate(lab), lab);
  const plane = await localControlPlane(config, { standing: true });
  const cloudwatch = new CloudWatchClient({});
  const route53 = new Route53Client({});
  // A fresh lab has no bootstrap record yet: its clients start on the primary.
  const primary = config.flows[0]?.source ?? 'dc1';
  const record = recordDns(config.dns, null);
  if (!(await readBootstrapRecord(route53, record))) await repointBootstrapRecord(route53, record, primary, 'kafka-dr lab: clients start on the primary');
  const workflows = { failover: plane.failover, backup: plane.backup, restore: plane.restore };
  return {
    config,
    where: 'the local lab',
    cloudwatch,
    clients: (home) => upsertSwitch(recordDns(config.dns, home), route53),
    failoverState: new FailoverState(DynamoDBDocumentClient.from(new DynamoDBClient({})), plane.nameInLab(plane.stack.failover.stateTable, 'failover state table')),
    alarms: () => plane.alarms.evaluate(cloudwatch),
    async probe() {
      const problems: string[] = [];
      for (const { name: flow } of flowsOf(config)) {
        // One liveness sample (reachability, heartbeat age): what a scheduled run publishes every few seconds.
        for (const [probe, event] of [['liveness-probe', { flow, samples: 1 }], ['lag-probe', { flow }], ['bandwidth-probe', { flow }]] as const) {
          const report = (await plane.invoke(probe, event).catch((err: Error) => ({ errors: [`failed: ${err.message}`] }))) as { errors?: string[]; samples?: { errors: string[] }[] };
          for (const e of [...(report.errors ?? []), ...(report.samples ?? []).flatMap((sample) => sample.errors)]) problems.push(`${probe} of ${flow}: ${e}`);
        }
      }
      return problems;
    },
    audit: (flow) => plane.invoke('audit', { flow }) as Promise<FlowAudit>,
    syncDrift: (request) => plane.invoke('drift-sync', request) as Promise<SyncResult>,
    backupBucket: () => ({ name: plane.bucket.name }),
    async execute(workflow, input, executionName, onStep) {
      const run = await workflows[workflow].run(input, {
        name: executionName,
        asDefined: true,
        onEvent: (e) => {
          const step = stepEvent(e);
          if (step) onStep(step);
        },
      });
      return { executionName, status: run.status, output: run.output, error: run.error, cause: run.cause };
    },
  };
}
