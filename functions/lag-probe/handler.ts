// Scheduled per flow ({"flow": "dc1->dc2"}): measures replication lag, RPO, canary and
// checkpoint freshness and publishes them to CloudWatch. Its report also carries cluster
// reachability and heartbeat age, which the liveness probe publishes.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '#src/cloudwatch/publish';
import { findFlow } from '#src/config/estate';
import { toJson } from '#src/json';
import { lagMetricSamples } from '#src/probes/lag-metrics';
import { runLagProbe } from '#src/probes/lag-probe';
import { estateConfig } from '../runtime/estate-config';
import { withProbeClients } from '../runtime/kafka-clients';
import { lambdaHandler, logger, metrics, tracer } from '../runtime/powertools';

const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

export interface LagProbeEvent {
  flow: string;
}

async function lagProbe(event: LagProbeEvent) {
  const config = estateConfig();
  const flow = findFlow(config, event.flow);
  const { thresholds } = config.probes;
  const report = await withProbeClients(config.clusters, 'kafka-dr-lag-probe', (clients) =>
    runLagProbe(flow, clients, {
      canaryTimeoutMs: thresholds.canaryTimeoutSeconds * 1000,
      checkpointStaleMs: thresholds.checkpointStaleSeconds * 1000,
    }),
  );
  const samples = lagMetricSamples(report, config.probes);
  await publishMetrics(cloudwatch, samples, { highResolution: true });
  metrics.addMetric('ProbeErrors', MetricUnit.Count, report.errors.length);
  logger.info('lag probe', { flow: report.flow, reachable: report.reachable, rpoMs: report.lag?.rpoMs, errors: report.errors, published: samples.length });
  return toJson({ ...report, lag: report.lag && { ...report.lag, partitions: report.lag.partitions.length } });
}

export const handler = lambdaHandler(lagProbe, { withMetrics: true });
