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
import { varintSize, writeVarint, type BatchRecords } from '#src/kafka/record-batch';

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

/** The stored payload, its length and CRC checked; CorruptSegmentError naming `object` when they fail. */
function storedPayload(object: string, data: Buffer): { header: SegmentHeader; payload: Buffer } {
  const { payloadLength, ...header } = readSegmentHeader(object, data);
  if (data.length !== HEADER_BYTES + payloadLength + TRAILER_BYTES) {
    throw new CorruptSegmentError(object, `length ${data.length} does not match the header's payload length ${payloadLength}`);
  }
  const stored = data.readUInt32BE(HEADER_BYTES + payloadLength);
  const computed = crc32(data.subarray(0, HEADER_BYTES + payloadLength));
  if (stored !== computed) throw new CorruptSegmentError(object, `CRC32 mismatch (stored ${stored.toString(16)}, computed ${computed.toString(16)})`);
  return { header, payload: data.subarray(HEADER_BYTES, HEADER_BYTES + payloadLength) };
}

/** The payload's records, checked against the header. */
function checkedRecords(object: string, header: SegmentHeader, plain: Buffer): SegmentRecords {
  const records = SegmentRecords.read(object, plain);
  const span = records.span();
  if (!span || records.length !== header.recordCount) throw new CorruptSegmentError(object, `holds ${records.length} records, the header says ${header.recordCount}`);
  if (span.firstOffset !== header.firstOffset || span.lastOffset !== header.lastOffset) {
    throw new CorruptSegmentError(object, `the records' offsets span ${span.firstOffset}..${span.lastOffset}, the header says ${header.firstOffset}..${header.lastOffset}`);
  }
  // Readers skip whole segments by the header's timestamps (point-in-time restore): they must be the records' own.
  if (span.minTimestamp !== header.minTimestamp || span.maxTimestamp !== header.maxTimestamp) {
    throw new CorruptSegmentError(object, `the records' timestamps span ${span.minTimestamp}..${span.maxTimestamp}, the header says ${header.minTimestamp}..${header.maxTimestamp}`);
  }
  return records;
}

/** Checks the CRC, then reads and checks every record. Throws CorruptSegmentError naming `object` on any inconsistency. */
export function readSegment(object: string, data: Buffer): { header: SegmentHeader; records: SegmentRecords } {
  const { header, payload } = storedPayload(object, data);
  let plain = payload;
  try {
    // Synchronous, into one buffer: zlib's asynchronous form decompresses in chunks, each a callback, then joins them (a restore ran 15% slower with it).
    if (header.compression === 'zstd') plain = zstdDecompressSync(payload);
  } catch (err) {
    throw new CorruptSegmentError(object, `the payload does not decompress: ${(err as Error).message}`);
  }
  return { header, records: checkedRecords(object, header, plain) };
}

/** readSegment, every record as an object. */
export function decodeSegment(object: string, data: Buffer): { header: SegmentHeader; records: BackupRecord[] } {
  const { header, records } = readSegment(object, data);
  return { header, records: records.all() };
}

/** A record's fields, from the position of its length: offset, timestamp, timestamp type, then the key's length. */
const OFFSET_AT = 4;
const TIMESTAMP_AT = 12;
const TYPE_AT = 20;
const KEY_AT = 21;

/** An int64 as a Number: exact for timestamps (below 2^53 ms, the year 287,396). */
const readInt64 = (buf: Buffer, at: number) => buf.readInt32BE(at) * 2 ** 32 + buf.readUInt32BE(at + 4);

/** A key, value or header value as a record batch holds it: varint length (-1: null), then the bytes. */
const batchBytesSize = (length: number) => (length < 0 ? 1 : varintSize(length) + length);

/**
 * A segment's records where they lie in its decompressed payload, checked once and read by
 * index: a restore encodes them into record batches straight from the payload, with no
 * object per record (which made a fifth of its time in garbage collection). Slices and
 * filters share the payload.
 */
export class SegmentRecords implements BatchRecords {
  private constructor(
    private readonly plain: Buffer,
    /** Where each record's length lies in `plain`. */
    private readonly starts: Uint32Array,
    private readonly timestamps: Float64Array,
    /** Each record's key, value and headers as a record batch holds them, in bytes. */
    private readonly batchSizes: Uint32Array,
  ) {}

  /** Indexes and checks the payload's records; CorruptSegmentError naming `object` when one cannot be read. */
  static read(object: string, plain: Buffer): SegmentRecords {
    const starts: number[] = [];
    const timestamps: number[] = [];
    const batchSizes: number[] = [];
    let at = 0;
    let previous = -1n;
    try {
      while (at < plain.length) {
        const start = at;
        const end = at + 4 + plain.readUInt32BE(at);
        if (end > plain.length) throw new RangeError(`its length runs ${end - plain.length} bytes past the payload`);
        const offset = plain.readBigInt64BE(at + OFFSET_AT);
        const typeCode = plain.readUInt8(at + TYPE_AT);
        if (typeCode > 1) throw new RangeError(`timestamp type ${typeCode} is neither 0 (create) nor 1 (log-append)`);
        at += KEY_AT;
        const field = (): number => {
          const length = plain.readInt32BE(at);
          at += 4;
          if (length >= 0) {
            if (at + length > end) throw new RangeError('a field runs past its record');
            at += length;
          }
          return batchBytesSize(length);
        };
        let batchSize = field() + field();
        const headerCount = plain.readUInt32BE(at);
        at += 4;
        batchSize += varintSize(headerCount);
        for (let i = 0; i < headerCount; i++) {
          const length = plain.readUInt16BE(at);
          at += 2 + length;
          // The name's UTF-8 bytes, copied as they are.
          batchSize += batchBytesSize(length) + field();
        }
        if (at !== end) throw new RangeError(`a record's length says ${end} but its fields end at ${at}`);
        if (offset <= previous) throw new RangeError(`offset ${offset} follows ${previous}`);
        previous = offset;
        starts.push(start);
        timestamps.push(readInt64(plain, start + TIMESTAMP_AT));
        batchSizes.push(batchSize);
      }
    } catch (err) {
      throw new CorruptSegmentError(object, `record ${starts.length} cannot be decoded: ${(err as Error).message}`);
    }
    return new SegmentRecords(plain, Uint32Array.from(starts), Float64Array.from(timestamps), Uint32Array.from(batchSizes));
  }

  get length(): number {
    return this.starts.length;
  }

  /** A RangeError past the last record: a caller's mistake, not a corrupt segment. */
  private element(array: Uint32Array | Float64Array, i: number): number {
    const value = array[i];
    if (value === undefined) throw new RangeError(`record ${i} is past the last of ${array.length}`);
    return value;
  }

  offset(i: number): bigint {
    return this.plain.readBigInt64BE(this.element(this.starts, i) + OFFSET_AT);
  }

  timestamp(i: number): number {
    return this.element(this.timestamps, i);
  }

  /** Bytes record i takes in the payload (what encodedRecordSize counts). */
  size(i: number): number {
    return 4 + this.plain.readUInt32BE(this.element(this.starts, i));
  }

  /** Offsets and timestamps of the records; undefined for none. */
  span(): SegmentSpan | undefined {
    if (this.length === 0) return undefined;
    let min = 0;
    let max = 0;
    this.timestamps.forEach((t, i) => {
      if (t < this.element(this.timestamps, min)) min = i;
      if (t > this.element(this.timestamps, max)) max = i;
    });
    // The stored values, exact whatever their size (the index keeps them as Numbers).
    const exact = (i: number) => this.plain.readBigInt64BE(this.element(this.starts, i) + TIMESTAMP_AT);
    return { firstOffset: this.offset(0), lastOffset: this.offset(this.length - 1), minTimestamp: exact(min), maxTimestamp: exact(max) };
  }

  /** Records from..to (exclusive), sharing this one's memory. */
  slice(from: number, to = this.length): SegmentRecords {
    return new SegmentRecords(this.plain, this.starts.subarray(from, to), this.timestamps.subarray(from, to), this.batchSizes.subarray(from, to));
  }

  /** The records whose timestamp `keep` accepts, in order. */
  filter(keep: (timestamp: number) => boolean): SegmentRecords {
    const kept: number[] = [];
    this.timestamps.forEach((t, i) => keep(t) && kept.push(i));
    if (kept.length === this.length) return this;
    const pick = <A extends Uint32Array | Float64Array>(from: A, to: A) => {
      kept.forEach((i, j) => (to[j] = this.element(from, i)));
      return to;
    };
    return new SegmentRecords(this.plain, pick(this.starts, new Uint32Array(kept.length)), pick(this.timestamps, new Float64Array(kept.length)), pick(this.batchSizes, new Uint32Array(kept.length)));
  }

  /** Record i as an object; its key and values are views of the payload. */
  record(i: number): BackupRecord {
    const plain = this.plain;
    const start = this.element(this.starts, i);
    let at = start + KEY_AT;
    const bytes = (): Buffer | null => {
      const length = plain.readInt32BE(at);
      at += 4;
      if (length < 0) return null;
      at += length;
      return plain.subarray(at - length, at);
    };
    const key = bytes();
    const value = bytes();
    const headers: Array<[string, Buffer | null]> = [];
    const headerCount = plain.readUInt32BE(at);
    at += 4;
    for (let h = 0; h < headerCount; h++) {
      const length = plain.readUInt16BE(at);
      at += 2 + length;
      headers.push([plain.toString('utf8', at - length, at), bytes()]);
    }
    return {
      offset: this.offset(i),
      timestamp: plain.readBigInt64BE(start + TIMESTAMP_AT),
      timestampType: plain.readUInt8(start + TYPE_AT) === 1 ? 'log-append' : 'create',
      key,
      value,
      headers,
    };
  }

  all(): BackupRecord[] {
    return Array.from({ length: this.length }, (_, i) => this.record(i));
  }

  fieldsSize(i: number): number {
    return this.element(this.batchSizes, i);
  }

  writeFields(buf: Buffer, at: number, i: number): number {
    const plain = this.plain;
    let from = this.element(this.starts, i) + KEY_AT;
    const bytes = () => {
      const length = plain.readInt32BE(from);
      from += 4;
      at = writeVarint(buf, at, length);
      if (length > 0) {
        at += plain.copy(buf, at, from, from + length);
        from += length;
      }
    };
    bytes();
    bytes();
    const headerCount = plain.readUInt32BE(from);
    from += 4;
    at = writeVarint(buf, at, headerCount);
    for (let h = 0; h < headerCount; h++) {
      const length = plain.readUInt16BE(from);
      from += 2;
      at = writeVarint(buf, at, length);
      at += plain.copy(buf, at, from, from + length);
      from += length;
      bytes();
    }
    return at;
  }
}
