// Decoders for MirrorMaker 2's internal records. MM2 writes them with Kafka's protocol
// types (big-endian; STRING = INT16 length + UTF-8). The topics are compacted: a reader
// keeps the last value per key. Checked against MM2's own formatters in the lab tests.

export interface Checkpoint {
  group: string;
  /** The topic on the target cluster (already renamed by the replication policy). */
  topic: string;
  partition: number;
  upstreamOffset: bigint;
  downstreamOffset: bigint;
  metadata: string;
}

export interface OffsetSync {
  /** The topic on the source cluster. */
  topic: string;
  partition: number;
  upstreamOffset: bigint;
  downstreamOffset: bigint;
}

export interface Heartbeat {
  sourceAlias: string;
  targetAlias: string;
  /** Epoch milliseconds at which MM2's heartbeat connector emitted it on the source. */
  timestamp: number;
}

export class Mm2RecordError extends Error {
  constructor(kind: string, message: string) {
    super(`cannot decode MM2 ${kind} record: ${message}`);
    this.name = 'Mm2RecordError';
  }
}

/** A cursor over a protocol-encoded buffer that refuses to read past the end. */
class ProtocolReader {
  private offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly kind: string,
  ) {}

  private need(bytes: number): void {
    if (this.offset + bytes > this.buf.length) {
      throw new Mm2RecordError(this.kind, `truncated: needed ${bytes} bytes at offset ${this.offset} of ${this.buf.length}`);
    }
  }

  private take<T>(bytes: number, read: (offset: number) => T): T {
    this.need(bytes);
    const value = read(this.offset);
    this.offset += bytes;
    return value;
  }

  int16(): number {
    return this.take(2, (o) => this.buf.readInt16BE(o));
  }

  int32(): number {
    return this.take(4, (o) => this.buf.readInt32BE(o));
  }

  int64(): bigint {
    return this.take(8, (o) => this.buf.readBigInt64BE(o));
  }

  string(): string {
    const length = this.int16();
    if (length < 0) throw new Mm2RecordError(this.kind, `null STRING at offset ${this.offset - 2}`);
    return this.take(length, (o) => this.buf.toString('utf8', o, o + length));
  }

  version(expected: number): void {
    const version = this.int16();
    if (version !== expected) throw new Mm2RecordError(this.kind, `unsupported version ${version} (expected ${expected})`);
  }

  end(): void {
    if (this.offset !== this.buf.length) {
      throw new Mm2RecordError(this.kind, `${this.buf.length - this.offset} unexpected trailing bytes`);
    }
  }
}

function requireBytes(kind: string, part: string, bytes: Buffer | null): Buffer {
  if (!bytes) throw new Mm2RecordError(kind, `null ${part}`);
  return bytes;
}

export function decodeCheckpoint(key: Buffer | null, value: Buffer | null): Checkpoint {
  const k = new ProtocolReader(requireBytes('checkpoint', 'key', key), 'checkpoint');
  const group = k.string();
  const topic = k.string();
  const partition = k.int32();
  k.end();
  const v = new ProtocolReader(requireBytes('checkpoint', 'value', value), 'checkpoint');
  v.version(0);
  const upstreamOffset = v.int64();
  const downstreamOffset = v.int64();
  const metadata = v.string();
  v.end();
  return { group, topic, partition, upstreamOffset, downstreamOffset, metadata };
}

/** Protocol STRING: INT16 byte length, then UTF-8. */
function protocolString(what: string, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 0x7fff) throw new RangeError(`cannot encode MM2 checkpoint: ${what} is ${bytes.length} bytes, a protocol STRING holds at most 32767`);
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The record MM2's checkpoint connector would write for `c`: the exact inverse of decodeCheckpoint. */
export function encodeCheckpoint(c: Checkpoint): { key: Buffer; value: Buffer } {
  const partition = Buffer.alloc(4);
  partition.writeInt32BE(c.partition);
  const offsets = Buffer.alloc(18);
  offsets.writeInt16BE(0, 0); // value schema version
  offsets.writeBigInt64BE(c.upstreamOffset, 2);
  offsets.writeBigInt64BE(c.downstreamOffset, 10);
  return {
    key: Buffer.concat([protocolString('the group', c.group), protocolString('the topic', c.topic), partition]),
    value: Buffer.concat([offsets, protocolString('the metadata', c.metadata)]),
  };
}

export function decodeOffsetSync(key: Buffer | null, value: Buffer | null): OffsetSync {
  const k = new ProtocolReader(requireBytes('offset-sync', 'key', key), 'offset-sync');
  const topic = k.string();
  const partition = k.int32();
  k.end();
  const v = new ProtocolReader(requireBytes('offset-sync', 'value', value), 'offset-sync');
  const upstreamOffset = v.int64();
  const downstreamOffset = v.int64();
  v.end();
  return { topic, partition, upstreamOffset, downstreamOffset };
}

export function decodeHeartbeat(key: Buffer | null, value: Buffer | null): Heartbeat {
  const k = new ProtocolReader(requireBytes('heartbeat', 'key', key), 'heartbeat');
  const sourceAlias = k.string();
  const targetAlias = k.string();
  k.end();
  const v = new ProtocolReader(requireBytes('heartbeat', 'value', value), 'heartbeat');
  v.version(0);
  const timestamp = Number(v.int64());
  v.end();
  return { sourceAlias, targetAlias, timestamp };
}
