// A finding of the production checklist: what is wrong on which flow, how badly, what shows
// it and what to do. Ids are stable across runs, so a finding is tracked until it is fixed.

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
/** critical: a failover would lose data or fail; warning: it would cost more than it must; info: worth knowing. */
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  /** What is checked, e.g. `mm2-compression-off`. */
  id: string;
  severity: Severity;
  flow: string;
  /** The connector, topic or cluster the finding is about. */
  subject: string;
  /** What was read that shows it. */
  evidence: string;
  fix: string;
}

/** Findings counted by severity, every severity present. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** Findings listing names show at most this many. */
const LISTED = 10;

/** Names for a finding's evidence: the first LISTED, and how many more. */
export const listed = (names: readonly string[]) => `${names.slice(0, LISTED).join(', ')}${names.length > LISTED ? ` and ${names.length - LISTED} more` : ''}`;
