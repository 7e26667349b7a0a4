// The newest value a probe published for a metric: how the failover workflow learns the
// RPO when the source can no longer be measured directly, and what `kafka-dr status` shows.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRICS_NAMESPACE, type MetricSpec } from '#src/metrics';

export interface PublishedValue {
  value: number;
  at: Date;
}

export interface PublishedMetric {
  metric: MetricSpec;
  dimensions: Record<string, string>;
}

/** GetMetricData's limit of queries per request. */
const QUERIES_PER_REQUEST = 500;

/** The newest value of each metric published at or after `since` (1-second resolution), or undefined; one request per 500 metrics. */
export async function latestPublishedEach(client: CloudWatchClient, wanted: PublishedMetric[], since: Date): Promise<(PublishedValue | undefined)[]> {
  const newest: (PublishedValue | undefined)[] = wanted.map(() => undefined);
  for (let first = 0; first < wanted.length; first += QUERIES_PER_REQUEST) {
    const queries: MetricDataQuery[] = wanted.slice(first, first + QUERIES_PER_REQUEST).map(({ metric, dimensions }, i) => ({
      Id: `m${first + i}`,
      MetricStat: {
        Metric: { Namespace: METRICS_NAMESPACE, MetricName: metric.name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
        Period: 1,
        Stat: 'Maximum',
      },
    }));
    let NextToken: string | undefined;
    do {
      const out = await client.send(new GetMetricDataCommand({ StartTime: since, EndTime: new Date(Date.now() + 60_000), MetricDataQueries: queries, NextToken }));
      for (const result of out.MetricDataResults ?? []) {
        const index = Number(result.Id?.slice(1));
        (result.Timestamps ?? []).forEach((at, i) => {
          const value = result.Values?.[i];
          if (value !== undefined && (!newest[index] || at > newest[index].at)) newest[index] = { value, at };
        });
      }
      NextToken = out.NextToken;
    } while (NextToken);
  }
  return newest;
}

/** The newest value of the metric published at or after `since`, or undefined. */
export async function latestPublished(client: CloudWatchClient, metric: MetricSpec, dimensions: Record<string, string>, since: Date): Promise<PublishedValue | undefined> {
  return (await latestPublishedEach(client, [{ metric, dimensions }], since))[0];
}
