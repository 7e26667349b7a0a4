// Halts the flow's MM2 connectors (source, checkpoint, heartbeat) over the Connect REST
// API: pause in a planned switchover, stop in an unplanned failover. Succeeds only when
// every connector and task reports the new state.
import { haltReplication } from '#src/failover/replication-control';
import type { ExecutionState } from '#src/failover/execution-state';
import { failoverStep, logger } from '../runtime/failover-step';
import { withoutKafka } from '../runtime/workflow-step';

export const handler = failoverStep(withoutKafka, async ({ request }: ExecutionState, kit) => {
  const flow = kit.flow(request);
  const connectors = await haltReplication(flow, await kit.connect(flow), request.mode, request.dryRun);
  logger.info(request.dryRun ? 'dry run: connectors that would be halted' : 'MM2 connectors halted', { flow: request.flow, mode: request.mode, connectors });
  return { connectors };
});
