// The bandwidth probe's arithmetic: rates from two snapshots (retention, recreated and new
// topics), headroom, backlog and catch-up ETA, the samples it publishes, and a run that
// reaches no cluster.
import { flowOf } from '#src/flow';
import { Metric, NEVER_SECONDS } from '#src/metrics';
import { bandwidthMetricSamples } from '#src/probes/bandwidth-metrics';
import { backlogBytes, catchUpEtaSeconds, headroom, median, peakOf, rateBetween, topicDelta, topicTotals } from '#src/probes/bandwidth-math';
import { emptyBandwidthReport, runBandwidthProbe, type BandwidthReport } from '#src/probes/bandwidth-probe';
import type { BandwidthState, SideSnapshot, TopicTotals } from '#src/probes/probe-state';
import { partitionKey, type PartitionState } from '#src/kafka/partition-state';

const totals = (end: number, start: number, bytes: number): TopicTotals => ({ end: BigInt(end), start: BigInt(start), bytes: BigInt(bytes) });
const side = (at: number, topics: Record<string, TopicTotals>): SideSnapshot => ({ at, topics: new Map(Object.entries(topics)) });
const state = (topic: string, partition: number, earliest: number, latest: number): PartitionState => ({
  topic,
  partition,
  earliest: BigInt(earliest),
  latest: BigInt(latest),
  newestTimestamp: null,
});

describe('topicTotals', () => {
  it('sums log-end, log-start offsets and sizes over each topic\'s partitions', () => {
    const sizes = new Map([
      [partitionKey('a', 0), 1000n],
      [partitionKey('a', 1), 500n],
      [partitionKey('b', 0), 70n],
    ]);
    expect(topicTotals([state('a', 0, 2, 10), state('a', 1, 0, 5), state('b', 0, 0, 1), state('c', 0, 0, 0)], sizes)).toEqual(
      new Map([
        ['a', totals(15, 2, 1500)],
        ['b', totals(1, 0, 70)],
        ['c', totals(0, 0, 0)],
      ]),
    );
  });
});

describe('rateBetween', () => {
  it('turns offset and size deltas into records/s and bytes/s over the interval', () => {
    const { rate, skipped } = rateBetween(
      side(1_000, { a: totals(100, 0, 10_000), b: totals(0, 0, 0) }),
      side(61_000, { a: totals(700, 0, 70_000), b: totals(60, 0, 6_000) }),
    );
    expect(skipped).toEqual([]);
    expect(rate).toEqual({ recordsPerSecond: 11, bytesPerSecond: 1100, intervalSeconds: 60, topics: 2 });
  });

  it('adds back what retention deleted, at the previous average record size', () => {
    // 1000 records held in 100 kB (100 B each); retention removed 400 of them, 300 new ones arrived.
    expect(topicDelta(totals(1000, 0, 100_000), totals(1300, 400, 90_000))).toEqual({ records: 300n, bytes: 30_000n });
    const { rate } = rateBetween(side(0, { a: totals(1000, 0, 100_000) }), side(10_000, { a: totals(1300, 400, 90_000) }));
    expect(rate).toMatchObject({ recordsPerSecond: 30, bytesPerSecond: 3000 });
  });

  it('skips a topic whose offsets went backwards (deleted and recreated) instead of publishing a negative rate', () => {
    const { rate, skipped } = rateBetween(
      side(0, { old: totals(5000, 100, 500_000), steady: totals(10, 0, 1000) }),
      side(10_000, { old: totals(20, 0, 2000), steady: totals(110, 0, 11_000) }),
    );
    expect(skipped).toEqual([{ topic: 'old', reason: expect.stringMatching(/went backwards/) }]);
    expect(rate).toEqual({ recordsPerSecond: 10, bytesPerSecond: 1000, intervalSeconds: 10, topics: 1 });
  });

  it('skips a topic whose size shrank without retention (compaction)', () => {
    expect(topicDelta(totals(100, 0, 10_000), totals(110, 0, 4_000))).toEqual({ skipped: expect.stringMatching(/shrank/) });
  });

  it('skips a topic new since the previous run once; a deleted topic is simply gone', () => {
    const { rate, skipped } = rateBetween(side(0, { gone: totals(100, 0, 100), kept: totals(0, 0, 0) }), side(5_000, { kept: totals(50, 0, 500), fresh: totals(9, 0, 90) }));
    expect(skipped).toEqual([{ topic: 'fresh', reason: 'new since the previous run' }]);
    expect(rate).toEqual({ recordsPerSecond: 10, bytesPerSecond: 100, intervalSeconds: 5, topics: 1 });
  });

  it('has no rate when every topic had to be skipped, or the interval is not positive', () => {
    expect(rateBetween(side(0, { a: totals(10, 5, 10) }), side(1000, { a: totals(1, 0, 1) })).rate).toBeNull();
    expect(rateBetween(side(0, {}), side(1000, { a: totals(1, 0, 1) })).rate).toBeNull();
    expect(rateBetween(side(1000, { a: totals(1, 0, 1) }), side(1000, { a: totals(2, 0, 2) })).rate).toBeNull();
  });

  it('reads zero, not nothing, for a flow without topics', () => {
    expect(rateBetween(side(0, {}), side(2000, {})).rate).toEqual({ recordsPerSecond: 0, bytesPerSecond: 0, intervalSeconds: 2, topics: 0 });
  });
});

describe('peak, headroom, backlog and catch-up ETA', () => {
  it('takes the peak over what CloudWatch holds and the current sample', () => {
    expect(peakOf(500, 800)).toBe(800);
    expect(peakOf(900, 800)).toBe(900);
    expect(peakOf(null, 800)).toBe(800);
    expect(peakOf(900, null)).toBe(900);
    expect(peakOf(null, null)).toBeNull();
  });

  it('headroom is capacity / peak, unknown without demand', () => {
    expect(headroom(10_000_000, 4_000_000)).toBe(2.5);
    expect(headroom(1_000, 2_000)).toBe(0.5);
    expect(headroom(1_000, 0)).toBeNull();
  });

  it('ETA is backlog / (capacity - demand), 0 without backlog, NEVER_SECONDS when demand takes the whole link', () => {
    expect(catchUpEtaSeconds(6_000_000, 1_000_000, 400_000)).toBe(10);
    expect(catchUpEtaSeconds(0, 1_000_000, 400_000)).toBe(0);
    expect(catchUpEtaSeconds(0, 100, 400_000)).toBe(0);
    expect(catchUpEtaSeconds(1, 1_000_000, 1_000_000)).toBe(NEVER_SECONDS);
    expect(catchUpEtaSeconds(1, 1_000_000, 2_000_000)).toBe(NEVER_SECONDS);
    expect(catchUpEtaSeconds(1e12, 1.0001, 1)).toBe(NEVER_SECONDS); // capped: CloudWatch gets a finite, comparable number
  });

  it('backlog bytes are unreplicated records at each topic\'s average record size on the source', () => {
    const source = new Map([
      ['a', totals(1100, 100, 200_000)], // 200 B a record
      ['b', totals(10, 0, 10_000)], // 1 kB a record
      ['empty', totals(0, 0, 0)],
    ]);
    const lag = [
      { topic: 'a', unreplicatedRecords: 50n },
      { topic: 'b', unreplicatedRecords: 2n },
      { topic: 'empty', unreplicatedRecords: 0n },
      { topic: 'unknown', unreplicatedRecords: 7n },
    ];
    expect(backlogBytes(lag, source)).toBe(50 * 200 + 2 * 1000);
    expect(backlogBytes([], source)).toBe(0);
  });

  it('median of RTT samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

const report = (over: Partial<BandwidthReport>): BandwidthReport => ({
  ...emptyBandwidthReport('dc1->dc2', Date.UTC(2025, 0, 1)),
  reachable: { source: true, target: true },
  ...over,
});

describe('bandwidthMetricSamples', () => {
  it('publishes each measured value under its Metric spec, with the Flow dimension and the run time', () => {
    const full = report({
      demand: { bytesPerSecond: 1000, recordsPerSecond: 10, intervalSeconds: 60, topics: 2 },
      replicated: { bytesPerSecond: 900, recordsPerSecond: 9, intervalSeconds: 60, topics: 2 },
      capacity: { bytes: 4 << 20, ms: 400, bytesPerSecond: 1e7, complete: true },
      rttMs: 1.5,
      peakDemandBytesPerSecond: 2000,
      headroom: 5000,
      backlog: { records: 3n, bytes: 300 },
      catchUpEtaSeconds: NEVER_SECONDS,
    });
    const samples = bandwidthMetricSamples(full);
    expect(samples.map((s) => [s.metric, s.value])).toEqual([
      [Metric.DemandBytes, 1000],
      [Metric.DemandRecords, 10],
      [Metric.ReplicatedBytes, 900],
      [Metric.ReplicatedRecords, 9],
      [Metric.LinkCapacity, 1e7],
      [Metric.LinkRtt, 1.5],
      [Metric.PeakDemandBytes, 2000],
      [Metric.Headroom, 5000],
      [Metric.BacklogBytes, 300],
      [Metric.CatchUpEta, NEVER_SECONDS],
    ]);
    expect(new Set(samples.map((s) => JSON.stringify(s.dimensions)))).toEqual(new Set([JSON.stringify({ Flow: 'dc1->dc2' })]));
    expect(samples.every((s) => s.timestamp?.getTime() === full.at)).toBe(true);
  });

  it('leaves out what was not measured (a first run publishes no rates)', () => {
    const first = report({ firstSnapshot: { source: true, target: true }, capacity: { bytes: 1, ms: 1, bytesPerSecond: 1000, complete: true }, rttMs: 2, backlog: { records: 0n, bytes: 0 }, catchUpEtaSeconds: 0 });
    expect(bandwidthMetricSamples(first).map((s) => s.metric.name)).toEqual(['LinkCapacity', 'LinkRtt', 'BacklogBytes', 'CatchUpEta']);
    expect(bandwidthMetricSamples(report({ reachable: { source: false, target: false } }))).toEqual([]);
  });
});

describe('runBandwidthProbe', () => {
  const flow = flowOf({
    source: 'dc1',
    target: 'dc2',
    topics: { include: ['.*'], exclude: [] },
    replicationPolicy: { type: 'default', separator: '.' },
    mm2: { connectUrl: 'http://connect:8083', connectors: { source: 's', checkpoint: 'c', heartbeat: 'h' }, emitCheckpoints: true, syncGroupOffsets: false, offsetSyncsTopicLocation: 'source' },
  });

  it('reports unreachable clusters and what it could not do as values, and keeps the previous snapshot', async () => {
    const previous: BandwidthState = { at: 1, source: side(1, { a: totals(1, 0, 1) }), target: null };
    const saved: BandwidthState[] = [];
    const down = (name: string) => Promise.reject(new Error(`${name} is down`));
    const result = await runBandwidthProbe(
      flow,
      {
        admin: down,
        fetcher: down,
        producer: down,
        state: { load: async () => previous, save: async (_, s) => void saved.push(s) },
        peakDemand: () => Promise.reject(new Error('throttled')),
      },
      { transferBytes: 1 << 20, windowMinutes: 60, now: () => 1000 },
    );
    expect(result.reachable).toEqual({ source: false, target: false });
    expect(result.errors).toEqual(['source cluster dc1 unreachable', 'target cluster dc2 unreachable', 'reading the peak demand from CloudWatch: throttled']);
    expect(result).toMatchObject({ demand: null, replicated: null, capacity: null, rttMs: null, peakDemandBytesPerSecond: null, headroom: null, backlog: null, catchUpEtaSeconds: null });
    expect(saved).toEqual([]); // nothing new measured: the stored snapshot stays as it was
    expect(bandwidthMetricSamples(result)).toEqual([]);
  });
});
