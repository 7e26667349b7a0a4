// Moves every consumer group MM2 checkpoints to the target: planned exactly (verified by
// record fingerprints; failing back, groups on replicas of the target's own topics go home
// through the reverse flow's offset syncs), unplanned from checkpoints with duplicate windows. The payload
// carries a summary; the complete per-partition plan is logged, in parts.
import { commitConsumerOffsets, planConsumerOffsets } from '#src/failover/consumer-offsets';
import type { ExecutionState } from '#src/failover/execution-state';
import { summarizeOffsetSync } from '#src/failover/report';
import { flowsOf } from '#src/flow';
import { failoverStep } from '../runtime/failover-step';
import { logInParts } from '../runtime/log-in-parts';
import { withKafka } from '../runtime/kafka-clients';

export const handler = failoverStep(withKafka, async ({ request }: ExecutionState, kit) => {
  const flow = kit.flow(request);
  const reverse = flowsOf(kit.config).find((f) => f.source === flow.target && f.target === flow.source);
  const plan = await planConsumerOffsets(flow, request.mode, kit, { reverse });
  const result = request.dryRun ? null : await commitConsumerOffsets(flow, plan, kit);
  logInParts('consumer offset plan', { flow: request.flow, mode: plan.mode, checkpointsTopic: plan.checkpointsTopic, checkpointsRead: plan.checkpointsRead, dryRun: result === null }, {
    groups: plan.groups,
    untranslated: plan.untranslated,
    ...(result && { committed: result.committed, skippedActive: result.skippedActive, failed: result.failed, mismatches: result.mismatches }),
  });
  return summarizeOffsetSync(plan, result);
});
