// The lab's standing control plane (--local): synthesized from the lab's estate with its
// reverse flow dc2->dc1 (so failback can run once `lab.sh reverse-flow up` has started its
// connectors), its tables and bucket kept in the emulator from one command to the next,
// its state machines run in this process with the real handlers, its alarms evaluated as
// synthesized against what the probes published.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readBootstrapRecord, repointBootstrapRecord } from '#src/dns/bootstrap-record';
import { FailoverState } from '#src/failover/failover-state';
import { flowName } from '#src/config/schema';
import { labEstate, readLabInfo } from '../../lab/estate';
import { localControlPlane } from '../../lab/local-control-plane';
import type { ExecutionEvent } from '../../lab/local-state-machine';
import { withReverseFlow } from '../../lab/reverse-flow';
import type { ControlPlane, StepEvent } from './control-plane';

function stepEvent(e: ExecutionEvent): StepEvent | undefined {
  const event = ({ StateEntered: 'entered', StateExited: 'exited', StateFailed: 'failed', StateRetried: 'retried' } as const)[e.type as string];
  if (!event || !('state' in e) || !['Task', 'Map', 'Parallel'].includes(e.state.type)) return undefined;
  return { state: e.state.name, event, at: e.timestamp, ...(e.type === 'StateFailed' ? { error: e.Error } : {}) };
}

export async function localControlPlaneAccess(): Promise<ControlPlane> {
  const lab = readLabInfo();
  const config = withReverseFlow(await labEstate(lab), lab);
  const plane = await localControlPlane(config, { standing: true });
  const cloudwatch = new CloudWatchClient({});
  const route53 = new Route53Client({});
  // A fresh lab has no bootstrap record yet: its clients start on the primary.
  const primary = config.flows[0]?.source ?? 'dc1';
  if (!(await readBootstrapRecord(route53, config.dns))) await repointBootstrapRecord(route53, config.dns, primary, 'kafka-dr lab: clients start on the primary');
  const workflows = { failover: plane.failover, backup: plane.backup, restore: plane.restore };
  return {
    config,
    where: 'the local lab',
    cloudwatch,
    route53,
    failoverState: new FailoverState(DynamoDBDocumentClient.from(new DynamoDBClient({})), plane.nameInLab(plane.stack.failover.stateTable, 'failover state table')),
    alarms: () => plane.alarms.evaluate(cloudwatch),
    async probe() {
      const problems: string[] = [];
      for (const flow of config.flows.map(flowName)) {
        for (const probe of ['lag-probe', 'bandwidth-probe']) {
          const report = (await plane.invoke(probe, { flow }).catch((err: Error) => ({ errors: [`failed: ${err.message}`] }))) as { errors?: string[] };
          for (const e of report.errors ?? []) problems.push(`${probe} of ${flow}: ${e}`);
        }
      }
      return problems;
    },
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
