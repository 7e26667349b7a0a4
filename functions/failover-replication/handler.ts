// Pauses the flow's MM2 connectors (source, checkpoint, heartbeat) over the Connect REST
// API and succeeds only when every connector and task reports PAUSED.
import { pauseReplication } from '../shared/failover/replication-control';
import { failoverStep, logger, type ExecutionState } from '../shared/failover/step-kit';

export const handler = failoverStep<ExecutionState>(async ({ request }, kit) => {
  const flow = kit.flow(request);
  const connectors = await pauseReplication(flow, await kit.connect(flow), request.dryRun);
  logger.info(request.dryRun ? 'dry run: connectors that would be paused' : 'MM2 connectors paused', { flow: request.flow, connectors });
  return { connectors };
});
