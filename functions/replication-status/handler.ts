// Reports, per MM2 flow, the mirrored topics and the age of the newest heartbeat and
// checkpoints. Input: optional {"flow": "dc1->dc2"} to report one flow.
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { findFlow } from '#src/config/estate';
import { estateConfig } from '../runtime/estate-config';
import { estateKafka } from '#src/kafka/connection';
import { flowStatus, type FlowStatus } from '#src/replication-status';
import { SecretReader } from '#src/secrets';

const logger = new Logger();
const tracer = new Tracer();
const metrics = new Metrics({ namespace: 'KafkaDR/Probes' });
const secrets = new SecretReader();

export interface ReplicationStatusEvent {
  flow?: string;
}

async function replicationStatus(event: ReplicationStatusEvent | undefined): Promise<{ flows: FlowStatus[] }> {
  const config = estateConfig();
  const flows = event?.flow ? [findFlow(config, event.flow)] : config.flows;
  const kafkaFor = estateKafka(config.clusters, secrets);
  const statuses = await Promise.all(flows.map((flow) => flowStatus(flow, kafkaFor)));
  for (const s of statuses) logger.info('flow status', { flow: s.flow, reachable: s.reachable, heartbeatAgeMs: s.heartbeat.ageMs, errors: s.errors });
  metrics.addMetric('StatusErrors', MetricUnit.Count, statuses.reduce((n, s) => n + s.errors.length, 0));
  return { flows: statuses };
}

export const handler = middy(replicationStatus).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
