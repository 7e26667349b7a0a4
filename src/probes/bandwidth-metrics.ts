// The CloudWatch side of the bandwidth probe: the samples a report stands for (what could
// not be measured is left out: missing data, never a made-up value), and the read-back of
// the peak demand over the trailing window.
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Dimension, Metric, METRICS_NAMESPACE } from '#src/metrics';
import type { MetricSample } from '#src/cloudwatch/publish';
import type { BandwidthReport } from './bandwidth-probe';

export function bandwidthMetricSamples(report: BandwidthReport): MetricSample[] {
  const timestamp = new Date(report.at);
  const dimensions = { [Dimension.Flow]: report.flow };
  const samples: MetricSample[] = [];
  const add = (metric: MetricSample['metric'], value: number | null | undefined) => {
    if (value !== null && value !== undefined) samples.push({ metric, dimensions, value, timestamp });
  };
  add(Metric.DemandBytes, report.demand?.bytesPerSecond);
  add(Metric.DemandRecords, report.demand?.recordsPerSecond);
  add(Metric.ReplicatedBytes, report.replicated?.bytesPerSecond);
  add(Metric.ReplicatedRecords, report.replicated?.recordsPerSecond);
  add(Metric.LinkCapacity, report.capacity?.bytesPerSecond);
  add(Metric.LinkRtt, report.rttMs);
  add(Metric.PeakDemandBytes, report.peakDemandBytesPerSecond);
  add(Metric.Headroom, report.headroom);
  add(Metric.BacklogBytes, report.backlog?.bytes);
  add(Metric.CatchUpEta, report.catchUpEtaSeconds);
  return samples;
}

/**
 * The highest DemandBytes of the flow published in [fromMs, toMs), from GetMetricData
 * (Maximum per minute, the largest of those); null when nothing was published.
 */
export async function publishedPeakDemand(client: CloudWatchClient, flow: string, fromMs: number, toMs: number): Promise<number | null> {
  let peak: number | null = null;
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(fromMs),
        EndTime: new Date(toMs),
        NextToken: nextToken,
        MetricDataQueries: [
          {
            Id: 'peak',
            MetricStat: {
              Metric: { Namespace: METRICS_NAMESPACE, MetricName: Metric.DemandBytes.name, Dimensions: [{ Name: Dimension.Flow, Value: flow }] },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    for (const value of page.MetricDataResults?.flatMap((r) => r.Values ?? []) ?? []) peak = Math.max(peak ?? value, value);
    nextToken = page.NextToken;
  } while (nextToken);
  return peak;
}
