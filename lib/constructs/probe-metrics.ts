// CloudWatch metric objects for what the probes publish, built from the shared metric list
// (lib/metrics.ts) so alarms and dashboard graph exactly the names, dimensions and units the
// probes write.
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Dimension, METRICS_NAMESPACE, type MetricSpec, type MetricUnit } from '#src/metrics';

const UNITS: Record<MetricUnit, cloudwatch.Unit> = {
  Seconds: cloudwatch.Unit.SECONDS,
  Milliseconds: cloudwatch.Unit.MILLISECONDS,
  Count: cloudwatch.Unit.COUNT,
  'Bytes/Second': cloudwatch.Unit.BYTES_PER_SECOND,
  'Count/Second': cloudwatch.Unit.COUNT_PER_SECOND,
  None: cloudwatch.Unit.NONE,
  Bytes: cloudwatch.Unit.BYTES,
};

export type ProbeStatistic = 'Maximum' | 'Minimum' | 'Average';

/** Dimension values by dimension key, e.g. { Flow: 'dc1->dc2' } or { Cluster: 'dc1' }. */
export type DimensionValues = Partial<Record<keyof typeof Dimension, string>>;

export interface ProbeMetricOptions {
  statistic: ProbeStatistic;
  period: Duration;
  label?: string;
}

/**
 * The metric as a probe publishes it. Throws unless exactly the dimensions the spec
 * declares are given: CloudWatch treats another dimension set as another metric, and an
 * alarm on it would never see data.
 */
export function probeMetric(spec: MetricSpec, values: DimensionValues, options: ProbeMetricOptions): cloudwatch.Metric {
  const given = Object.keys(values).sort();
  const expected = [...spec.dimensions].sort();
  if (given.join() !== expected.join()) {
    throw new Error(`metric ${spec.name} takes dimension(s) ${expected.join(', ')}, got ${given.join(', ') || 'none'}`);
  }
  const dimensionsMap = Object.fromEntries(spec.dimensions.map((key) => [Dimension[key], values[key] as string]));
  return new cloudwatch.Metric({
    namespace: spec.namespace ?? METRICS_NAMESPACE,
    metricName: spec.name,
    dimensionsMap,
    unit: UNITS[spec.unit],
    statistic: options.statistic,
    period: options.period,
    label: options.label,
  });
}
