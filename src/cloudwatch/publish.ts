// Publishes probe results to CloudWatch: batched PutMetricData, names and units from the
// shared metric list (lib/metrics.ts).
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { METRICS_NAMESPACE, type MetricSpec } from '#src/metrics';

export interface MetricSample {
  metric: MetricSpec;
  /** One value per dimension the metric declares, e.g. { Flow: 'dc1->dc2' }. */
  dimensions: Record<string, string>;
  value: number;
  timestamp?: Date;
}

/** CloudWatch's limit per PutMetricData request. */
export const MAX_DATUMS_PER_REQUEST = 1000;

export function toDatum(sample: MetricSample, highResolution: boolean): MetricDatum {
  const missing = sample.metric.dimensions.filter((d) => sample.dimensions[d] === undefined);
  if (missing.length > 0) throw new Error(`metric ${sample.metric.name} needs dimension(s) ${missing.join(', ')}`);
  if (!Number.isFinite(sample.value)) throw new Error(`metric ${sample.metric.name} ${JSON.stringify(sample.dimensions)}: ${sample.value} is not a finite number`);
  return {
    MetricName: sample.metric.name,
    Unit: sample.metric.unit,
    Value: sample.value,
    Timestamp: sample.timestamp ?? new Date(),
    Dimensions: sample.metric.dimensions.map((d) => ({ Name: d, Value: sample.dimensions[d] })),
    StorageResolution: highResolution ? 1 : 60,
  };
}

export async function publishMetrics(
  client: CloudWatchClient,
  samples: readonly MetricSample[],
  options: { highResolution?: boolean } = {},
): Promise<number> {
  const data = samples.map((s) => toDatum(s, options.highResolution ?? false));
  const requests: Promise<unknown>[] = [];
  for (let i = 0; i < data.length; i += MAX_DATUMS_PER_REQUEST) {
    requests.push(client.send(new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData: data.slice(i, i + MAX_DATUMS_PER_REQUEST) })));
  }
  await Promise.all(requests);
  return requests.length;
}
