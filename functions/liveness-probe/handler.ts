// Scheduled per flow every minute ({"flow": "dc1->dc2"}): samples the flow's liveness —
// source and target reachable, MM2 heartbeat age on the target — every
// probes.liveness.sampleSeconds for the minute (and one sample into the next run's), and
// publishes each sample to CloudWatch as soon as it is taken. `samples` (optional) takes
// fewer, e.g. {"flow": "dc1->dc2", "samples": 1} for one look now.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '#src/cloudwatch/publish';
import { findFlow } from '#src/config/estate';
import { runLiveness, sampleLiveness } from '#src/probes/liveness';
import { SAMPLE_TIMEOUT_SECONDS, sampleInstants, samplesPerRun } from '#src/probes/liveness-cadence';
import { livenessMetricSamples } from '#src/probes/liveness-metrics';
import { estateConfig } from '../runtime/estate-config';
import { LIVENESS_CONNECTION, openKafkaClients } from '../runtime/kafka-clients';
import { lambdaHandler, logger, metrics, tracer } from '../runtime/powertools';

const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

export interface LivenessProbeEvent {
  flow: string;
  samples?: number;
}

async function livenessProbe(event: LivenessProbeEvent) {
  const config = estateConfig();
  const flow = findFlow(config, event.flow);
  const { sampleSeconds } = config.probes.liveness;
  const most = samplesPerRun(sampleSeconds);
  const count = event.samples ?? most;
  if (!Number.isInteger(count) || count < 1 || count > most) {
    throw new Error(`samples: expected a whole number from 1 to ${most} (a minute of samples every ${sampleSeconds} s, plus one), got ${JSON.stringify(event.samples)}`);
  }
  const closing: Promise<void>[] = [];
  const samples = await runLiveness({
    instants: sampleInstants(Date.now(), sampleSeconds, count),
    // Fresh clients each sample: reachable means a new connection gets a metadata answer now,
    // not that an old connection to a cluster that may have died still looks open.
    sample: async () => {
      const kafka = openKafkaClients(config.clusters, 'kafka-dr-liveness-probe', LIVENESS_CONNECTION);
      try {
        return await sampleLiveness(flow, kafka.clients.admin, { timeoutMs: SAMPLE_TIMEOUT_SECONDS * 1000 });
      } finally {
        // Not awaited here: a client still connecting to a dead cluster must not hold up publishing.
        closing.push(kafka.close());
      }
    },
    publish: async (sample) => {
      await publishMetrics(cloudwatch, livenessMetricSamples(sample, flow), { highResolution: true });
    },
  });
  await Promise.all(closing);
  const errors = samples.flatMap((s) => s.errors.map((e) => `${new Date(s.at).toISOString()} ${e}`));
  metrics.addMetric('ProbeErrors', MetricUnit.Count, errors.length);
  logger.info('liveness probe', { flow: flow.name, samples: samples.length, sourceReached: samples.filter((s) => s.reachable.source).length, errors });
  return { flow: flow.name, sampleSeconds, samples };
}

export const handler = lambdaHandler(livenessProbe, { withMetrics: true });
