// Target of the EventBridge rule on the failover state machine's "Step Functions Execution
// Status Change" events (ABORTED, TIMED_OUT, FAILED): releases the lock an execution that
// ended without its Finish step left behind, and tells the on-call what may be half done.
import { endedOutcome, parseExecutionEnded, releaseLockOf } from '#src/failover/execution-ended';
import { publishOutcome } from '#src/failover/notify';
import { failoverAws, failoverState, outcomeTarget } from '../runtime/failover-aws';
import { lambdaHandler, logger } from '../runtime/powertools';

async function failoverRelease(event: unknown) {
  const ended = parseExecutionEnded(event);
  const lock = await releaseLockOf(ended, failoverState());
  const outcome = endedOutcome(ended, lock);
  logger.info('failover execution ended without Finish', { executionName: ended.executionName, status: ended.status, lockReleased: lock.released, lockHolder: lock.holder?.executionName });
  if (!outcome) return { executionName: ended.executionName, status: ended.status, lockReleased: false, notified: false };
  const published = await publishOutcome(failoverAws, outcomeTarget(), outcome);
  return { executionName: ended.executionName, status: ended.status, lockReleased: lock.released, notified: true, summary: outcome.summary, ...published };
}

export const handler = lambdaHandler(failoverRelease);
