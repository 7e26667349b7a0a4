// The checklist items MM2 leaves to the operator: ACLs, client quotas and topic configs,
// compared between a flow's source and target.
import type { Admin } from '@platformatic/kafka';
import { DRIFT_CHECKS } from '#src/drift/checks';
import { DRIFT_KINDS, type DriftKind } from '#src/drift/drift';
import type { Flow } from '#src/flow';
import { listed, type Finding, type Severity } from './finding';

const FINDINGS: { [K in DriftKind]: { id: string; severity: Severity; evidence: (flow: Flow, count: number) => string } } = {
  // After a failover the target answers the moved clients with authorization errors.
  acls: { id: 'acl-drift', severity: 'critical', evidence: (flow, n) => `${flow.target} would refuse ${n} ACL binding(s) ${flow.source} grants` },
  quotas: { id: 'quota-drift', severity: 'warning', evidence: (flow, n) => `the quotas of ${n} client entities of ${flow.source} missing or different on ${flow.target}` },
  configs: { id: 'topic-config-drift', severity: 'warning', evidence: (flow, n) => `${n} topic config(s) of ${flow.source} different on their replicas on ${flow.target}` },
};

export async function driftFindings(flow: Flow, source: Admin, target: Admin): Promise<Finding[]> {
  const drifts = await Promise.all(DRIFT_KINDS.map(async (kind) => ({ kind, differences: await DRIFT_CHECKS[kind].compare(flow, source, target) })));
  return drifts
    .filter((d) => d.differences.length > 0)
    .map(({ kind, differences }) => ({
      id: FINDINGS[kind].id,
      severity: FINDINGS[kind].severity,
      flow: flow.name,
      subject: flow.target,
      evidence: `${FINDINGS[kind].evidence(flow, differences.length)}: ${listed(differences.map((d) => d.what))}`,
      fix: `kafka-dr sync ${kind} --flow ${flow.name} writes them to ${flow.target} and reads them back (--dry-run lists the writes first)`,
    }));
}
