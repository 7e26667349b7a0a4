// The drill's promise checks: each one breaks on the observation that violates it.
import { checkPromises, type DrillObservations } from '../../lab/drill/promises';

const base = (): DrillObservations => ({
  mode: 'unplanned',
  acknowledged: ['a', 'b', 'c', 'd'],
  acknowledgedAfterLastProbe: 1,
  reportedUnreplicated: 0,
  onTarget: new Set(['a', 'b', 'c']),
  readBefore: [{ group: 'g', partition: 0, offset: 0, value: 'a' }, { group: 'g', partition: 0, offset: 1, value: 'b' }],
  readAfter: [{ group: 'g', partition: 0, offset: 1, value: 'b' }, { group: 'g', partition: 0, offset: 2, value: 'c' }],
  windows: [{ group: 'g', partition: 0, from: 1, to: 2 }],
  groups: ['g'],
});
const kept = (o: DrillObservations) => checkPromises(o).checks.map((c) => c.kept);

it('keeps every promise when loss, duplicates and resumption are as announced', () => {
  const { outcome, checks } = checkPromises(base());
  expect(checks.every((c) => c.kept)).toBe(true);
  expect(outcome).toEqual({ acknowledged: 4, lost: 1, duplicates: 1, duplicatesOutsideWindows: 0, announcedWindowRecords: 1, unreadOnTarget: 0 });
});

it('breaks "no loss beyond the reported" when more is lost than the probe reported plus what came after it', () => {
  expect(kept({ ...base(), acknowledgedAfterLastProbe: 0 })).toEqual([false, true, true]);
});

it('breaks "duplicates only inside windows" for a re-read outside every window', () => {
  expect(kept({ ...base(), windows: [{ group: 'g', partition: 0, from: 0, to: 1 }] })).toEqual([true, false, true]);
  expect(kept({ ...base(), windows: [{ group: 'other', partition: 0, from: 1, to: 2 }] })).toEqual([true, false, true]);
});

it('breaks "every consumer resumed" when a record on the target was never read', () => {
  expect(kept({ ...base(), readAfter: [] })).toEqual([true, true, false]);
});

it('holds a planned switchover to no loss and no re-read', () => {
  const planned = { ...base(), mode: 'planned' as const, windows: [] };
  expect(kept(planned)).toEqual([false, false, true]);
  expect(kept({ ...planned, acknowledged: ['a', 'b', 'c'], readAfter: [{ group: 'g', partition: 0, offset: 2, value: 'c' }] })).toEqual([true, true, true]);
});

it('matches a re-read to a window of its own topic when a group reads several (active-active: a replica and the target\'s own topic)', () => {
  const twoTopics = { ...base(), readAfter: [{ group: 'g', topic: 'dc1.orders', partition: 0, offset: 1, value: 'b' }, { group: 'g', topic: 'dc1.orders', partition: 0, offset: 2, value: 'c' }] };
  expect(kept({ ...twoTopics, windows: [{ group: 'g', topic: 'dc1.orders', partition: 0, from: 1, to: 2 }] })).toEqual([true, true, true]);
  expect(kept({ ...twoTopics, windows: [{ group: 'g', topic: 'payments', partition: 0, from: 1, to: 2 }] })).toEqual([true, false, true]);
});
