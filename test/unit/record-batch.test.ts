// A backup segment's records encoded as a Kafka record batch (what the restore produces),
// read back by another implementation of the format: @platformatic/kafka's batch reader.
// The lab's restore test has a broker check the same bytes (CRC included) and read them back.
import { crc32c, readRecordsBatch, Reader } from '@platformatic/kafka';
import { encodeSegment, readSegment } from '#src/backup/segment';
import { BATCH_OVERHEAD, encodeRecordBatch, nextSequence } from '#src/kafka/record-batch';
import { awkwardRecords, BASE_TIMESTAMP } from '../support/backup-records';

const OBJECT = 'segments/dc1/orders/0/x.kdrs';

const PRODUCER = { producerId: 4_242n, producerEpoch: 3, baseSequence: 17 };

async function segmentRecords() {
  return readSegment(OBJECT, await encodeSegment(awkwardRecords, 'zstd')).records;
}

describe('a segment encoded as a record batch', () => {
  it('reads back record for record: key, value, headers in order, timestamp; offsets 0..n-1 from the producer and sequence given', async () => {
    const batch = encodeRecordBatch(await segmentRecords(), PRODUCER);
    const read = readRecordsBatch(Reader.from(batch));
    expect(read).toMatchObject({
      firstOffset: 0n,
      length: batch.length - 12,
      partitionLeaderEpoch: -1,
      magic: 2,
      attributes: 0,
      lastOffsetDelta: awkwardRecords.length - 1,
      firstTimestamp: BASE_TIMESTAMP,
      maxTimestamp: 2n ** 52n,
      producerId: 4_242n,
      producerEpoch: 3,
      firstSequence: 17,
    });
    expect(read.records).toHaveLength(awkwardRecords.length);
    read.records.forEach((r, i) => {
      const expected = awkwardRecords[i]!;
      expect(r.offsetDelta).toBe(i);
      expect(BASE_TIMESTAMP + r.timestampDelta).toBe(expected.timestamp);
      expect(r.key).toEqual(expected.key);
      expect(r.value).toEqual(expected.value);
      expect(r.headers.map(([name, value]) => [name!.toString('utf8'), value])).toEqual(expected.headers);
    });
  });

  it("carries a CRC-32C of everything from the attributes on, as a broker checks it", async () => {
    const batch = encodeRecordBatch(await segmentRecords(), PRODUCER);
    expect(batch.readUInt32BE(17)).toBe(crc32c(batch.subarray(21)));
  });

  it('encodes slices and filters of a segment alone, offset deltas from 0', async () => {
    const records = await segmentRecords();
    const later = records.filter((timestamp) => timestamp >= Number(BASE_TIMESTAMP)).slice(1, 4);
    const read = readRecordsBatch(Reader.from(encodeRecordBatch(later, PRODUCER)));
    expect(read.records.map((r) => r.key?.toString())).toEqual(['k1', '', 'k5']);
    expect(read.records.map((r) => r.offsetDelta)).toEqual([0, 1, 2]);
    expect(read.firstTimestamp).toBe(BASE_TIMESTAMP + 1n);
  });

  it('costs no more than the segment payload plus its framing: restore send sizes stay bounded by what the segment counts', async () => {
    const records = await segmentRecords();
    const segmentBytes = Array.from({ length: records.length }, (_, i) => records.size(i)).reduce((a, b) => a + b);
    expect(encodeRecordBatch(records, PRODUCER).length).toBeLessThanOrEqual(segmentBytes + BATCH_OVERHEAD);
  });

  it('refuses an empty batch', async () => {
    const none = (await segmentRecords()).slice(0, 0);
    expect(() => encodeRecordBatch(none, PRODUCER)).toThrow('at least one record');
  });
});

describe('sequence numbers', () => {
  it('advance by the records sent and wrap to 0 past the largest int32, as the Java producer does', () => {
    expect(nextSequence(17, 7)).toBe(24);
    expect(nextSequence(2_147_483_645, 3)).toBe(0);
    expect(nextSequence(2_147_483_647, 1)).toBe(0);
    expect(nextSequence(2_147_483_640, 10)).toBe(2);
  });
});
