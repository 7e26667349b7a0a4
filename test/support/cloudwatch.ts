// Reads back what a probe published to the (emulated) CloudWatch: tests check the metric
// that reached CloudWatch, not the function's return value.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { METRICS_NAMESPACE, type MetricSpec } from '../../lib/metrics';

/** The newest value of a metric published at or after `since`, or undefined. */
export async function latestMetric(metric: MetricSpec, dimensions: Record<string, string>, since: Date): Promise<number | undefined> {
  const out = await new CloudWatchClient({}).send(
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
  if (!result?.Timestamps?.length) return undefined;
  const newest = result.Timestamps.reduce((best, t, i) => (t > result.Timestamps![best]! ? i : best), 0);
  return result.Values?.[newest];
}
