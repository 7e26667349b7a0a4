// The newest value a probe published for a metric: how the failover workflow learns the
// RPO when the source can no longer be measured directly.
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { METRICS_NAMESPACE, type MetricSpec } from '../../../lib/metrics';

export interface PublishedValue {
  value: number;
  at: Date;
}

/** The newest value of the metric published at or after `since` (1-second resolution), or undefined. */
export async function latestPublished(client: CloudWatchClient, metric: MetricSpec, dimensions: Record<string, string>, since: Date): Promise<PublishedValue | undefined> {
  const out = await client.send(
    new GetMetricDataCommand({
      StartTime: since,
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: { Namespace: METRICS_NAMESPACE, MetricName: metric.name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
            Period: 1,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  const result = out.MetricDataResults?.[0];
  let newest: PublishedValue | undefined;
  (result?.Timestamps ?? []).forEach((at, i) => {
    const value = result?.Values?.[i];
    if (value !== undefined && (!newest || at > newest.at)) newest = { value, at };
  });
  return newest;
}
