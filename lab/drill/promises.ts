// The promises a failover makes, checked record by record against what the drill saw: the
// producers' ledgers (every acknowledged record), what consumers read before and after
// the switch, what the target holds, and what the probes and the failover report
// announced. A broken promise makes the drill exit non-zero.

export interface ConsumedRecord {
  group: string;
  /** Needed when the group reads several topics on the target. */
  topic?: string;
  partition: number;
  offset: number;
  value: string;
}

export interface DuplicateWindow {
  group: string;
  topic?: string;
  partition: number;
  from: number;
  to: number;
}

export interface DrillObservations {
  mode: 'planned' | 'unplanned';
  /** Values the source acknowledged (acks=all), in order. */
  acknowledged: string[];
  /** How many of them were acknowledged after the last probe run before the source was lost. */
  acknowledgedAfterLastProbe: number;
  /** What that probe run reported unreplicated (records), summed over the drill's topics. */
  reportedUnreplicated: number;
  /** Values the target holds after the failover. */
  onTarget: ReadonlySet<string>;
  /** Per group: what it read on the source before, and on the target after the switch. */
  readBefore: ConsumedRecord[];
  readAfter: ConsumedRecord[];
  /** The failover report's duplicate windows (offsets on the target). */
  windows: DuplicateWindow[];
  groups: string[];
}

export interface PromiseCheck {
  promise: string;
  kept: boolean;
  detail: string;
}

export interface DataOutcome {
  acknowledged: number;
  lost: number;
  duplicates: number;
  duplicatesOutsideWindows: number;
  announcedWindowRecords: number;
  unreadOnTarget: number;
}

export function checkPromises(o: DrillObservations): { outcome: DataOutcome; checks: PromiseCheck[] } {
  const lost = o.acknowledged.filter((v) => !o.onTarget.has(v)).length;
  const announcedLoss = o.reportedUnreplicated + o.acknowledgedAfterLastProbe;
  const sameTopic = (w: DuplicateWindow, r: ConsumedRecord) => w.topic === undefined || r.topic === undefined || w.topic === r.topic;
  const inWindow = (r: ConsumedRecord) => o.windows.some((w) => w.group === r.group && sameTopic(w, r) && w.partition === r.partition && w.from <= r.offset && r.offset < w.to);
  const before = new Map(o.groups.map((g) => [g, new Set(o.readBefore.filter((r) => r.group === g).map((r) => r.value))]));
  const duplicates = o.readAfter.filter((r) => before.get(r.group)?.has(r.value));
  const outside = duplicates.filter((r) => !inWindow(r));
  const unread = o.groups.flatMap((g) => {
    const after = new Set(o.readAfter.filter((r) => r.group === g).map((r) => r.value));
    return [...o.onTarget].filter((v) => !before.get(g)!.has(v) && !after.has(v)).map((v) => `${g}: ${v}`);
  });
  const outcome: DataOutcome = {
    acknowledged: o.acknowledged.length,
    lost,
    duplicates: duplicates.length,
    duplicatesOutsideWindows: outside.length,
    announcedWindowRecords: o.windows.reduce((n, w) => n + (w.to - w.from), 0),
    unreadOnTarget: unread.length,
  };
  const checks: PromiseCheck[] = [
    o.mode === 'planned'
      ? { promise: 'a planned switchover loses nothing', kept: lost === 0, detail: `${lost} of ${o.acknowledged.length} acknowledged records missing on the target` }
      : {
          promise: 'no loss beyond what the probes reported',
          kept: lost <= announcedLoss,
          detail: `${lost} lost; the last probe reported ${o.reportedUnreplicated} unreplicated and ${o.acknowledgedAfterLastProbe} were acknowledged after it`,
        },
    o.mode === 'planned'
      ? { promise: 'a planned switchover re-reads nothing', kept: duplicates.length === 0, detail: `${duplicates.length} records read again on the target` }
      : {
          promise: 'duplicates only inside the announced windows',
          kept: outside.length === 0,
          detail: `${duplicates.length} records read again, ${outside.length} outside the ${o.windows.length} announced windows (${outcome.announcedWindowRecords} records)`,
        },
    {
      promise: 'every consumer resumed on the target',
      kept: unread.length === 0,
      detail: unread.length === 0 ? `${o.groups.length} group(s) read every record on the target they had not read before` : `unread on the target: ${unread.slice(0, 5).join(', ')}${unread.length > 5 ? ` and ${unread.length - 5} more` : ''}`,
    },
  ];
  return { outcome, checks };
}
