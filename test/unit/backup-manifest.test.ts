// The manifest: a valid one parses as written; anything else is refused with every problem
// and the path of the field at fault, so an operator can tell a damaged object from a bug.
import { backupIdSchema, CorruptManifestError, manifestKey, parseManifest, segmentKey, type Manifest } from '#src/backup/manifest';

const OBJECT = 's3://kafka-dr-backups/backups/20261128T031500Z-a1b2c3/manifest.json';

const manifest = (): Manifest => ({
  formatVersion: 1,
  backupId: '20261128T031500Z-a1b2c3',
  estate: 'lab',
  cluster: 'dc1',
  startedAt: '2026-11-28T03:15:00.000Z',
  finishedAt: '2026-11-28T03:16:10.500Z',
  topics: [
    {
      name: 'orders',
      partitionCount: 1,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' },
      partitions: [
        {
          partition: 0,
          startOffset: 0,
          endOffset: 120,
          segments: [
            {
              key: segmentKey('dc1', 'orders', 0, 20, '20261128T031500Z-a1b2c3'),
              backupId: '20261128T031500Z-a1b2c3',
              firstOffset: 20,
              lastOffset: 119,
              minTimestamp: -1,
              maxTimestamp: 1_764_300_000_000,
              recordCount: 100,
              bytes: 2048,
              uncompressedBytes: 6000,
              retainUntil: '2026-11-29T03:15:05.000Z',
            },
          ],
          gaps: [{ from: 0, to: 20, reason: 'retention' }],
        },
      ],
    },
  ],
  consumerGroups: [{ group: 'billing', offsets: [{ topic: 'orders', partition: 0, offset: 100 }] }],
});

function refusal(text: string): string {
  try {
    parseManifest(OBJECT, text);
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptManifestError);
    expect((err as Error).name).toBe('CorruptManifest');
    return (err as Error).message;
  }
  throw new Error('the manifest parsed');
}

const edited = (edit: (m: any) => void): string => {
  const m = manifest();
  edit(m);
  return JSON.stringify(m);
};

describe('backup manifest', () => {
  it('parses a manifest as written', () => {
    expect(parseManifest(OBJECT, JSON.stringify(manifest()))).toEqual(manifest());
  });

  it('names the keys of the bucket layout: manifests by backup, segments by cluster/topic/partition/first offset', () => {
    expect(manifestKey('20261128T031500Z-a1b2c3')).toBe('backups/20261128T031500Z-a1b2c3/manifest.json');
    expect(segmentKey('dc1', 'orders', 3, 1234, '20261128T031500Z-a1b2c3')).toBe('segments/dc1/orders/3/00000000000000001234-20261128T031500Z-a1b2c3.kdrs');
    // Zero-padded first offsets list in offset order.
    expect([segmentKey('dc1', 't', 0, 10, '20261128T031500Z-a'), segmentKey('dc1', 't', 0, 9, '20261128T031500Z-a')].sort()[0]).toContain('00000000000000000009-');
  });

  it('accepts backup ids that sort by time and refuses others', () => {
    expect(backupIdSchema.safeParse('20261128T031500Z-a1b2c3').success).toBe(true);
    for (const id of ['2026-11-28T03:15:00Z-a1', '20261128T031500Z', '20261128T031500Z-A1', '20261128T031500Z-abcdefghijklm', '../20261128T031500Z-a1']) {
      expect(backupIdSchema.safeParse(id).success).toBe(false);
    }
  });

  it('refuses an object that is not JSON, naming it', () => {
    const message = refusal('{"formatVersion": 1,');
    expect(message).toContain(`backup manifest ${OBJECT} is not a valid kafka-dr manifest: not JSON (`);
    expect(message).toContain('choose another backup (kafka-dr backups list)');
  });

  it('lists every problem with the path of the field', () => {
    const message = refusal(
      edited((m) => {
        m.formatVersion = 2;
        delete m.topics[0].partitions[0].segments[0].key;
        m.topics[0].partitions[0].segments[0].lastOffset = 1.5;
        m.topics[0].partitions[0].gaps[0].reason = 'gremlins';
        m.consumerGroups[0].offsets[0].offset = -3;
      }),
    );
    expect(message).toBe(
      `backup manifest ${OBJECT} is not a valid kafka-dr manifest: ` +
        [
          'formatVersion: Invalid input: expected 1',
          'topics.0.partitions.0.segments.0.key: Invalid input: expected string, received undefined',
          'topics.0.partitions.0.segments.0.lastOffset: Invalid input: expected int, received number',
          'topics.0.partitions.0.gaps.0.reason: Invalid option: expected one of "retention"|"compaction"|"transaction-markers"|"unknown"',
          'consumerGroups.0.offsets.0.offset: Too small: expected number to be >=0',
        ].join('; ') +
        '. Nothing was restored; choose another backup (kafka-dr backups list)',
    );
  });

  it('refuses offsets past 2^53 rather than round them, and unknown fields', () => {
    expect(refusal(edited((m) => (m.topics[0].partitions[0].endOffset = 2 ** 53)))).toMatch(/topics\.0\.partitions\.0\.endOffset: /);
    expect(refusal(edited((m) => (m.topics[0].partitions[0].segments[0].checksum = 'abc')))).toMatch(/topics\.0\.partitions\.0\.segments\.0: .*checksum/);
    expect(refusal('[]')).toMatch(/\(root\): /);
  });
});
