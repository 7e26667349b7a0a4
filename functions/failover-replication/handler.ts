// Halts the flow's MM2 connectors (source, checkpoint, heartbeat) over the Connect REST
// API: pause in a planned switchover; in an unplanned failover, stop the checkpoint connector
// and pause the source and heartbeat connectors. Succeeds when every connector and task reports
// its state, or, unplanned, when Connect's config topic holds it (src/failover/replication-control.ts).
import { haltReplication } from '#src/failover/replication-control';
import type { ExecutionState } from '#src/failover/execution-state';
import type { PreflightReport } from '#src/failover/preflight';
import { failoverStep, logger } from '../runtime/failover-step';
import { withKafka } from '../runtime/kafka-clients';

/** Whether the source answered preflight: false only when preflight said so. */
const sourceAnswered = (state: ExecutionState) => (state.steps.preflight as Partial<PreflightReport> | undefined)?.reachable?.source !== false;

export const handler = failoverStep(withKafka, async (state: ExecutionState, kit) => {
  const { request } = state;
  const flow = kit.flow(request);
  const connectors = await haltReplication(flow, { connect: await kit.connect(flow), fetcher: kit.fetcher }, request.mode, request.dryRun, sourceAnswered(state));
  logger.info(request.dryRun ? 'dry run: connectors that would be halted' : 'MM2 connectors halted', { flow: request.flow, mode: request.mode, connectors });
  return { connectors };
});
