// Kafka's record batch (magic 2), encoded in one pass into one buffer. A restore produces
// hundreds of thousands of records a second: the client library encodes each record through
// a writer and several small buffers, which made a third of the restore copy's CPU and much of
// its garbage (docs/backup-format.md, "From segment to record batch"). The format is the
// Kafka protocol guide's "Record Batch"; a broker checks every field and the CRC, so a wrong
// byte is refused, never stored.
import { crc32c } from '@platformatic/kafka';

/**
 * Records to encode into a batch, in order, read where they lie (a restore reads them from a
 * backup segment's payload without an object per record). The batch frames each record:
 * its length, attributes, timestamp delta and offset delta; the source writes the rest.
 */
export interface BatchRecords {
  readonly length: number;
  /** Record i's CreateTime, milliseconds since the epoch. */
  timestamp(i: number): number;
  /** Bytes of record i's key, value and headers as the batch holds them (see writeFields). */
  fieldsSize(i: number): number;
  /**
   * Writes record i's key and value (varint length, -1 for null, then the bytes), then its
   * header count (varint) and each header: name (varint length + UTF-8), value (as key).
   * Returns the position after them.
   */
  writeFields(buf: Buffer, at: number, i: number): number;
}

/** The idempotent producer a batch is written by, and the sequence number of its first record. */
export interface BatchProducerState {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

const MAGIC = 2;
/** From the batch's start to its CRC'd part: base offset, length, leader epoch, magic, CRC. */
const CRC_START = 8 + 4 + 4 + 1 + 4;
/** From attributes to the record count. */
const CRC_HEADER = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
export const BATCH_OVERHEAD = CRC_START + CRC_HEADER;
/** The producer's "no leader epoch" (the broker sets the leader's). */
const NO_PARTITION_LEADER_EPOCH = -1;

/** Zigzag: small negative numbers stay small. `n` is an integer within Number's safe range. */
const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);

export function varintSize(n: number): number {
  let u = zigzag(n);
  let size = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    size++;
  }
  return size;
}

export function writeVarint(buf: Buffer, at: number, n: number): number {
  let u = zigzag(n);
  while (u >= 0x80) {
    buf[at++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[at++] = u;
  return at;
}

/**
 * The records (at least one) as one uncompressed batch of CreateTime records, for a Produce
 * request: base offset 0 (the broker assigns offsets), written by `producer` from its sequence.
 */
export function encodeRecordBatch(records: BatchRecords, producer: BatchProducerState): Buffer {
  const count = records.length;
  if (count === 0) throw new Error('a record batch holds at least one record');
  const baseTimestamp = records.timestamp(0);
  let maxTimestamp = baseTimestamp;
  const deltas = new Float64Array(count);
  const bodies = new Uint32Array(count);
  let size = BATCH_OVERHEAD;
  for (let i = 0; i < count; i++) {
    const timestamp = records.timestamp(i);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const delta = timestamp - baseTimestamp;
    deltas[i] = delta;
    const body = 1 + varintSize(delta) + varintSize(i) + records.fieldsSize(i);
    bodies[i] = body;
    size += varintSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(size);
  let at = buf.writeBigInt64BE(0n, 0);
  at = buf.writeInt32BE(size - 12, at);
  at = buf.writeInt32BE(NO_PARTITION_LEADER_EPOCH, at);
  at = buf.writeInt8(MAGIC, at);
  at += 4; // the CRC, written last
  at = buf.writeInt16BE(0, at); // attributes: no compression, CreateTime, not transactional, not control
  at = buf.writeInt32BE(count - 1, at);
  at = buf.writeBigInt64BE(BigInt(baseTimestamp), at);
  at = buf.writeBigInt64BE(BigInt(maxTimestamp), at);
  at = buf.writeBigInt64BE(producer.producerId, at);
  at = buf.writeInt16BE(producer.producerEpoch, at);
  at = buf.writeInt32BE(producer.baseSequence, at);
  at = buf.writeInt32BE(count, at);
  for (let i = 0; i < count; i++) {
    at = writeVarint(buf, at, bodies[i] ?? 0);
    buf[at++] = 0; // record attributes: unused
    at = writeVarint(buf, at, deltas[i] ?? 0);
    at = writeVarint(buf, at, i);
    at = records.writeFields(buf, at, i);
  }
  if (at !== size) throw new Error(`a record batch of ${count} records came to ${at} bytes, not the ${size} its records' sizes add up to`);
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_START)), CRC_START - 4);
  return buf;
}

/** Kafka's sequence numbers wrap to 0 past the largest int32 (DefaultRecordBatch.incrementSequence). */
export function nextSequence(sequence: number, records: number): number {
  const max = 0x7fffffff;
  return sequence > max - records ? records - (max - sequence) - 1 : sequence + records;
}
