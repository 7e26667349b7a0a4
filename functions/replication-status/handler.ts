// Reports, per MM2 flow, the mirrored topics and the age of the newest heartbeat and
// checkpoints. Input: optional {"flow": "dc1->dc2"} to report one flow.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { findFlow } from '#src/config/estate';
import { flowsOf } from '#src/flow';
import { flowStatus, type FlowStatus } from '#src/replication-status';
import { estateConfig } from '../runtime/estate-config';
import { openKafkaClients } from '../runtime/kafka-clients';
import { lambdaHandler, logger, metrics } from '../runtime/powertools';


export interface ReplicationStatusEvent {
  flow?: string;
}

async function replicationStatus(event: ReplicationStatusEvent | undefined): Promise<{ flows: FlowStatus[] }> {
  const config = estateConfig();
  const flows = event?.flow ? [findFlow(config, event.flow)] : flowsOf(config);
  const kafka = openKafkaClients(config.clusters, 'kafka-dr-status', {});
  const statuses = await Promise.all(flows.map((flow) => flowStatus(flow, kafka.clients))).finally(() => kafka.close());
  for (const s of statuses) logger.info('flow status', { flow: s.flow, reachable: s.reachable, heartbeatAgeMs: s.heartbeat.ageMs, errors: s.errors });
  metrics.addMetric('StatusErrors', MetricUnit.Count, statuses.reduce((n, s) => n + s.errors.length, 0));
  return { flows: statuses };
}

export const handler = lambdaHandler(replicationStatus, { withMetrics: true });
