// Halts the flow's MM2 connectors (source, checkpoint, heartbeat) over the Connect REST
// API: pause in a planned switchover, stop in an unplanned failover. Succeeds only when
// every connector and task reports the new state.
import { haltReplication } from '#src/failover/replication-control';
import { failoverStep, logger, type ExecutionState } from '../runtime/failover-step';

export const handler = failoverStep<ExecutionState>(async ({ request }, kit) => {
  const flow = kit.flow(request);
  const connectors = await haltReplication(flow, await kit.connect(flow), request.mode, request.dryRun);
  logger.info(request.dryRun ? 'dry run: connectors that would be halted' : 'MM2 connectors halted', { flow: request.flow, mode: request.mode, connectors });
  return { connectors };
});
