// The datacenters' distance, measured from the control plane (deployed beside the target,
// so its round trip to the source approximates the inter-datacenter RTT): where MM2's
// Connect workers run, and what one stretched cluster would cost instead of two replicated ones.
import type { Flow } from '#src/flow';
import type { Finding } from './finding';

/** Median round trip of each (as the bandwidth probe's LinkRtt), in milliseconds; null when it did not answer. */
export interface RoundTrips {
  sourceMs: number | null;
  targetMs: number | null;
  connectMs: number | null;
}

/** Below this difference the source and the target are one site as far as latency tells. */
const SAME_SITE_MS = 5;
/** Below this RTT a stretched cluster's synchronous replication is commonly affordable. */
const STRETCH_AFFORDABLE_MS = 10;

const ms = (value: number) => `${value.toFixed(1)} ms`;

export function placementFindings(flow: Flow, rtt: RoundTrips): Finding[] {
  const findings: Finding[] = [];
  const { sourceMs, targetMs, connectMs } = rtt;
  if (sourceMs === null || targetMs === null) return findings;
  const apart = sourceMs - targetMs > SAME_SITE_MS;
  if (apart && connectMs !== null && Math.abs(connectMs - sourceMs) < Math.abs(connectMs - targetMs)) {
    findings.push({
      id: 'connect-placement',
      severity: 'warning',
      flow: flow.name,
      subject: flow.mm2.connectUrl,
      evidence: `Connect answers in ${ms(connectMs)}, like source ${flow.source} (${ms(sourceMs)}) rather than target ${flow.target} (${ms(targetMs)}), measured from the control plane beside ${flow.target}: MM2's workers seem to run in ${flow.source}'s datacenter`,
      fix: `run the Connect workers of ${flow.name} in ${flow.target}'s datacenter: there they outlive the loss of ${flow.source} (a failover pauses them, checkpoints keep coming until the end), and MM2 fetches across the link, which it tolerates better than producing across it`,
    });
  }
  const cost = `if ${flow.source} and ${flow.target} were one stretched cluster, every acks=all produce would wait about ${ms(sourceMs)} more for a replica in the other datacenter, in exchange for RPO 0 and no failover`;
  findings.push({
    id: 'stretched-vs-replicated',
    severity: 'info',
    flow: flow.name,
    subject: `${flow.source}, ${flow.target}`,
    evidence: `round trip from the control plane beside ${flow.target}: ${ms(sourceMs)} to ${flow.source}, ${ms(targetMs)} to ${flow.target}; ${cost}`,
    fix:
      sourceMs < STRETCH_AFFORDABLE_MS
        ? `at ${ms(sourceMs)} a stretched cluster (rack-aware, min.insync.replicas spanning both datacenters) is worth weighing against replication's RPO`
        : `at ${ms(sourceMs)} replicating with MM2, as now, keeps produces local: nothing to do`,
  });
  return findings;
}
