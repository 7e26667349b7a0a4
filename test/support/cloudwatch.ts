// Reads back what a probe published to the (emulated) CloudWatch: tests check the metric
// that reached CloudWatch, not the function's return value.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { latestPublished } from '#src/cloudwatch/latest';
import type { MetricSpec } from '#src/metrics';

/** The newest value of a metric published at or after `since`, or undefined. */
export async function latestMetric(metric: MetricSpec, dimensions: Record<string, string>, since: Date): Promise<number | undefined> {
  return (await latestPublished(new CloudWatchClient({}), metric, dimensions, since))?.value;
}
