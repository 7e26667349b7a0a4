// The CloudWatch samples a liveness sample stands for, each at the instant it was taken:
// both clusters' reachability always (a cluster not reached is a 0, never a gap), the
// heartbeat age when the target answered.
import { Dimension, Metric } from '#src/metrics';
import type { MetricSample } from '#src/cloudwatch/publish';
import type { LivenessSample } from './liveness';

export function livenessMetricSamples(sample: LivenessSample, clusters: { source: string; target: string }): MetricSample[] {
  const timestamp = new Date(sample.at);
  const samples: MetricSample[] = [
    { metric: Metric.ClusterReachable, dimensions: { [Dimension.Cluster]: clusters.source }, value: sample.reachable.source ? 1 : 0, timestamp },
    { metric: Metric.ClusterReachable, dimensions: { [Dimension.Cluster]: clusters.target }, value: sample.reachable.target ? 1 : 0, timestamp },
  ];
  if (sample.heartbeatAgeMs !== null) {
    samples.push({ metric: Metric.HeartbeatAge, dimensions: { [Dimension.Flow]: sample.flow }, value: sample.heartbeatAgeMs / 1000, timestamp });
  }
  return samples;
}
