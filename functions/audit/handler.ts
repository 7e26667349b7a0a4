// Scheduled per flow ({"flow": "dc1->dc2"}): the production checklist audit. Reads the flow's
// MM2 connector settings on Connect and the topics on both clusters, changes nothing, and
// publishes the findings by severity (AuditFindings), which the flow's audit alarm watches.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { auditFlow } from '#src/audit/audit';
import { auditMetricSamples } from '#src/audit/audit-metrics';
import { publishMetrics } from '#src/cloudwatch/publish';
import { findFlow } from '#src/config/estate';
import { flowsOf } from '#src/flow';
import { connectClientFor } from '../runtime/connect';
import { estateConfig } from '../runtime/estate-config';
import { withProbeClients } from '../runtime/kafka-clients';
import { lambdaHandler, logger, tracer } from '../runtime/powertools';

const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

export interface AuditEvent {
  flow: string;
}

async function audit(event: AuditEvent) {
  const config = estateConfig();
  const flow = findFlow(config, event.flow);
  const connect = await connectClientFor(flow);
  const report = await withProbeClients(config.clusters, 'kafka-dr-audit', (clients) => auditFlow(flow, flowsOf(config), { connect, admin: clients.admin }));
  await publishMetrics(cloudwatch, auditMetricSamples(report));
  logger.info('production checklist audit', { flow: report.flow, counts: report.counts, findings: report.findings.map((f) => `${f.severity} ${f.id} (${f.subject})`) });
  return report;
}

export const handler = lambdaHandler(audit);
