// The CloudWatch samples a lag report stands for. What could not be measured is left out
// (missing data). Reachability and heartbeat age stay in the report but are not published
// here: the liveness probe samples them several times a minute and is their one publisher.
// Per-topic and per-group metrics follow probes.topicMetrics and probes.groupMetrics: all,
// the worst N, or none; the flow's own are always published.
import { Dimension, Metric } from '#src/metrics';
import type { MetricSample } from '#src/cloudwatch/publish';
import type { EstateConfig } from '#src/config/schema';
import type { LagReport } from './lag-probe';

type PerDimension = EstateConfig['probes']['topicMetrics'];

/** The entries `policy` publishes, worst first by `worse` (a negative number: a is worse than b). */
export function withOwnMetrics<T>(entries: readonly T[], policy: PerDimension, worse: (a: T, b: T) => number): readonly T[] {
  if (policy.publish === 'all') return entries;
  if (policy.publish === 'none') return [];
  return [...entries].sort(worse).slice(0, policy.top);
}

const byLag = (a: { rpoMs: number; unreplicatedRecords: bigint }, b: typeof a) => b.rpoMs - a.rpoMs || Number(b.unreplicatedRecords - a.unreplicatedRecords);

export function lagMetricSamples(report: LagReport, probes: Pick<EstateConfig['probes'], 'topicMetrics' | 'groupMetrics'>): MetricSample[] {
  const timestamp = new Date(report.at);
  const flow = { [Dimension.Flow]: report.flow };
  const samples: MetricSample[] = [];
  const add = (metric: MetricSample['metric'], value: number, dimensions: Record<string, string> = flow) => samples.push({ metric, dimensions, value, timestamp });
  if (report.canary) {
    add(Metric.CanaryArrived, report.canary.arrived ? 1 : 0);
    add(Metric.CanaryLatency, (report.canary.latencyMs ?? report.canary.timeoutMs) / 1000);
  }
  if (report.lag) {
    add(Metric.Rpo, report.lag.rpoMs / 1000);
    add(Metric.UnreplicatedRecords, Number(report.lag.unreplicatedRecords));
    add(Metric.MaxPartitionLag, Number(report.lag.maxPartitionLag));
    for (const t of withOwnMetrics(report.lag.topics, probes.topicMetrics, byLag)) {
      const dimensions = { ...flow, [Dimension.Topic]: t.topic };
      add(Metric.TopicRpo, t.rpoMs / 1000, dimensions);
      add(Metric.TopicUnreplicatedRecords, Number(t.unreplicatedRecords), dimensions);
    }
  }
  for (const c of withOwnMetrics(report.checkpoints, probes.groupMetrics, (a, b) => b.ageMs - a.ageMs)) add(Metric.CheckpointAge, c.ageMs / 1000, { ...flow, [Dimension.Group]: c.group });
  if (report.staleCheckpointGroups !== null) add(Metric.StaleCheckpointGroups, report.staleCheckpointGroups);
  return samples;
}
