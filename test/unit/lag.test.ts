import type { PartitionState } from '#src/kafka/partition-state';
import { partitionLag, replicatedTo, summarizeLag } from '#src/probes/lag-probe';

const state = (topic: string, partition: number, earliest: bigint, latest: bigint, newest: number | null): PartitionState => ({ topic, partition, earliest, latest, newestTimestamp: newest });

describe('replication lag of a partition', () => {
  const source = state('orders', 0, 100n, 250n, 9_000);

  it('maps the target position back through the newest offset sync (MM2 copies one to one after it)', () => {
    // Sync: source 200 was written at target 40; the target holds up to 45 -> source 205 is replicated.
    const target = state('dc1.orders', 0, 0n, 45n, 8_000);
    expect(replicatedTo(source, target, { topic: 'orders', partition: 0, upstreamOffset: 200n, downstreamOffset: 40n })).toBe(205n);
    const lag = partitionLag(source, 'dc1.orders', target, { topic: 'orders', partition: 0, upstreamOffset: 200n, downstreamOffset: 40n });
    expect(lag).toMatchObject({ lagRecords: 45n, timeLagMs: 1_000 });
  });

  it('counts everything since the log start as at risk when nothing reached the target', () => {
    expect(partitionLag(source, 'dc1.orders', undefined, undefined, 1_000)).toMatchObject({ replicatedTo: 100n, lagRecords: 150n, timeLagMs: 8_000 });
    const empty = state('dc1.orders', 0, 0n, 0n, null);
    expect(partitionLag(source, 'dc1.orders', empty, undefined, 1_000)).toMatchObject({ lagRecords: 150n, timeLagMs: 8_000 });
  });

  it('reads zero lag and zero RPO when the target has caught up, never negative', () => {
    const target = state('dc1.orders', 0, 0n, 150n, 9_000);
    expect(partitionLag(source, 'dc1.orders', target, { topic: 'orders', partition: 0, upstreamOffset: 100n, downstreamOffset: 0n })).toMatchObject({ lagRecords: 0n, timeLagMs: 0 });
    // A target ahead of the sync's arithmetic (e.g. compaction on the source) is clamped to the source end.
    const ahead = state('dc1.orders', 0, 0n, 400n, 9_000);
    expect(replicatedTo(source, ahead, { topic: 'orders', partition: 0, upstreamOffset: 100n, downstreamOffset: 0n })).toBe(250n);
  });

  it('sums per topic and per flow, and takes the worst partition as the RPO', () => {
    const lag = summarizeLag([
      { topic: 'a', partition: 0, remoteTopic: 'a', sourceEnd: 10n, replicatedTo: 7n, lagRecords: 3n, timeLagMs: 300, started: true },
      { topic: 'a', partition: 1, remoteTopic: 'a', sourceEnd: 10n, replicatedTo: 10n, lagRecords: 0n, timeLagMs: 0, started: true },
      { topic: 'b', partition: 0, remoteTopic: 'b', sourceEnd: 90n, replicatedTo: 10n, lagRecords: 80n, timeLagMs: 5_000, started: true },
    ]);
    expect(lag.topics).toEqual([
      { topic: 'a', unreplicatedRecords: 3n, rpoMs: 300 },
      { topic: 'b', unreplicatedRecords: 80n, rpoMs: 5_000 },
    ]);
    expect(lag).toMatchObject({ rpoMs: 5_000, unreplicatedRecords: 83n, maxPartitionLag: 80n });
  });
});
