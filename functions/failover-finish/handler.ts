// Last state of every execution, successful or not: records the new active side (after a
// successful failover), releases the lock and publishes the report (EventBridge event + SNS
// message); a scheduled readiness check publishes FailoverReady and records its outcome.
// Each part is idempotent, so a re-run repeats nothing harmful.
import { publishMetrics } from '#src/cloudwatch/publish';
import type { DrainStep } from '#src/failover/drain';
import { publishOutcome } from '#src/failover/notify';
import { announced, readinessOf, readinessSamples } from '#src/failover/readiness';
import { failoverReport } from '#src/failover/report';
import { movedHome, type ExecutionState } from '#src/failover/execution-state';
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
    await state.recordActiveSide({ cluster: request.target, home: movedHome(event.steps), flow: request.flow, executionName: request.executionName, mode: request.mode, since: new Date().toISOString() });
  }
  // The lock goes before the notification: an SNS or EventBridge outage must not keep the
  // estate locked. On a retry the release finds nothing to release, and publishing repeats.
  const released = request.dryRun ? false : await state.releaseLock(request.executionName);
  const drainSnapshot = (event.steps.drain as DrainStep | undefined)?.snapshot;
  if (drainSnapshot) await state.deleteDrainSnapshot(request.executionName, drainSnapshot);
  const now = new Date();
  const report = failoverReport(event, failure, now);
  // A scheduled readiness check: the metric every time, the notification when readiness changed.
  const readiness = request.scheduled ? readinessOf(request, failure, now) : null;
  const previous = readiness ? await state.readiness(request.flow) : null;
  if (readiness) await publishMetrics(kit.aws.cloudwatch, readinessSamples(readiness));
  const published =
    readiness && !announced(request, previous, readiness)
      ? null
      : await publishOutcome({ eventBridge: kit.aws.eventBridge, sns: kit.aws.sns }, kit.outcomeTarget(), {
          executionName: request.executionName,
          flow: request.flow,
          mode: request.mode,
          dryRun: request.dryRun,
          status: report.status,
          summary: report.summary,
          report,
        });
  // Recorded after the announcement: a retry after a failed publish still sees the change.
  if (readiness) await state.recordReadiness(readiness);
  logger.info('failover finished', { summary: report.summary, durationsMs: report.durationsMs, released, readiness, notification: published });
  return { ...report, lockReleased: released, ...(readiness ? { readiness } : {}), notification: published };
});
