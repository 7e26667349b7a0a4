// Scheduled per flow ({"flow": "dc1->dc2"}): measures the link of a MM2 flow — demand,
// replicated rate, timed transfer capacity and RTT, peak demand, headroom, backlog and
// catch-up ETA — and publishes them to CloudWatch. Snapshots between runs live in the
// DynamoDB table named by PROBE_STATE_TABLE.
import middy from '@middy/core';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { findFlow } from '#src/config/estate';
import { publishMetrics } from '#src/cloudwatch/publish';
import { estateConfig } from '../runtime/estate-config';
import { closing, estateAdmins, estateFetchers, estateKafka } from '#src/kafka/connection';
import { bandwidthMetricSamples, publishedPeakDemand } from '#src/probes/bandwidth-metrics';
import { runBandwidthProbe } from '#src/probes/bandwidth-probe';
import { LINK_PROBE_CLIENT } from '#src/probes/link-transfer';
import { dynamoProbeState } from '#src/probes/probe-state';
import { toJson } from '#src/json';
import { SecretReader } from '#src/secrets';

const logger = new Logger();
const tracer = new Tracer();
const metrics = new Metrics({ namespace: 'KafkaDR/Probes' });
const secrets = new SecretReader();
const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));

/** Set by the ReplicationProbes construct (its PROBE_STATE_TABLE_ENV; a Lambda imports no CDK). */
const STATE_TABLE_ENV = 'PROBE_STATE_TABLE';

export interface BandwidthProbeEvent {
  flow: string;
}

async function bandwidthProbe(event: BandwidthProbeEvent) {
  const config = estateConfig();
  const flow = findFlow(config, event.flow);
  const table = process.env[STATE_TABLE_ENV];
  if (!table) throw new Error(`${STATE_TABLE_ENV} is not set: the bandwidth probe keeps its snapshots in that DynamoDB table`);
  const { bandwidth } = config.probes;
  // Short timeouts: an unreachable cluster must cost seconds, not the whole Lambda timeout.
  const connection = { connectionTimeoutMs: 3000, requestTimeoutMs: 5000, retries: 1 };
  const admins = closing(estateAdmins(config.clusters, secrets, connection));
  const fetchers = closing(estateFetchers(config.clusters, secrets, LINK_PROBE_CLIENT, connection));
  const report = await runBandwidthProbe(
    flow,
    {
      kafka: estateKafka(config.clusters, secrets, connection),
      admin: admins,
      fetcher: fetchers,
      state: dynamoProbeState(dynamodb, table),
      peakDemand: (name, fromMs, toMs) => publishedPeakDemand(cloudwatch, name, fromMs, toMs),
    },
    { transferBytes: bandwidth.transferBytes, windowMinutes: bandwidth.windowMinutes },
  ).finally(() => Promise.all([admins.close(), fetchers.close()]));
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

export const handler = middy(bandwidthProbe).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
