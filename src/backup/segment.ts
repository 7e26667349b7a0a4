// The backup segment: one S3 object holding a run of one partition's records, in a small
// binary format documented in docs/backup-format.md. Big-endian throughout.
//
//   header   magic "KDRS" | version u8 | compression u8 (0 none, 1 zstd) | reserved u16
//            | record count u32 | first offset i64 | last offset i64
//            | min timestamp i64 | max timestamp i64 | payload length u32
//   payload  (compressed as the header says) records, each: length u32 | offset i64
//            | timestamp i64 | timestamp type u8 | key | value | header count u32
//            | per header: key (u16 length + UTF-8) | value
//            where key and value are: length i32 (-1 = null) + bytes
//   trailer  CRC32 u32 over header and payload as stored
import { promisify } from 'node:util';
import { constants, crc32, zstdCompress, zstdDecompressSync } from 'node:zlib';

export const SEGMENT_MAGIC = 'KDRS';
export const SEGMENT_VERSION = 1;
const HEADER_BYTES = 4 + 1 + 1 + 2 + 4 + 8 * 4 + 4;
const TRAILER_BYTES = 4;
/** Level 1: on record payloads about three times faster than the default 3, at a similar ratio (bench/backup.bench.ts). */
const ZSTD_OPTIONS = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

export type Compression = 'none' | 'zstd';
const COMPRESSION_CODES: Record<Compression, number> = { none: 0, zstd: 1 };

export type TimestampType = 'create' | 'log-append';

export interface BackupRecord {
  offset: bigint;
  /** Milliseconds since the epoch. */
  timestamp: bigint;
  timestampType: TimestampType;
  key: Buffer | null;
  /** null: a tombstone. */
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

export interface SegmentHeader {
  version: number;
  compression: Compression;
  recordCount: number;
  firstOffset: bigint;
  lastOffset: bigint;
  minTimestamp: bigint;
  maxTimestamp: bigint;
}

/** Where a segment's records lie: offsets and timestamps. */
export type SegmentSpan = Omit<SegmentHeader, 'version' | 'compression' | 'recordCount'>;

/** A segment that fails a check: which object, and what is wrong with it. Nothing from it may be used. */
export class CorruptSegmentError extends Error {
  constructor(
    readonly object: string,
    readonly reason: string,
  ) {
    super(`backup segment ${object} is corrupt: ${reason}. Nothing from it or past it was restored; validate the backup (kafka-dr backups validate) and restore from another backup`);
    this.name = 'CorruptSegment';
  }
}

/** Bytes one record takes in the payload (before compression): what segment rotation counts. */
export function encodedRecordSize(record: BackupRecord): number {
  const bytes = (b: Buffer | null) => 4 + (b?.length ?? 0);
  let size = 4 + 8 + 8 + 1 + bytes(record.key) + bytes(record.value) + 4;
  for (const [key, value] of record.headers) size += 2 + Buffer.byteLength(key) + bytes(value);
  return size;
}

function writeRecord(buf: Buffer, at: number, record: BackupRecord): number {
  const start = at;
  at += 4;
  at = buf.writeBigInt64BE(record.offset, at);
  at = buf.writeBigInt64BE(record.timestamp, at);
  at = buf.writeUInt8(record.timestampType === 'log-append' ? 1 : 0, at);
  const bytes = (b: Buffer | null) => {
    at = buf.writeInt32BE(b === null ? -1 : b.length, at);
    if (b) at += b.copy(buf, at);
  };
  bytes(record.key);
  bytes(record.value);
  at = buf.writeUInt32BE(record.headers.length, at);
  for (const [key, value] of record.headers) {
    const k = Buffer.from(key, 'utf8');
    at = buf.writeUInt16BE(k.length, at);
    at += k.copy(buf, at);
    bytes(value);
  }
  buf.writeUInt32BE(at - start - 4, start);
  return at;
}

/** The offsets and timestamp range of records in offset order, as a header states them; undefined for no records. */
function recordSpan(records: readonly BackupRecord[]): SegmentSpan | undefined {
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) return undefined;
  let minTimestamp = first.timestamp;
  let maxTimestamp = first.timestamp;
  for (const { timestamp } of records) {
    if (timestamp < minTimestamp) minTimestamp = timestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
  }
  return { firstOffset: first.offset, lastOffset: last.offset, minTimestamp, maxTimestamp };
}

const compress = promisify(zstdCompress);
/** Records are encoded into chunks of this size as they are added (a larger record gets a chunk of its own). */
const CHUNK_BYTES = 1024 * 1024;

/**
 * A segment built record by record: each record is encoded as it is added, so a copy holds
 * the segment's bytes rather than record objects, and encoding overlaps the next read.
 */
export class SegmentWriter {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(0);
  private at = 0;
  private range: SegmentSpan | undefined;
  recordCount = 0;
  /** Payload bytes before compression (what rotation counts). */
  bytes = 0;

  /** The offsets and timestamps of the records added so far; undefined before the first. */
  get span(): Readonly<SegmentSpan> | undefined {
    return this.range;
  }

  add(record: BackupRecord, size = encodedRecordSize(record)): void {
    const previous = this.range?.lastOffset ?? -1n;
    // The decoder refuses anything else: refuse it here, before an unreadable object is uploaded.
    if (record.offset <= previous) {
      throw new Error(`a segment holds records of increasing offsets >= 0: record ${this.recordCount} has offset ${record.offset}${this.recordCount > 0 ? ` after ${previous}` : ''}`);
    }
    if (this.at + size > this.chunk.length) {
      if (this.at > 0) this.chunks.push(this.chunk.subarray(0, this.at));
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size));
      this.at = 0;
    }
    this.at = writeRecord(this.chunk, this.at, record);
    const { timestamp, offset } = record;
    if (!this.range) this.range = { firstOffset: offset, lastOffset: offset, minTimestamp: timestamp, maxTimestamp: timestamp };
    else {
      this.range.lastOffset = offset;
      if (timestamp < this.range.minTimestamp) this.range.minTimestamp = timestamp;
      if (timestamp > this.range.maxTimestamp) this.range.maxTimestamp = timestamp;
    }
    this.recordCount++;
    this.bytes += size;
  }

  /** The segment object; compression runs on libuv's thread pool, off the event loop. */
  async finish(compression: Compression): Promise<Buffer> {
    const span = this.range;
    if (!span) throw new Error('a segment holds at least one record');
    const plain = Buffer.concat([...this.chunks, this.chunk.subarray(0, this.at)]);
    const payload = compression === 'zstd' ? await compress(plain, ZSTD_OPTIONS) : plain;
    const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length + TRAILER_BYTES);
    let h = out.write(SEGMENT_MAGIC, 0, 'latin1');
    h = out.writeUInt8(SEGMENT_VERSION, h);
    h = out.writeUInt8(COMPRESSION_CODES[compression], h);
    h = out.writeUInt16BE(0, h);
    h = out.writeUInt32BE(this.recordCount, h);
    h = out.writeBigInt64BE(span.firstOffset, h);
    h = out.writeBigInt64BE(span.lastOffset, h);
    h = out.writeBigInt64BE(span.minTimestamp, h);
    h = out.writeBigInt64BE(span.maxTimestamp, h);
    h = out.writeUInt32BE(payload.length, h);
    payload.copy(out, h);
    out.writeUInt32BE(crc32(out.subarray(0, HEADER_BYTES + payload.length)), HEADER_BYTES + payload.length);
    return out;
  }
}

/** Encodes records (in offset order, at least one) as one segment object. */
export async function encodeSegment(records: readonly BackupRecord[], compression: Compression = 'zstd'): Promise<Buffer> {
  const writer = new SegmentWriter();
  for (const record of records) writer.add(record);
  return writer.finish(compression);
}

/** The header alone (no CRC check: the header is checked again when the whole object is decoded). */
export function readSegmentHeader(object: string, data: Buffer): SegmentHeader & { payloadLength: number } {
  if (data.length < HEADER_BYTES + TRAILER_BYTES) throw new CorruptSegmentError(object, `${data.length} bytes is shorter than a segment's header and trailer`);
  const magic = data.toString('latin1', 0, 4);
  if (magic !== SEGMENT_MAGIC) throw new CorruptSegmentError(object, `magic ${JSON.stringify(magic)} is not ${SEGMENT_MAGIC}`);
  const version = data.readUInt8(4);
  if (version !== SEGMENT_VERSION) throw new CorruptSegmentError(object, `format version ${version} is not ${SEGMENT_VERSION} (written by a newer kafka-dr?)`);
  const code = data.readUInt8(5);
  const compression = (Object.keys(COMPRESSION_CODES) as Compression[]).find((c) => COMPRESSION_CODES[c] === code);
  if (!compression) throw new CorruptSegmentError(object, `unknown compression code ${code}`);
  return {
    version,
    compression,
    recordCount: data.readUInt32BE(8),
    firstOffset: data.readBigInt64BE(12),
    lastOffset: data.readBigInt64BE(20),
    minTimestamp: data.readBigInt64BE(28),
    maxTimestamp: data.readBigInt64BE(36),
    payloadLength: data.readUInt32BE(44),
  };
}

/** Checks the CRC, then decodes every record. Throws CorruptSegmentError naming `object` on any inconsistency. */
export function decodeSegment(object: string, data: Buffer): { header: SegmentHeader; records: BackupRecord[] } {
  const { payloadLength, ...header } = readSegmentHeader(object, data);
  if (data.length !== HEADER_BYTES + payloadLength + TRAILER_BYTES) {
    throw new CorruptSegmentError(object, `length ${data.length} does not match the header's payload length ${payloadLength}`);
  }
  const stored = data.readUInt32BE(HEADER_BYTES + payloadLength);
  const computed = crc32(data.subarray(0, HEADER_BYTES + payloadLength));
  if (stored !== computed) throw new CorruptSegmentError(object, `CRC32 mismatch (stored ${stored.toString(16)}, computed ${computed.toString(16)})`);
  let plain: Buffer;
  try {
    const payload = data.subarray(HEADER_BYTES, HEADER_BYTES + payloadLength);
    plain = header.compression === 'zstd' ? zstdDecompressSync(payload) : payload;
  } catch (err) {
    throw new CorruptSegmentError(object, `the payload does not decompress: ${(err as Error).message}`);
  }
  const records = decodeRecords(object, plain);
  const span = recordSpan(records);
  if (!span || records.length !== header.recordCount) throw new CorruptSegmentError(object, `holds ${records.length} records, the header says ${header.recordCount}`);
  if (span.firstOffset !== header.firstOffset || span.lastOffset !== header.lastOffset) {
    throw new CorruptSegmentError(object, `the records' offsets span ${span.firstOffset}..${span.lastOffset}, the header says ${header.firstOffset}..${header.lastOffset}`);
  }
  // Readers skip whole segments by the header's timestamps (point-in-time restore): they must be the records' own.
  if (span.minTimestamp !== header.minTimestamp || span.maxTimestamp !== header.maxTimestamp) {
    throw new CorruptSegmentError(object, `the records' timestamps span ${span.minTimestamp}..${span.maxTimestamp}, the header says ${header.minTimestamp}..${header.maxTimestamp}`);
  }
  return { header, records };
}

function decodeRecords(object: string, plain: Buffer): BackupRecord[] {
  const records: BackupRecord[] = [];
  let at = 0;
  let previous = -1n;
  try {
    while (at < plain.length) {
      const end = at + 4 + plain.readUInt32BE(at);
      at += 4;
      const offset = plain.readBigInt64BE(at);
      const timestamp = plain.readBigInt64BE(at + 8);
      const typeCode = plain.readUInt8(at + 16);
      if (typeCode > 1) throw new RangeError(`timestamp type ${typeCode} is neither 0 (create) nor 1 (log-append)`);
      const timestampType: TimestampType = typeCode === 1 ? 'log-append' : 'create';
      at += 17;
      const bytes = (): Buffer | null => {
        const length = plain.readInt32BE(at);
        at += 4;
        if (length < 0) return null;
        if (at + length > end) throw new RangeError('a field runs past its record');
        // A view, not a copy: a segment's records are used together, so they share its payload's memory.
        const b = plain.subarray(at, at + length);
        at += length;
        return b;
      };
      const key = bytes();
      const value = bytes();
      const headerCount = plain.readUInt32BE(at);
      at += 4;
      const headers: Array<[string, Buffer | null]> = [];
      for (let i = 0; i < headerCount; i++) {
        const length = plain.readUInt16BE(at);
        const name = plain.toString('utf8', at + 2, at + 2 + length);
        at += 2 + length;
        headers.push([name, bytes()]);
      }
      if (at !== end) throw new RangeError(`a record's length says ${end} but its fields end at ${at}`);
      if (offset <= previous) throw new RangeError(`offset ${offset} follows ${previous}`);
      previous = offset;
      records.push({ offset, timestamp, timestampType, key, value, headers });
    }
  } catch (err) {
    throw new CorruptSegmentError(object, `record ${records.length} cannot be decoded: ${(err as Error).message}`);
  }
  return records;
}
