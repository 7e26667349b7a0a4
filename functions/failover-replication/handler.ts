// Halts the flow's MM2 connectors (source, checkpoint, heartbeat) over the Connect REST
// API: pause in a planned switchover; in an unplanned failover, stop the checkpoint connector
// and pause the source and heartbeat connectors. Succeeds when every connector and task reports
// its state, or, unplanned, when Connect's config topic holds it (src/failover/replication-control.ts).
// Active-active, when clients stay on the source (a failback of the other datacenter's), the
// flow keeps running, and the flow back to the returning clients' home is resumed.
import { flowsOf } from '#src/flow';
import { haltReplication, resumeReplication } from '#src/failover/replication-control';
import { movedClients, type ExecutionState } from '#src/failover/execution-state';
import type { PreflightReport } from '#src/failover/preflight';
import { failoverStep, logger } from '../runtime/failover-step';
import { withKafka } from '../runtime/kafka-clients';

/** Whether the source answered preflight: false only when preflight said so. */
const sourceAnswered = (state: ExecutionState) => (state.steps.preflight as Partial<PreflightReport> | undefined)?.reachable?.source !== false;

export const handler = failoverStep(withKafka, async (state: ExecutionState, kit) => {
  const { request } = state;
  const flow = kit.flow(request);
  const { home, stayingOnSource } = movedClients(state.steps);
  if (stayingOnSource.length > 0) {
    const back = flowsOf(kit.config).find((f) => f.source === flow.target && f.target === flow.source);
    const resumed = back ? await resumeReplication(back, await kit.connect(back), request.dryRun) : [];
    const keptRunning = `${flow.name} keeps running: the clients of ${stayingOnSource.join(', ')} stay on ${flow.source} and write there, and ${home}'s clients coming home read it`;
    logger.info(keptRunning, { flow: request.flow, resumed });
    return { connectors: [], keptRunning, resumed };
  }
  const connectors = await haltReplication(flow, { connect: await kit.connect(flow), fetcher: kit.fetcher }, request.mode, request.dryRun, sourceAnswered(state));
  logger.info(request.dryRun ? 'dry run: connectors that would be halted' : 'MM2 connectors halted', { flow: request.flow, mode: request.mode, connectors });
  return { connectors };
});
