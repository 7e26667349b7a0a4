// Scheduled per flow ({"flow": "dc1->dc2"}): measures replication lag, RPO, heartbeat,
// canary and checkpoint freshness and cluster reachability, and publishes them to CloudWatch.
import middy from '@middy/core';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { findFlow } from '#src/config/estate';
import { publishMetrics } from '#src/cloudwatch/publish';
import { estateConfig } from '../runtime/estate-config';
import { closing, estateAdmins, estateKafka } from '#src/kafka/connection';
import { lagMetricSamples } from '#src/probes/lag-metrics';
import { runLagProbe } from '#src/probes/lag-probe';
import { toJson } from '#src/json';
import { SecretReader } from '#src/secrets';

const logger = new Logger();
const tracer = new Tracer();
const metrics = new Metrics({ namespace: 'KafkaDR/Probes' });
const secrets = new SecretReader();
const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

// Short timeouts: an unreachable cluster must cost seconds, not the whole Lambda timeout.
const connection = { connectionTimeoutMs: 3000, requestTimeoutMs: 5000, retries: 1 };

export interface LagProbeEvent {
  flow: string;
}

async function lagProbe(event: LagProbeEvent) {
  const config = estateConfig();
  const flow = findFlow(config, event.flow);
  const { thresholds } = config.probes;
  // Fresh connections each run (closed at the end): a probe must not trust a connection
  // to a cluster that may have died and come back since the last run.
  const admins = closing(estateAdmins(config.clusters, secrets, connection));
  const report = await runLagProbe(
    flow,
    { kafka: estateKafka(config.clusters, secrets, connection), admin: admins },
    { canaryTimeoutMs: thresholds.canaryTimeoutSeconds * 1000, checkpointStaleMs: thresholds.checkpointStaleSeconds * 1000 },
  ).finally(() => admins.close());
  const samples = lagMetricSamples(report, flow);
  await publishMetrics(cloudwatch, samples, { highResolution: true });
  metrics.addMetric('ProbeErrors', MetricUnit.Count, report.errors.length);
  logger.info('lag probe', { flow: report.flow, reachable: report.reachable, rpoMs: report.lag?.rpoMs, errors: report.errors, published: samples.length });
  return toJson({ ...report, lag: report.lag && { ...report.lag, partitions: report.lag.partitions.length } });
}

export const handler = middy(lagProbe).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
