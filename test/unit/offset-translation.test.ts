import { positionKey, type RecordPosition } from '#src/kafka/record-fingerprints';
import { ReplicationPolicy, topicFilter } from '#src/mm2/replication-policy';
import {
  anchorAtOrBefore,
  anchorOf,
  checkpointFallback,
  duplicateWindow,
  fingerprintMismatch,
  offsetAction,
  routeTopic,
  translatePosition,
  type ExactTranslation,
  type FlowNaming,
} from '#src/failover/offset-translation';

const at = (topic: string, offset: bigint, partition = 0): RecordPosition => ({ topic, partition, offset });
const fingerprints = (entries: [RecordPosition, string][]) => new Map(entries.map(([p, f]) => [positionKey(p), f]));
const exact = (translation: ExactTranslation | { why: string }): ExactTranslation => {
  if ('why' in translation) throw new Error(`expected an exact translation, got: ${translation.why}`);
  return translation;
};

describe('choosing the offset sync a position translates through', () => {
  const syncs = [
    { source: 0n, target: 0n },
    { source: 100n, target: 40n },
    { source: 200n, target: 95n },
  ];

  it('takes the sync at the position itself', () => {
    expect(anchorAtOrBefore(syncs, 100n)).toEqual({ source: 100n, target: 40n });
  });

  it('takes the nearest older sync between two', () => {
    expect(anchorAtOrBefore(syncs, 199n)).toEqual({ source: 100n, target: 40n });
    expect(anchorAtOrBefore(syncs, 5_000n)).toEqual({ source: 200n, target: 95n });
  });

  it('finds none before the first sync', () => {
    expect(anchorAtOrBefore([{ source: 50n, target: 10n }], 49n)).toBeUndefined();
    expect(anchorAtOrBefore([], 0n)).toBeUndefined();
  });

  it('does not depend on the order the syncs were read in, and lets the later of two syncs at one offset win', () => {
    const unsorted = [syncs[2]!, syncs[0]!, syncs[1]!];
    expect(anchorAtOrBefore(unsorted, 150n)).toEqual({ source: 100n, target: 40n });
    expect(anchorAtOrBefore(unsorted, 99n)).toEqual({ source: 0n, target: 0n });
    expect(anchorAtOrBefore([...syncs, { source: 100n, target: 42n }], 150n)).toEqual({ source: 100n, target: 42n });
  });

  it('reads a sync forwards, or backwards when bringing groups home over the reverse flow', () => {
    const sync = { upstreamOffset: 500n, downstreamOffset: 120n };
    expect(anchorOf(sync, 'forward')).toEqual({ source: 500n, target: 120n });
    expect(anchorOf(sync, 'return')).toEqual({ source: 120n, target: 500n });
  });
});

describe('exact translation of a committed position', () => {
  const anchors = [
    { source: 200n, target: 95n },
    { source: 100n, target: 40n },
  ];

  it('adds the distance from the anchor to its target offset, and checks the next and the last record read', () => {
    expect(translatePosition(anchors, at('orders', 130n, 3), 'dc1.orders')).toEqual({
      targetOffset: 70n,
      checks: [
        [at('orders', 130n, 3), at('dc1.orders', 70n, 3)],
        [at('orders', 129n, 3), at('dc1.orders', 69n, 3)],
      ],
    });
  });

  it('lands on the sync target at the sync itself, with only the next record to check (the one before may not map)', () => {
    expect(translatePosition(anchors, at('orders', 200n), 'dc1.orders')).toEqual({ targetOffset: 95n, checks: [[at('orders', 200n), at('dc1.orders', 95n)]] });
  });

  it('says why when no sync covers the position', () => {
    expect(translatePosition(anchors, at('orders', 99n, 2), 'dc1.orders')).toEqual({ why: 'no offset sync at or before offset 99 of orders-2' });
    expect(translatePosition([], at('orders', 0n), 'orders')).toEqual({ why: 'no offset sync at or before offset 0 of orders-0' });
  });

  it('brings a failing-back group home through the reverse flow: dc1.orders 130 on dc2 -> orders 510 on dc1', () => {
    // The reverse flow (dc1 -> dc2) wrote orders@500 on dc1 as dc1.orders@120 on dc2.
    const home = [anchorOf({ upstreamOffset: 500n, downstreamOffset: 120n }, 'return')];
    expect(exact(translatePosition(home, at('dc1.orders', 130n), 'orders')).targetOffset).toBe(510n);
  });
});

describe('verifying an exact translation by record fingerprints', () => {
  const translation = exact(translatePosition([{ source: 100n, target: 40n }], at('orders', 130n), 'dc1.orders'));
  const differ = 'the records around offset 130 of orders-0 and offset 70 of dc1.orders-0 differ (transaction markers, compaction or records not yet replicated)';

  it('accepts it when the next and the last record read are the same records on both clusters', () => {
    const onSource = fingerprints([[at('orders', 130n), 'next'], [at('orders', 129n), 'last']]);
    const onTarget = fingerprints([[at('dc1.orders', 70n), 'next'], [at('dc1.orders', 69n), 'last']]);
    expect(fingerprintMismatch(translation.checks, onSource, onTarget)).toBeUndefined();
  });

  it('rejects it, naming both positions, when either record differs or is missing on the target', () => {
    const onSource = fingerprints([[at('orders', 130n), 'next'], [at('orders', 129n), 'last']]);
    expect(fingerprintMismatch(translation.checks, onSource, fingerprints([[at('dc1.orders', 70n), 'other'], [at('dc1.orders', 69n), 'last']]))).toBe(differ);
    expect(fingerprintMismatch(translation.checks, onSource, fingerprints([[at('dc1.orders', 70n), 'next'], [at('dc1.orders', 69n), 'other']]))).toBe(differ);
    expect(fingerprintMismatch(translation.checks, onSource, fingerprints([[at('dc1.orders', 69n), 'last']]))).toBe(differ);
  });

  it('accepts a group at the end of its partition when the last record it read is on both clusters', () => {
    const onSource = fingerprints([[at('orders', 129n), 'last']]);
    const onTarget = fingerprints([[at('dc1.orders', 69n), 'last']]);
    expect(fingerprintMismatch(translation.checks, onSource, onTarget)).toBeUndefined();
    // At the sync itself there is no last record to compare: the sync vouches for the position.
    const atSync = exact(translatePosition([{ source: 100n, target: 40n }], at('orders', 100n), 'dc1.orders'));
    expect(fingerprintMismatch(atSync.checks, new Map(), new Map())).toBeUndefined();
  });

  it('rejects a group at the end when the last record read is absent (nothing on either side proves nothing)', () => {
    expect(fingerprintMismatch(translation.checks, new Map(), new Map())).toBe(differ);
  });

  it('falls back to the checkpoint with that reason, or leaves a partition without one unchanged', () => {
    const why = fingerprintMismatch(translation.checks, new Map(), new Map())!;
    expect(checkpointFallback(55n, why)).toEqual({ targetOffset: 55n, method: 'checkpoint', fallback: differ });
    expect(checkpointFallback(0n, why)).toEqual({ targetOffset: 0n, method: 'checkpoint', fallback: differ });
    expect(checkpointFallback(undefined, why)).toEqual({ untranslated: `${differ}, and MM2 has no checkpoint for it: left unchanged` });
    expect(checkpointFallback(undefined, 'no offset sync at or before offset 99 of orders-2')).toEqual({
      untranslated: 'no offset sync at or before offset 99 of orders-2, and MM2 has no checkpoint for it: left unchanged',
    });
  });
});

describe('which target topic a group source topic resumes on', () => {
  const naming = (type: 'default' | 'identity', failingBack: boolean, separator = '.'): FlowNaming => {
    const flow = { target: 'dc1', replicationPolicy: { type, separator }, topics: { include: ['.*'], exclude: [] } };
    return { policy: ReplicationPolicy.of(flow), source: 'dc2', target: 'dc1', replicates: topicFilter(flow), failingBack };
  };

  it('failing back under the default policy, sends replicas of the target own topics home over the reverse flow syncs', () => {
    expect(routeTopic('dc1.orders', naming('default', true))).toEqual({ topic: 'orders', syncsTopic: 'orders', direction: 'return' });
    expect(routeTopic('dc1_orders', naming('default', true, '_'))).toEqual({ topic: 'orders', syncsTopic: 'orders', direction: 'return' });
    expect(routeTopic('payments', naming('default', true))).toEqual({ topic: 'dc2.payments', syncsTopic: 'payments', direction: 'forward' });
  });

  it('without a failback, leaves replicas of the target own topics alone (MM2 never sends them back)', () => {
    expect(routeTopic('dc1.orders', naming('default', false))).toBeUndefined();
    expect(routeTopic('payments', naming('default', false))).toEqual({ topic: 'dc2.payments', syncsTopic: 'payments', direction: 'forward' });
  });

  it('under the identity policy, names carry no origin: every topic goes forward under its own name', () => {
    expect(routeTopic('orders', naming('identity', true))).toEqual({ topic: 'orders', syncsTopic: 'orders', direction: 'forward' });
    expect(routeTopic('dc1.orders', naming('identity', true))).toEqual({ topic: 'dc1.orders', syncsTopic: 'dc1.orders', direction: 'forward' });
  });

  it('skips topics outside the flow filter and MM2 internal topics', () => {
    const flow = { target: 'dc1', replicationPolicy: { type: 'default' as const, separator: '.' }, topics: { include: ['orders'], exclude: [] } };
    const onlyOrders: FlowNaming = { ...naming('default', false), replicates: topicFilter(flow) };
    expect(routeTopic('payments', onlyOrders)).toBeUndefined();
    expect(['__consumer_offsets', 'heartbeats', 'mm2-offset-syncs.dc1.internal', 'dc3.checkpoints.internal'].map((t) => routeTopic(t, naming('default', true)))).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('the window of records consumers resuming at a checkpoint may read again', () => {
  it('runs from the checkpoint to the replica end', () => {
    expect(duplicateWindow(40n, 55n)).toEqual({ from: 40n, to: 55n });
  });

  it('is empty when the checkpoint is at the end, beyond it, or the end is unknown', () => {
    expect(duplicateWindow(55n, 55n)).toEqual({ from: 55n, to: 55n });
    expect(duplicateWindow(60n, 55n)).toEqual({ from: 60n, to: 60n });
    expect(duplicateWindow(40n, undefined)).toEqual({ from: 40n, to: 40n });
  });
});

describe('what happens to the group commit on the target', () => {
  it('commits where the group has no offset yet or is behind', () => {
    expect(offsetAction(null, 70n)).toBe('commit');
    expect(offsetAction(null, 0n)).toBe('commit');
    expect(offsetAction(69n, 70n)).toBe('commit');
  });

  it('leaves an equal offset unchanged and never moves one backwards', () => {
    expect(offsetAction(70n, 70n)).toBe('unchanged');
    expect(offsetAction(0n, 0n)).toBe('unchanged');
    expect(offsetAction(71n, 70n)).toBe('ahead');
    expect(offsetAction(1_000n, 0n)).toBe('ahead');
  });
});
