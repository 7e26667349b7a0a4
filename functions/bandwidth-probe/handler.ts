// Scheduled per flow ({"flow": "dc1->dc2"}): measures the link of a MM2 flow — demand,
// replicated rate, timed transfer capacity and RTT, peak demand, headroom, backlog and
// catch-up ETA — and publishes them to CloudWatch. Snapshots between runs live in the
// DynamoDB table named by PROBE_STATE_TABLE.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '#src/cloudwatch/publish';
import { findFlow } from '#src/config/estate';
import { PROBE_STATE_TABLE } from '#src/environment';
import { toJson } from '#src/json';
import { bandwidthMetricSamples, publishedPeakDemand } from '#src/probes/bandwidth-metrics';
import { runBandwidthProbe } from '#src/probes/bandwidth-probe';
import { LINK_PROBE_CLIENT } from '#src/probes/link-transfer';
import { dynamoProbeState } from '#src/probes/probe-state';
import { requiredEnv } from '../runtime/env';
import { estateConfig } from '../runtime/estate-config';
import { withProbeClients } from '../runtime/kafka-clients';
import { lambdaHandler, logger, metrics, tracer } from '../runtime/powertools';

const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));

export interface BandwidthProbeEvent {
  flow: string;
}

async function bandwidthProbe(event: BandwidthProbeEvent) {
  const config = estateConfig();
  const flow = findFlow(config, event.flow);
  const table = requiredEnv(PROBE_STATE_TABLE);
  const { bandwidth } = config.probes;
  const report = await withProbeClients(config.clusters, LINK_PROBE_CLIENT, (clients) =>
    runBandwidthProbe(
      flow,
      {
        ...clients,
        state: dynamoProbeState(dynamodb, table),
        peakDemand: (name, fromMs, toMs) => publishedPeakDemand(cloudwatch, name, fromMs, toMs),
      },
      { transferBytes: bandwidth.transferBytes, windowMinutes: bandwidth.windowMinutes },
    ),
  );
  const samples = bandwidthMetricSamples(report);
  await publishMetrics(cloudwatch, samples, { highResolution: true });
  metrics.addMetric('ProbeErrors', MetricUnit.Count, report.errors.length);
  logger.info('bandwidth probe', {
    flow: report.flow,
    reachable: report.reachable,
    demandBytesPerSecond: report.demand?.bytesPerSecond,
    capacityBytesPerSecond: report.capacity?.bytesPerSecond,
    errors: report.errors,
    published: samples.length,
  });
  return toJson(report);
}

export const handler = lambdaHandler(bandwidthProbe, { withMetrics: true });
