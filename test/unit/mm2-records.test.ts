// Decoders checked against records MM2 itself wrote in the lab (test/fixtures/mm2-records.json,
// captured by `npx tsx lab/capture-mm2-records.ts`), each paired with the line MM2's own
// formatter printed for it.
import { readFileSync } from 'node:fs';
import { decodeCheckpoint, decodeHeartbeat, decodeOffsetSync, encodeCheckpoint, Mm2RecordError } from '#src/mm2/records';
import { formatCheckpoint, formatHeartbeat, formatOffsetSync } from '../support/mm2-format';

interface Vector {
  key: string;
  value: string;
  formatted: string;
}
const vectors = JSON.parse(readFileSync('test/fixtures/mm2-records.json', 'utf8')) as {
  kafkaVersion: string;
  checkpoints: Vector[];
  offsetSyncs: Vector[];
  heartbeats: Vector[];
};
const hex = (s: string) => Buffer.from(s, 'hex');

describe(`MM2 record decoders (vectors from Kafka ${vectors.kafkaVersion})`, () => {
  it.each(vectors.checkpoints)('decodes checkpoint $formatted', (v) => {
    expect(formatCheckpoint(decodeCheckpoint(hex(v.key), hex(v.value)))).toBe(v.formatted);
  });
  it.each(vectors.checkpoints)('encodes checkpoint $formatted back to the bytes MM2 wrote', (v) => {
    const { key, value } = encodeCheckpoint(decodeCheckpoint(hex(v.key), hex(v.value)));
    expect({ key: key.toString('hex'), value: value.toString('hex') }).toEqual({ key: v.key, value: v.value });
  });
  it.each(vectors.offsetSyncs)('decodes offset sync $formatted', (v) => {
    expect(formatOffsetSync(decodeOffsetSync(hex(v.key), hex(v.value)))).toBe(v.formatted);
  });
  it.each(vectors.heartbeats)('decodes heartbeat $formatted', (v) => {
    expect(formatHeartbeat(decodeHeartbeat(hex(v.key), hex(v.value)))).toBe(v.formatted);
  });

  it('refuses truncated, padded, versioned-up and null records with the reason', () => {
    const cp = vectors.checkpoints[0]!;
    const group = hex(cp.key).readInt16BE(0);
    expect(() => decodeCheckpoint(hex(cp.key).subarray(0, 5), hex(cp.value))).toThrow(new Mm2RecordError('checkpoint', `truncated: needed ${group} bytes at offset 2 of 5`).message);
    expect(() => decodeCheckpoint(hex(cp.key), Buffer.concat([hex(cp.value), Buffer.from([0])]))).toThrow(/1 unexpected trailing bytes/);
    const v1 = hex(cp.value);
    v1.writeInt16BE(1, 0);
    expect(() => decodeCheckpoint(hex(cp.key), v1)).toThrow(/unsupported version 1 \(expected 0\)/);
    expect(() => decodeHeartbeat(null, Buffer.alloc(10))).toThrow(/cannot decode MM2 heartbeat record: null key/);
  });
});
