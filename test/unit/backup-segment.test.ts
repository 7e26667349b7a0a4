// The segment format (docs/backup-format.md): what goes in comes out byte for byte, and any
// damage to a stored object is refused with an error naming the object.
import { crc32 } from 'node:zlib';
import { CorruptSegmentError, decodeSegment, encodedRecordSize, encodeSegment, readSegment, readSegmentHeader, type Compression } from '#src/backup/segment';
import { awkwardRecords, backupRecord } from '../support/backup-records';

const OBJECT = 'segments/dc1/orders/0/00000000000000000000-20261128T031500Z-a1b2c3.kdrs';
const HEADER_BYTES = 48;
const TRAILER_BYTES = 4;

/** Recomputes the trailer, as a writer with a bug (not a damaged object) would have produced. */
function resealed(data: Buffer): Buffer {
  const out = Buffer.from(data);
  out.writeUInt32BE(crc32(out.subarray(0, out.length - TRAILER_BYTES)), out.length - TRAILER_BYTES);
  return out;
}

function corruption(data: Buffer): CorruptSegmentError {
  try {
    decodeSegment(OBJECT, data);
  } catch (err) {
    return err as CorruptSegmentError;
  }
  throw new Error('the damaged segment decoded');
}

describe.each<Compression>(['none', 'zstd'])('segment with compression %s', (compression) => {
  let data: Buffer;
  beforeAll(async () => {
    data = await encodeSegment(awkwardRecords, compression);
  });

  it('decodes to the same records, field by field, and a header that states their range', () => {
    const { header, records } = decodeSegment(OBJECT, data);
    expect(records).toEqual(awkwardRecords);
    expect(records[3]!.headers.map(([name]) => name)).toEqual(['trace-id', 'empty', 'null-header', 'ключ-🔑', 'trace-id']);
    expect(header).toEqual({ version: 1, compression, recordCount: 8, firstOffset: 0n, lastOffset: 2n ** 62n, minTimestamp: -1n, maxTimestamp: 2n ** 52n });
    expect(readSegmentHeader(OBJECT, data)).toEqual({ ...header, payloadLength: data.length - HEADER_BYTES - TRAILER_BYTES });
  });

  it('detects every single flipped bit, in the header, the payload and the trailer', async () => {
    // Without the 70 kB value: every bit of it is flipped once.
    const small = await encodeSegment(awkwardRecords.filter((r) => (r.value?.length ?? 0) < 1000), compression);
    let detected = 0;
    for (let byte = 0; byte < small.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(small);
        damaged[byte]! ^= 1 << bit;
        const err = corruption(damaged);
        expect(err).toBeInstanceOf(CorruptSegmentError);
        expect(err).toMatchObject({ name: 'CorruptSegment', object: OBJECT });
        detected++;
      }
    }
    expect(detected).toBe(small.length * 8);
  });

  it('reads the same records by index, as the restore does', () => {
    const { header, records } = readSegment(OBJECT, data);
    expect(header).toEqual(decodeSegment(OBJECT, data).header);
    expect(records.all()).toEqual(awkwardRecords);
    expect(Array.from({ length: records.length }, (_, i) => records.size(i))).toEqual(awkwardRecords.map((r) => encodedRecordSize(r)));
    expect(records.slice(3, 5).all()).toEqual(awkwardRecords.slice(3, 5));
    expect(records.filter((timestamp) => timestamp > 1_764_300_000_000).all()).toEqual(awkwardRecords.filter((r) => r.timestamp > 1_764_300_000_000n));
  });

  it('refuses a truncated object, naming it', () => {
    for (const length of [data.length - 1, HEADER_BYTES + 3, 10, 0]) {
      const err = corruption(data.subarray(0, length));
      expect(err.message).toContain(OBJECT);
      expect(err.reason).toMatch(/shorter than a segment's header|does not match the header's payload length/);
    }
  });
});

describe('segment checks beyond the CRC', () => {
  let data: Buffer;
  beforeAll(async () => {
    data = await encodeSegment([backupRecord(10n), backupRecord(11n), backupRecord(13n)], 'none');
  });

  it('refuses another magic, a newer format version and an unknown compression', () => {
    expect(corruption(Buffer.concat([Buffer.from('PK\x03\x04'), data.subarray(4)])).reason).toBe('magic "PK\\u0003\\u0004" is not KDRS');
    const newer = Buffer.from(data);
    newer[4] = 2;
    expect(corruption(newer).reason).toBe('format version 2 is not 1 (written by a newer kafka-dr?)');
    const lz4 = Buffer.from(data);
    lz4[5] = 3;
    expect(corruption(lz4).reason).toBe('unknown compression code 3');
  });

  it('refuses a header that disagrees with the records even when the CRC matches', () => {
    const count = Buffer.from(data);
    count.writeUInt32BE(4, 8);
    expect(corruption(resealed(count)).reason).toBe('holds 3 records, the header says 4');
    const first = Buffer.from(data);
    first.writeBigInt64BE(9n, 12);
    expect(corruption(resealed(first)).reason).toBe('the records\' offsets span 10..13, the header says 9..13');
    const newest = Buffer.from(data);
    newest.writeBigInt64BE(1_764_300_000_099n, 36);
    expect(corruption(resealed(newest)).reason).toBe('the records\' timestamps span 1764300000010..1764300000013, the header says 1764300000010..1764300000099');
  });

  it('refuses records that do not parse, saying which', () => {
    // Record 1 starts after the header and record 0; its length, offset and timestamp precede the timestamp type.
    const typeAt = HEADER_BYTES + encodedRecordSize(backupRecord(10n)) + 4 + 16;
    const type = Buffer.from(data);
    type[typeAt] = 7;
    expect(corruption(resealed(type)).reason).toBe('record 1 cannot be decoded: timestamp type 7 is neither 0 (create) nor 1 (log-append)');
    const order = Buffer.from(data);
    order.writeBigInt64BE(10n, HEADER_BYTES + encodedRecordSize(backupRecord(10n)) + 4);
    expect(corruption(resealed(order)).reason).toBe('record 1 cannot be decoded: offset 10 follows 10');
  });

  it('counts payload bytes before compression exactly as encodedRecordSize does (what rotation and the manifest count)', async () => {
    const records = awkwardRecords.slice(0, 7);
    const plain = await encodeSegment(records, 'none');
    expect(plain.length - HEADER_BYTES - TRAILER_BYTES).toBe(records.reduce((n, r) => n + encodedRecordSize(r), 0));
    expect((await encodeSegment(records, 'zstd')).length).toBeLessThan(plain.length);
  });

  it('refuses to encode what it could not decode: no records, negative or unordered offsets', async () => {
    await expect(encodeSegment([])).rejects.toThrow('a segment holds at least one record');
    await expect(encodeSegment([backupRecord(-1n)])).rejects.toThrow('record 0 has offset -1');
    await expect(encodeSegment([backupRecord(4n), backupRecord(4n)])).rejects.toThrow('record 1 has offset 4 after 4');
    await expect(encodeSegment([backupRecord(5n), backupRecord(3n)])).rejects.toThrow('record 1 has offset 3 after 5');
  });
});
