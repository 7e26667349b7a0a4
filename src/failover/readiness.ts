// The scheduled failover readiness check (failover.readiness): a dry-run failover per flow
// whose outcome is the flow's FailoverReady metric and, in the failover state table, the
// first reason it would fail. People hear of it when readiness changes, not every hour.
import type { MetricSample } from '#src/cloudwatch/publish';
import { Metric } from '#src/metrics';
import type { EstateConfig } from '#src/config/schema';
import type { Flow } from '#src/flow';
import type { FailoverInput, FailoverRequest } from './request';

/** The execution input the schedule starts the failover workflow with, per flow. */
export function readinessCheckInput(config: Pick<EstateConfig, 'failover'>, flow: Pick<Flow, 'name'>): FailoverInput {
  const { mode, rateMinutes } = config.failover.readiness;
  return { flow: flow.name, mode, dryRun: true, scheduled: true, force: false, reason: `scheduled failover readiness check (failover.readiness: ${mode}, every ${rateMinutes} minutes)` };
}

export interface Readiness {
  flow: string;
  /** null: the check does not apply (the flow's target already serves the clients). */
  ready: boolean | null;
  /** Why not: the failed step and its first problem; why it does not apply. */
  reason: string | null;
  mode: 'planned' | 'unplanned';
  executionName: string;
  /** ISO-8601: when the check ended. */
  at: string;
}

export interface StepFailure {
  state: string;
  error: string;
  cause: string;
}

export function readinessOf(request: FailoverRequest, failure: StepFailure | undefined, at: Date): Readiness {
  const applies = failure?.error !== 'FailoverNotApplicable';
  return {
    flow: request.flow,
    ready: applies ? !failure : null,
    reason: failure ? (applies ? `${failure.state}: ${failure.cause}` : failure.cause) : null,
    mode: request.mode,
    executionName: request.executionName,
    at: at.toISOString(),
  };
}

/** Nothing for a check that does not apply: the alarm sees no data, not a failure. */
export function readinessSamples(readiness: Readiness): MetricSample[] {
  if (readiness.ready === null) return [];
  return [{ metric: Metric.FailoverReady, dimensions: { Flow: readiness.flow }, value: readiness.ready ? 1 : 0, timestamp: new Date(readiness.at) }];
}

/** Whether the outcome is published (event and notification): for a scheduled check, only when readiness changed. */
export function announced(request: Pick<FailoverRequest, 'scheduled'>, previous: Readiness | null, now: Readiness): boolean {
  if (!request.scheduled) return true;
  if (now.ready === null) return false;
  const before = previous?.ready ?? null;
  return before === null ? !now.ready : before !== now.ready;
}
