// Last state of every execution, successful or not: records the new active side (after a
// successful failover), releases the lock and publishes the report (EventBridge event + SNS
// message). Each part is idempotent, so a re-run repeats nothing harmful.
import { publishOutcome } from '#src/failover/notify';
import { failoverReport } from '#src/failover/report';
import type { ExecutionState } from '#src/failover/execution-state';
import { failoverStep, logger } from '../runtime/failover-step';
import { withoutKafka } from '../runtime/workflow-step';

interface FinishEvent extends ExecutionState {
  /** Set on the failure path: the named failed state and the step's error. */
  failure?: { state: string; error?: { Error?: string; Cause?: string } };
}

function causeOf(error: { Error?: string; Cause?: string } | undefined): string {
  try {
    return (JSON.parse(error?.Cause ?? '') as { errorMessage?: string }).errorMessage ?? error?.Cause ?? 'unknown';
  } catch {
    return error?.Cause ?? 'unknown';
  }
}

export const handler = failoverStep(withoutKafka, async (event: FinishEvent, kit) => {
  const { request } = event;
  const failure = event.failure && { state: event.failure.state, error: event.failure.error?.Error ?? 'unknown', cause: causeOf(event.failure.error) };
  const state = kit.state();
  if (!failure && !request.dryRun) {
    await state.recordActiveSide({ cluster: request.target, flow: request.flow, executionName: request.executionName, mode: request.mode, since: new Date().toISOString() });
  }
  // The lock goes before the notification: an SNS or EventBridge outage must not keep the
  // estate locked. On a retry the release finds nothing to release, and publishing repeats.
  const released = request.dryRun ? false : await state.releaseLock(request.executionName);
  const report = failoverReport(event, failure, new Date());
  const published = await publishOutcome({ eventBridge: kit.aws.eventBridge, sns: kit.aws.sns }, kit.outcomeTarget(), {
    executionName: request.executionName,
    flow: request.flow,
    mode: request.mode,
    dryRun: request.dryRun,
    status: report.status,
    summary: report.summary,
    report,
  });
  logger.info('failover finished', { summary: report.summary, durationsMs: report.durationsMs, released, ...published });
  return { ...report, lockReleased: released, notification: published };
});
