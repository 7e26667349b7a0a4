// Moves every consumer group MM2 checkpoints to the target: planned exactly (verified by
// record fingerprints; failing back, groups on replicas of the target's own topics go home
// through the reverse flow's offset syncs), unplanned from checkpoints with duplicate windows. The payload
// carries a summary; the complete per-partition plan is logged.
import { commitConsumerOffsets, planConsumerOffsets } from '#src/failover/consumer-offsets';
import { summarizeOffsetSync } from '#src/failover/report';
import { failoverStep, logger, type ExecutionState } from '../runtime/failover-step';
import { toJson } from '#src/json';

export const handler = failoverStep<ExecutionState>(async ({ request }, kit) => {
  const flow = kit.flow(request);
  const reverse = kit.config.flows.find((f) => f.source === flow.target && f.target === flow.source);
  const plan = await planConsumerOffsets(flow, request.mode, kit, { reverse });
  const result = request.dryRun ? null : await commitConsumerOffsets(flow, plan, kit);
  logger.info('consumer offset plan', { flow: request.flow, plan: toJson(plan), result: toJson(result) });
  return summarizeOffsetSync(plan, result);
});
