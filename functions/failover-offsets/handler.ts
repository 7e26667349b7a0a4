// Moves every consumer group MM2 checkpoints to the target: planned exactly (verified by
// record fingerprints), unplanned from checkpoints with duplicate windows. The payload
// carries a summary; the complete per-partition plan is logged.
import { commitConsumerOffsets, planConsumerOffsets } from '../shared/failover/consumer-offsets';
import { summarizeOffsetSync } from '../shared/failover/report';
import { failoverStep, logger, type ExecutionState } from '../shared/failover/step-kit';
import { toJson } from '../shared/json';

export const handler = failoverStep<ExecutionState>(async ({ request }, kit) => {
  const flow = kit.flow(request);
  const plan = await planConsumerOffsets(flow, request.mode, kit);
  const result = request.dryRun ? null : await commitConsumerOffsets(flow, plan, kit);
  logger.info('consumer offset plan', { flow: request.flow, plan: toJson(plan), result: toJson(result) });
  return summarizeOffsetSync(plan, result);
});
