// The CloudWatch samples a lag report stands for. What could not be measured is left out
// (missing data). Reachability and heartbeat age stay in the report but are not published
// here: the liveness probe samples them several times a minute and is their one publisher.
import { Dimension, Metric } from '#src/metrics';
import type { MetricSample } from '#src/cloudwatch/publish';
import type { LagReport } from './lag-probe';

export function lagMetricSamples(report: LagReport): MetricSample[] {
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
    for (const t of report.lag.topics) {
      const dimensions = { ...flow, [Dimension.Topic]: t.topic };
      add(Metric.TopicRpo, t.rpoMs / 1000, dimensions);
      add(Metric.TopicUnreplicatedRecords, Number(t.unreplicatedRecords), dimensions);
    }
  }
  for (const c of report.checkpoints) add(Metric.CheckpointAge, c.ageMs / 1000, { ...flow, [Dimension.Group]: c.group });
  if (report.staleCheckpointGroups !== null) add(Metric.StaleCheckpointGroups, report.staleCheckpointGroups);
  return samples;
}
