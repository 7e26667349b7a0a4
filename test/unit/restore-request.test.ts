// The restore execution input: every problem reported at once, by field, before anything is
// touched; the point in time to the millisecond; the restore id that lets a re-run continue.
import { loadEstateConfigFile } from '#src/config/load';
import { InvalidRestoreInput, parseRestoreRequest, restoreIdOf, RestoreRefused, targetTopic } from '#src/backup/restore-request';

const config = loadEstateConfigFile('config/estate.example.yaml');
const [cluster] = config.clusters.map((c) => c.name);
const valid = { backupId: '20261128T031500Z-a1b2c3', targetCluster: cluster, topics: ['orders', 'payments'], restoreConsumerOffsets: true };

function problems(input: unknown): string[] {
  try {
    parseRestoreRequest(input, config);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRestoreInput);
    return (err as InvalidRestoreInput).problems;
  }
  throw new Error('the input was accepted');
}

it('accepts a whole-backup restore: topics sorted, no rename, no point in time, not a dry run', () => {
  expect(parseRestoreRequest({ ...valid, topics: ['payments', 'orders'] }, config)).toEqual({
    backupId: '20261128T031500Z-a1b2c3',
    targetCluster: cluster,
    topics: ['orders', 'payments'],
    rename: {},
    pointInTime: null,
    restoreConsumerOffsets: true,
    dryRun: false,
  });
});

it('lists every bad field at once, with its path', () => {
  expect(
    problems({ backupId: 'yesterday', targetCluster: cluster, topics: ['ok', 'bad/name', 'ok'], rename: { elsewhere: 'x', ok: '..' }, pointInTime: 'noon', dryRun: 'yes', extra: 1 }),
  ).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^backupId: a backup id such as/),
      expect.stringMatching(/^topics\.1: a Kafka topic name/),
      expect.stringMatching(/^rename\.ok: a Kafka topic name cannot be "\." or "\.\."/),
      expect.stringMatching(/^pointInTime: "noon" is not an ISO-8601 date-time/),
      expect.stringMatching(/^restoreConsumerOffsets: /),
      expect.stringMatching(/^dryRun: /),
      expect.stringMatching(/^input: .*extra/),
    ]),
  );
  expect(problems({ ...valid, topics: [] })).toEqual([expect.stringMatching(/^topics: name at least one/)]);
});

it('checks renames against the topics: known source, no two topics into one', () => {
  expect(problems({ ...valid, rename: { elsewhere: 'x' } })).toEqual([expect.stringMatching(/^rename\.elsewhere: "elsewhere" is not among the topics to restore/)]);
  expect(problems({ ...valid, rename: { orders: 'payments' } })).toEqual([expect.stringMatching(/^rename\.orders: "orders" and "payments" would all be restored into "payments"/)]);
  expect(problems({ ...valid, topics: ['orders', 'orders'] })).toEqual([expect.stringMatching(/^topics\.1: "orders" is listed twice/)]);
  const request = parseRestoreRequest({ ...valid, rename: { orders: 'orders-restored', payments: 'payments' } }, config);
  expect(request.rename).toEqual({ orders: 'orders-restored' });
  expect([targetTopic(request, 'orders'), targetTopic(request, 'payments')]).toEqual(['orders-restored', 'payments']);
});

it('takes the point in time to the millisecond, as ISO-8601 with a zone or epoch milliseconds', () => {
  const at = (pointInTime: unknown) => parseRestoreRequest({ ...valid, pointInTime }, config).pointInTime;
  expect(at('2026-11-28T03:15:00.123Z')).toBe(Date.UTC(2026, 10, 28, 3, 15, 0, 123));
  expect(at('2026-11-28T04:15:00.123+01:00')).toBe(Date.UTC(2026, 10, 28, 3, 15, 0, 123));
  expect(at('2026-11-28T03:15:00Z')).toBe(Date.UTC(2026, 10, 28, 3, 15, 0, 0));
  expect(at(1795835700123)).toBe(1795835700123);
  for (const bad of ['2026-11-28T03:15:00.1234Z', '2026-11-28T03:15:00', '2026-02-30T00:00:00Z', '2026-11-28 03:15:00Z', -1, 1.5, true]) {
    expect(problems({ ...valid, pointInTime: bad })).toEqual([expect.stringMatching(/^pointInTime: .* is not an ISO-8601 date-time with a zone and at most millisecond precision/)]);
  }
});

it('refuses a target cluster the estate does not have, naming those it has', () => {
  expect(() => parseRestoreRequest({ ...valid, targetCluster: 'dc9' }, config)).toThrow(RestoreRefused);
  expect(() => parseRestoreRequest({ ...valid, targetCluster: 'dc9' }, config)).toThrow(new RegExp(`unknown cluster "dc9": the estate has ${config.clusters.map((c) => c.name).join(', ')}`));
});

it('names a restore by what it restores, not by dryRun or the order of the topics', () => {
  const id = (input: object) => restoreIdOf(parseRestoreRequest({ ...valid, ...input }, config));
  expect(id({ dryRun: true })).toBe(id({}));
  expect(id({ topics: ['payments', 'orders'] })).toBe(id({}));
  expect(id({ pointInTime: '2026-11-28T03:15:00.000Z' })).toBe(id({ pointInTime: Date.UTC(2026, 10, 28, 3, 15) }));
  expect(new Set([id({}), id({ pointInTime: 1 }), id({ rename: { orders: 'o2' } }), id({ restoreConsumerOffsets: false }), id({ topics: ['orders'] })]).size).toBe(5);
  expect(id({})).toMatch(/^20261128T031500Z-a1b2c3-[0-9a-f]{12}$/);
});
