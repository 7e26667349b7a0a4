// The production checklist of one flow, read from what runs: its MM2 connectors' settings on
// Connect, the topics on both clusters, what MM2 does not carry (ACLs, quotas, topic
// configs), and the round trips to both clusters and to Connect. Nothing is changed.
import type { Admin } from '@platformatic/kafka';
import type { ConnectClient } from '#src/connect/client';
import type { Flow } from '#src/flow';
import { topicLayouts } from '#src/kafka/partition-state';
import { reachable } from '#src/probes/lag-probe';
import { medianRoundTripMs, metadataRttMs } from '#src/probes/link-transfer';
import { driftFindings } from './drift-findings';
import { countBySeverity, type Finding, type Severity } from './finding';
import { mm2SettingFindings } from './mm2-settings';
import { mm2TaskLoadFindings } from './mm2-task-load';
import { placementFindings, type RoundTrips } from './placement';
import { replicaTopicFindings } from './replica-topics';

/** Round trips timed per endpoint, as the bandwidth probe times LinkRtt. */
const RTT_SAMPLES = 5;

export interface FlowAudit {
  flow: string;
  at: string;
  findings: Finding[];
  counts: Record<Severity, number>;
}

export interface AuditClients {
  connect: ConnectClient;
  admin: (cluster: string) => Promise<Admin>;
}

/**
 * Audits `flow`; `flows` are the estate's, to tell a topic no flow copies. The target must
 * answer; without the source, the checks that compare with it are left out and a finding says so.
 */
export async function auditFlow(flow: Flow, flows: readonly Flow[], clients: AuditClients, now = new Date()): Promise<FlowAudit> {
  const { connectors } = flow.mm2;
  const [source, checkpoint] = await Promise.all([clients.connect.config(connectors.source), clients.connect.config(connectors.checkpoint)]);
  const findings = mm2SettingFindings(flow, connectors, { source, checkpoint });

  const [sourceAdmin, targetAdmin] = await Promise.all([reachable(clients.admin(flow.source)), reachable(clients.admin(flow.target))]);
  if (!targetAdmin) throw new Error(`audit of ${flow.name}: target cluster ${flow.target} is unreachable; check the cluster and the control plane's network path to it`);
  const [sourceTopics, targetTopics] = await Promise.all([sourceAdmin ? topicLayouts(sourceAdmin) : null, topicLayouts(targetAdmin)]);
  if (!sourceTopics) {
    findings.push({
      id: 'source-unreachable',
      severity: 'warning',
      flow: flow.name,
      subject: flow.source,
      evidence: `source cluster ${flow.source} did not answer a metadata request`,
      fix: 'the topic checks against the source were left out: run the audit again once it answers',
    });
  }
  // One after another: round trips timed side by side would measure each other.
  const answered = (ms: Promise<number>) => ms.catch(() => null);
  const rtt: RoundTrips = {
    sourceMs: sourceAdmin ? await answered(metadataRttMs(sourceAdmin, RTT_SAMPLES)) : null,
    targetMs: await answered(metadataRttMs(targetAdmin, RTT_SAMPLES)),
    connectMs: await answered(medianRoundTripMs(() => clients.connect.serverInfo(), RTT_SAMPLES)),
  };
  findings.push(...placementFindings(flow, rtt));
  const fromSameSource = flows.filter((f) => f.source === flow.source);
  findings.push(...replicaTopicFindings(flow, sourceTopics, targetTopics, (topic) => fromSameSource.some((f) => f.replicates(topic))));
  if (sourceTopics) findings.push(...mm2TaskLoadFindings(flow, source, sourceTopics));
  if (sourceAdmin) findings.push(...(await driftFindings(flow, sourceAdmin, targetAdmin)));
  return { flow: flow.name, at: now.toISOString(), findings, counts: countBySeverity(findings) };
}
