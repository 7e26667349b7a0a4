// Backup records of every shape a Kafka record can take, for tests of the formats that hold them.
import type { BackupRecord } from '#src/backup/segment';

export const BASE_TIMESTAMP = 1_764_300_000_000n;

export const backupRecord = (offset: bigint, fields: Partial<BackupRecord> = {}): BackupRecord => ({
  offset,
  timestamp: BASE_TIMESTAMP + offset,
  timestampType: 'create',
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(`v${offset}`),
  headers: [],
  ...fields,
});

/**
 * Null and empty keys and values, repeated and null-valued headers with non-ASCII names, a
 * LogAppendTime record, timestamps before the first (-1 among them) and far after it, a value
 * past 16 KiB, offsets with compaction holes between them up to 2^62.
 */
export const awkwardRecords: BackupRecord[] = [
  backupRecord(0n, { key: null }),
  backupRecord(1n, { value: null }),
  backupRecord(2n, { key: Buffer.alloc(0), value: Buffer.alloc(0) }),
  backupRecord(5n, { headers: [['trace-id', Buffer.from('abc')], ['empty', Buffer.alloc(0)], ['null-header', null], ['ключ-🔑', Buffer.from('ü')], ['trace-id', Buffer.from('again')]] }),
  backupRecord(6n, { timestampType: 'log-append', timestamp: 1_700_000_000_123n }),
  backupRecord(7n, { timestamp: -1n }),
  backupRecord(9n, { value: Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)) }),
  backupRecord(2n ** 62n, { timestamp: 2n ** 52n }),
];
