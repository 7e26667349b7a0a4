// What a failover tells people: the offset sync in numbers small enough for a Step
// Functions payload (256 KB; the full plan goes to the step's log), and the final report
// with what was done, what was not, and how long each step took.
import type { ConsumerOffsetsPlan, ConsumerOffsetsResult } from './consumer-offsets';
import type { ExecutionState } from './execution-state';

/** At most this many duplicate windows and fallbacks are listed in the payload (largest first). */
const LISTED = 50;

export interface OffsetSyncSummary {
  mode: ConsumerOffsetsPlan['mode'];
  dryRun: boolean;
  synced: boolean;
  groups: number;
  partitions: { exact: number; checkpoint: number; commit: number; unchanged: number; ahead: number };
  committedGroups: number;
  /** The lists below hold at most LISTED entries; the counts are complete. */
  skippedActiveGroups: number;
  skippedActive: ConsumerOffsetsResult['skippedActive'];
  failedGroups: number;
  failed: ConsumerOffsetsResult['failed'];
  untranslatedPartitions: number;
  untranslated: ConsumerOffsetsPlan['untranslated'];
  mismatches: number;
  /** Records consumers may read again, summed over every window. */
  duplicateRecords: number;
  duplicateWindows: { group: string; topic: string; partition: number; from: number; to: number; records: number }[];
  fallbacks: { group: string; topic: string; partition: number; why: string }[];
}

export function summarizeOffsetSync(plan: ConsumerOffsetsPlan, result: ConsumerOffsetsResult | null): OffsetSyncSummary {
  const partitions = plan.groups.flatMap((g) => g.partitions.map((p) => ({ group: g.group, ...p })));
  const count = (f: (p: (typeof partitions)[number]) => boolean) => partitions.filter(f).length;
  const skipped = result?.skippedActive ?? plan.groups.filter((g) => g.targetMembers > 0).map((g) => ({ group: g.group, members: g.targetMembers }));
  const windows = partitions
    .flatMap(({ group, topic, partition, duplicateWindow: w }) =>
      w && w.to > w.from ? [{ group, topic, partition, from: Number(w.from), to: Number(w.to), records: Number(w.to - w.from) }] : [],
    )
    .sort((a, b) => b.records - a.records);
  return {
    mode: plan.mode,
    dryRun: result === null,
    synced: result !== null && result.failed.length === 0 && result.mismatches.length === 0,
    groups: plan.groups.length,
    partitions: {
      exact: count((p) => p.method === 'exact'),
      checkpoint: count((p) => p.method === 'checkpoint'),
      commit: count((p) => p.action === 'commit'),
      unchanged: count((p) => p.action === 'unchanged'),
      ahead: count((p) => p.action === 'ahead'),
    },
    committedGroups: result?.committed.length ?? 0,
    skippedActiveGroups: skipped.length,
    skippedActive: skipped.slice(0, LISTED),
    failedGroups: result?.failed.length ?? 0,
    failed: (result?.failed ?? []).slice(0, LISTED),
    untranslatedPartitions: plan.untranslated.length,
    untranslated: plan.untranslated.slice(0, LISTED),
    mismatches: result?.mismatches.length ?? 0,
    duplicateRecords: windows.reduce((n, w) => n + w.records, 0),
    duplicateWindows: windows.slice(0, LISTED),
    fallbacks: partitions.flatMap(({ group, topic, partition, fallback }) => (fallback ? [{ group, topic, partition, why: fallback }] : [])).slice(0, LISTED),
  };
}

/** The workflow's steps in order, as the state machine stores their results under $.steps. */
export const STEP_ORDER = ['begin', 'preflight', 'drain', 'haltReplication', 'syncOffsets', 'repointDns', 'dnsChange'] as const;

export interface FailoverReport {
  executionName: string;
  flow: string;
  mode: string;
  dryRun: boolean;
  force: boolean;
  reason: string;
  status: 'SUCCEEDED' | 'FAILED';
  failure?: { state: string; error: string; cause: string };
  summary: string;
  done: string[];
  notDone: string[];
  /** Milliseconds from the previous step's end (or the execution start) to this step's end: Wait loops included. */
  durationsMs: Record<string, number>;
  totalMs: number;
  steps: ExecutionState['steps'];
}

export function failoverReport(state: ExecutionState, failure: FailoverReport['failure'] | undefined, finishedAt: Date): FailoverReport {
  const { request, steps } = state;
  const durationsMs: Record<string, number> = {};
  let previous = Date.parse(request.startedAt);
  for (const step of STEP_ORDER) {
    const end = steps[step]?.finishedAt;
    if (!end) continue;
    durationsMs[step] = Date.parse(end) - previous;
    previous = Date.parse(end);
  }
  const done = STEP_ORDER.filter((s) => steps[s]);
  const notDone = STEP_ORDER.filter((s) => !steps[s] && !(s === 'drain' && request.mode === 'unplanned'));
  const offsets = steps.syncOffsets as unknown as OffsetSyncSummary | undefined;

  const home = (steps.preflight as { moves?: { home: string | null } } | undefined)?.moves?.home;
  const rpo = (steps.preflight as { rpo?: { rpoMs: number | null; unreplicatedRecords: number | null; method: string } } | undefined)?.rpo;
  const verb = request.dryRun ? 'dry run' : 'failover';
  const syncFailed = state.forcedPast !== null || (offsets !== undefined && !offsets.synced && !request.dryRun);
  const parts = [
    !failure && request.force && syncFailed ? `FORCED: the bootstrap record was repointed although the offset sync failed (${state.forcedPast?.Error ?? 'incomplete, see steps.syncOffsets'})` : undefined,
    failure ? `${request.flow} ${verb} FAILED in ${failure.state}: ${failure.cause}` : `${request.flow} ${verb} succeeded${request.dryRun ? ' (nothing changed)' : `: ${home ? `${home}'s clients` : 'clients'} now on ${request.target}`}`,
    rpo ? `RPO estimate ${rpo.rpoMs === null ? 'unknown' : `${(rpo.rpoMs / 1000).toFixed(1)} s`}, ${rpo.unreplicatedRecords ?? 'unknown'} records unreplicated (${rpo.method})` : undefined,
    offsets && request.dryRun
      ? `${offsets.groups - offsets.skippedActiveGroups} groups would be synced (partitions: ${offsets.partitions.exact} exact, ${offsets.partitions.checkpoint} from checkpoints; ${offsets.partitions.commit} offsets to change), ${offsets.skippedActiveGroups} would be skipped (active on ${request.target}), ${offsets.duplicateRecords} records in duplicate windows`
      : undefined,
    offsets && !request.dryRun ? `${offsets.committedGroups} groups synced, ${offsets.skippedActiveGroups} skipped (active on ${request.target}), ${offsets.failedGroups} failed, ${offsets.duplicateRecords} records in duplicate windows` : undefined,
  ];
  return {
    executionName: request.executionName,
    flow: request.flow,
    mode: request.mode,
    dryRun: request.dryRun,
    force: request.force,
    reason: request.reason,
    status: failure ? 'FAILED' : 'SUCCEEDED',
    ...(failure ? { failure } : {}),
    summary: parts.filter(Boolean).join('; '),
    done,
    notDone,
    durationsMs,
    totalMs: finishedAt.getTime() - Date.parse(request.startedAt),
    steps,
  };
}
