// Where a consumer group resumes on the target, decided from numbers alone: offset-sync
// anchors, checkpoints, record fingerprints and end offsets in; a target offset, the reason
// it could not be exact, the window of records read again, and what to do with the group's
// commit out. Reading those numbers from the clusters is consumer-offsets.ts's job, so that
// every decision here can be checked without Kafka.
import { positionKey, type Fingerprint, type RecordPosition } from '#src/kafka/record-fingerprints';
import type { OffsetSync } from '#src/mm2/records';
import type { ReplicationPolicy } from '#src/mm2/replication-policy';

/** One record's offsets on the two clusters, from an MM2 offset sync. */
export interface Anchor {
  source: bigint;
  target: bigint;
}

/** `return`: a failback brings a group home through the reverse flow, whose syncs map the other way. */
export type Direction = 'forward' | 'return';

export function anchorOf(sync: Pick<OffsetSync, 'upstreamOffset' | 'downstreamOffset'>, direction: Direction): Anchor {
  return direction === 'forward' ? { source: sync.upstreamOffset, target: sync.downstreamOffset } : { source: sync.downstreamOffset, target: sync.upstreamOffset };
}

/** The anchor nearest below (or at) a source position: MM2 guarantees the mapping only there. */
export function anchorAtOrBefore(anchors: readonly Anchor[], position: bigint): Anchor | undefined {
  let best: Anchor | undefined;
  for (const a of anchors) if (a.source <= position && (!best || a.source >= best.source)) best = a;
  return best;
}

export interface TopicRoute {
  /** Where the group's source topic lives on the target. */
  topic: string;
  /** The topic the offset syncs of this route are keyed by. */
  syncsTopic: string;
  direction: Direction;
}

export interface FlowNaming {
  policy: Pick<ReplicationPolicy, 'type' | 'separator' | 'remoteTopic' | 'isInternalTopic'>;
  source: string;
  target: string;
  /** The flow's topic filter, as MM2 applies it. */
  replicates: (topic: string) => boolean;
  /** Failing back over the flow: the reverse flow's offset syncs are there to bring groups home. */
  failingBack: boolean;
}

/**
 * The target topic of a topic a group reads on the source, or undefined when the flow does
 * not replicate it. Failing back, groups also sit on replicas of the target's own topics
 * ("dc1.orders" on dc2): those go home ("orders" on dc1), which only prefixed names can say.
 */
export function routeTopic(topic: string, flow: FlowNaming): TopicRoute | undefined {
  const homePrefix = `${flow.target}${flow.policy.separator}`;
  if (flow.failingBack && flow.policy.type === 'default' && topic.startsWith(homePrefix)) {
    const home = topic.slice(homePrefix.length);
    return { topic: home, syncsTopic: home, direction: 'return' };
  }
  if (!flow.replicates(topic) || flow.policy.isInternalTopic(topic)) return undefined;
  return { topic: flow.policy.remoteTopic(flow.source, topic), syncsTopic: topic, direction: 'forward' };
}

/** (source, target) positions whose records must be the same record. */
export type FingerprintCheck = [RecordPosition, RecordPosition];

export interface ExactTranslation {
  targetOffset: bigint;
  /** The next record to read, then (unless at the sync) the last one read. */
  checks: [FingerprintCheck, ...FingerprintCheck[]];
}

/**
 * A group's committed source position translated through the newest offset sync at or
 * before it (downstream + distance), with the records to compare before trusting it: the
 * next one to read and the last one read, except at the sync itself: the record before a
 * sync may sit anywhere on the target. `why` when no sync covers the position.
 */
export function translatePosition(anchors: readonly Anchor[], position: RecordPosition, targetTopic: string): ExactTranslation | { why: string } {
  const anchor = anchorAtOrBefore(anchors, position.offset);
  if (!anchor) return { why: `no offset sync at or before offset ${position.offset} of ${position.topic}-${position.partition}` };
  const targetOffset = anchor.target + (position.offset - anchor.source);
  const onTarget = { topic: targetTopic, partition: position.partition, offset: targetOffset };
  const next: FingerprintCheck = [position, onTarget];
  if (position.offset === anchor.source) return { targetOffset, checks: [next] };
  return { targetOffset, checks: [next, [{ ...position, offset: position.offset - 1n }, { ...onTarget, offset: targetOffset - 1n }]] };
}

/** Why the fingerprints (keyed by positionKey) refute an exact translation, or undefined when they confirm it. */
export function fingerprintMismatch([next, previous]: ExactTranslation['checks'], onSource: ReadonlyMap<string, Fingerprint>, onTarget: ReadonlyMap<string, Fingerprint>): string | undefined {
  const same = ([source, target]: FingerprintCheck) => onSource.get(positionKey(source)) === onTarget.get(positionKey(target));
  // Both absent at the next position means the group had read everything and the target holds
  // nothing more; the last record read must still be there to say both ends are the same place.
  if (same(next) && (!previous || (same(previous) && onSource.has(positionKey(previous[0]))))) return undefined;
  const [source, target] = next;
  return `the records around offset ${source.offset} of ${source.topic}-${source.partition} and offset ${target.offset} of ${target.topic}-${target.partition} differ (transaction markers, compaction or records not yet replicated)`;
}

/** Where a partition goes when exact translation failed for `why`: MM2's checkpoint, or nowhere without one. */
export function checkpointFallback(checkpointOffset: bigint | undefined, why: string): { targetOffset: bigint; method: 'checkpoint'; fallback: string } | { untranslated: string } {
  if (checkpointOffset === undefined) return { untranslated: `${why}, and MM2 has no checkpoint for it: left unchanged` };
  return { targetOffset: checkpointOffset, method: 'checkpoint', fallback: why };
}

/**
 * Records [from, to) consumers resuming at a checkpoint may read a second time: all the
 * replica holds after it (`replicaEnd`, its end offset), since MM2's checkpoints lag the
 * group's commits; empty when the checkpoint is at or beyond the end, or the end is unknown.
 */
export function duplicateWindow(checkpointOffset: bigint, replicaEnd: bigint | undefined): { from: bigint; to: bigint } {
  return { from: checkpointOffset, to: replicaEnd !== undefined && replicaEnd > checkpointOffset ? replicaEnd : checkpointOffset };
}

/** `ahead`: the target is already further on; offsets never move backwards. */
export type OffsetAction = 'commit' | 'unchanged' | 'ahead';

export function offsetAction(currentOffset: bigint | null, targetOffset: bigint): OffsetAction {
  if (currentOffset === null || currentOffset < targetOffset) return 'commit';
  return currentOffset === targetOffset ? 'unchanged' : 'ahead';
}
