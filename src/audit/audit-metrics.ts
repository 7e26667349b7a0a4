// An audit's findings as CloudWatch samples: one count per severity, zeros included, so the
// audit alarm sees a fixed flow go back to 0.
import type { MetricSample } from '#src/cloudwatch/publish';
import { Metric } from '#src/metrics';
import { SEVERITIES } from './finding';
import type { FlowAudit } from './audit';

export function auditMetricSamples(audit: FlowAudit): MetricSample[] {
  const timestamp = new Date(audit.at);
  return SEVERITIES.map((severity) => ({ metric: Metric.AuditFindings, dimensions: { Flow: audit.flow, Severity: severity }, value: audit.counts[severity], timestamp }));
}
