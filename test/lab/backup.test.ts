// The backup workflow against the lab: every record a plain consumer reads is in the
// segments the manifest lists, once, field by field; every other offset is a recorded gap
// with its reason; configs, partition counts and group offsets are those of the cluster.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Kafka } from 'kafkajs';
import { fetcherFor, producerFor } from '#src/kafka/connection';
import { PartitionReader } from '#src/kafka/partition-records';
import { SecretReader } from '#src/secrets';
import { BackupBucket } from '#src/backup/bucket';
import { manifestKey, type Manifest, type PartitionBackup } from '#src/backup/manifest';
import { decodeSegment, type BackupRecord } from '#src/backup/segment';
import { backupRig, type BackupRig } from '../support/backup';
import { kafkajsRecords } from '../support/kafkajs-reader';
import { ensureTopic, eventually, labContext, sendRecords, spacedRecords, uniqueName, type LabContext } from '../support/lab';
import type { LocalExecution } from '../../lab/local-state-machine';

jest.setTimeout(240_000);

interface Seen {
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string | null>;
}

const hex = (b: Buffer | null | undefined) => (b === null || b === undefined ? null : b.toString('hex'));

/** Every record of the topic as a plain (read_committed) consumer sees it, in partition and offset order. */
async function consumed(kafka: Kafka, topic: string): Promise<Seen[]> {
  return (await kafkajsRecords(kafka, topic)).flatMap((records, partition) =>
    records.map((m) => {
      const headers: Record<string, string | null> = {};
      for (const [name, value] of Object.entries(m.headers ?? {})) headers[name] = hex(value as Buffer | null);
      return { partition, offset: m.offset, timestamp: m.timestamp, key: hex(m.key), value: hex(m.value), headers };
    }),
  );
}

function asSeen(partition: number, r: BackupRecord): Seen {
  return { partition, offset: String(r.offset), timestamp: String(r.timestamp), key: hex(r.key), value: hex(r.value), headers: Object.fromEntries(r.headers.map(([n, v]) => [n, hex(v)])) };
}

/** Every record in the segments the manifest lists for the topic, decoded. */
async function backedUp(bucket: BackupBucket, manifest: Manifest, topic: string): Promise<{ records: Seen[]; raw: BackupRecord[] }> {
  const entry = manifest.topics.find((t) => t.name === topic);
  if (!entry) throw new Error(`${topic} is not in backup ${manifest.backupId}`);
  const records: Seen[] = [];
  const raw: BackupRecord[] = [];
  for (const p of entry.partitions) {
    for (const s of p.segments) {
      const { records: decoded } = decodeSegment(s.key, (await bucket.get(s.key))!);
      expect(decoded.length).toBe(s.recordCount);
      raw.push(...decoded);
      records.push(...decoded.map((r) => asSeen(p.partition, r)));
    }
  }
  return { records, raw };
}

/** Records and gaps together cover [startOffset, endOffset) exactly once. */
function expectCovered(p: PartitionBackup, recordOffsets: number[]): void {
  const covered: number[] = [...recordOffsets];
  for (const g of p.gaps) for (let o = g.from; o < g.to; o++) covered.push(o);
  covered.sort((a, b) => a - b);
  expect(covered).toEqual(Array.from({ length: p.endOffset - p.startOffset }, (_, i) => p.startOffset + i));
}

let ctx: LabContext;
let rig: BackupRig;
let bucket: BackupBucket;

beforeAll(async () => {
  ctx = await labContext();
  rig = await backupRig();
  bucket = rig.bucket;
});

/** Copy invocations of the execution: each batch's child execution of the map run runs its own. */
const copiesOf = (run: LocalExecution) => run.mapRuns.flatMap((m) => m.children).flatMap((c) => c.states).filter((s) => s === 'Copy').length;

function expectSucceeded(run: { status: string; error?: string; cause?: string }): void {
  expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
}

async function backup(topics: string[], options: Parameters<BackupRig['run']>[2] = {}): Promise<{ run: LocalExecution; output: any; manifest: Manifest; seconds: number; copies: number }> {
  const started = Date.now();
  const run = await rig.run('backup', { topics }, options);
  const seconds = (Date.now() - started) / 1000;
  expectSucceeded(run);
  const output = run.output as any;
  return { run, output, manifest: await bucket.readManifest(output.backupId), seconds, copies: copiesOf(run) };
}

/** The backed-up records equal the consumed ones one by one, and no offset is in two segments. */
async function expectWholeTopic(manifest: Manifest, topic: string): Promise<Seen[]> {
  const { records } = await backedUp(bucket, manifest, topic);
  const keys = records.map((r) => `${r.partition}/${r.offset}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(records).toEqual(await consumed(await ctx.kafkaFor('dc1'), topic));
  for (const p of manifest.topics.find((t) => t.name === topic)!.partitions) expectCovered(p, records.filter((r) => r.partition === p.partition).map((r) => Number(r.offset)));
  return records;
}

/** `count` single-record segments' worth: timestamps 61 s apart (past the lab's 60 s segment age). */
const minuteApart = (count: number, partitions = 1) => spacedRecords(count, Date.now() - count * 61_000, 61_000, partitions);

describe('backup', () => {
  it('copies keys, null keys, tombstones, headers, a compacted and a transactional topic record by record, with gaps, configs and group offsets', async () => {
    const kafka = await ctx.kafkaFor('dc1');
    const base = uniqueName('bk');
    const [orders, compacted, txn] = [`${base}-orders`, `${base}-compacted`, `${base}-txn`];
    await ensureTopic(await ctx.adminFor('dc1'), orders, 3, { 'retention.ms': '86400000' });
    // Cleaned as soon as possible, so that the backup meets compaction's gaps.
    const eager = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.001', 'segment.ms': '100', 'delete.retention.ms': '100' };
    await ensureTopic(await ctx.adminFor('dc1'), compacted, 2, eager);
    await ensureTopic(await ctx.adminFor('dc1'), txn, 2);

    const now = Date.now();
    const producer = await producerFor(ctx.config.clusters.find((c) => c.name === 'dc1')!, new SecretReader());
    try {
      await producer.send({
        acks: -1,
        messages: Array.from({ length: 60 }, (_, i) => ({
          topic: orders,
          partition: i % 3,
          key: i % 7 === 0 ? undefined : Buffer.from(`order-${i}`),
          value: (i % 5 === 0 ? null : Buffer.from(`{"order":${i}}`)) as Buffer,
          timestamp: BigInt(now - 60_000 + i),
          headers: i % 2 === 0 ? new Map<Buffer, Buffer>([[Buffer.from('trace'), Buffer.from(`t${i}`)], [Buffer.from('empty'), null as unknown as Buffer]]) : undefined,
        })),
      });
    } finally {
      await producer.close();
    }
    // Overwrites in rounds, each in a new log segment (segment.ms), so the cleaner has dirty segments to compact.
    for (let round = 0; round < 5; round++) {
      await sendRecords(kafka, compacted, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, key: `k${i % 10}`, value: `r${round}-${i}` })));
      await new Promise((r) => setTimeout(r, 300));
    }
    await eventually(
      'compaction of the compacted topic',
      async () => {
        await sendRecords(kafka, compacted, [{ partition: 0, key: 'roll', value: 'x' }, { partition: 1, key: 'roll', value: 'x' }]);
        const seen = await consumed(kafka, compacted);
        return seen.some((s, i) => BigInt(s.offset) !== (i > 0 && seen[i - 1]!.partition === s.partition ? BigInt(seen[i - 1]!.offset) + 1n : 0n)) ? true : undefined;
      },
      90_000,
      2000,
    );
    // No cleaning from here on (every record is younger than the lag): the topic read back after the backup holds what the backup read.
    const settling = kafka.admin();
    await settling.connect();
    // alterConfigs replaces the topic's configs: the eager ones are restated.
    const settled = { ...eager, 'min.compaction.lag.ms': '3600000' };
    await settling.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: compacted, configEntries: Object.entries(settled).map(([name, value]) => ({ name, value })) }] });
    await settling.disconnect();

    const transactional = kafka.producer({ transactionalId: `${base}-tx`, maxInFlightRequests: 1, idempotent: true });
    await transactional.connect();
    for (const [n, outcome] of [[10, 'commit'], [5, 'abort'], [6, 'commit']] as const) {
      const t = await transactional.transaction();
      await t.send({ topic: txn, messages: Array.from({ length: n }, (_, i) => ({ partition: i % 2, key: `${outcome}-${i}`, value: `v${i}` })) });
      await (outcome === 'commit' ? t.commit() : t.abort());
    }
    await transactional.disconnect();

    const group = `${base}-app`;
    const consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topics: [orders], fromBeginning: true });
    let seenCount = 0;
    const committed = [{ partition: 0, offset: '5' }, { partition: 1, offset: '12' }, { partition: 2, offset: '20' }];
    await new Promise<void>((resolve) => {
      void consumer.run({ autoCommit: false, eachMessage: async () => void (++seenCount === 60 && resolve()) });
    });
    await consumer.commitOffsets(committed.map((c) => ({ topic: orders, ...c })));
    await consumer.disconnect();

    const { output, manifest, seconds } = await backup([`${base}-.*`]);
    expect(manifest.topics.map((t) => t.name)).toEqual([compacted, orders, txn]);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({ resources: [orders, compacted, txn].map((name) => ({ type: 2, name })), includeSynonyms: false });
      const metadata = await admin.fetchTopicMetadata({ topics: [orders, compacted, txn] });
      for (const topic of [orders, compacted, txn]) {
        const entry = manifest.topics.find((t) => t.name === topic)!;
        const configs = described.resources.find((r) => r.resourceName === topic)!.configEntries.filter((c) => c.configSource === 1 && !c.readOnly && !c.isSensitive);
        expect(entry.configs).toEqual(Object.fromEntries(configs.map((c) => [c.configName, c.configValue])));
        expect(entry.partitionCount).toBe(metadata.topics.find((t) => t.name === topic)!.partitions.length);
        const ends = await admin.fetchTopicOffsets(topic);
        const { records, raw } = await backedUp(bucket, manifest, topic);
        expect(records).toEqual(await consumed(kafka, topic));
        expect(raw.every((r) => r.timestampType === 'create')).toBe(true);
        for (const p of entry.partitions) {
          expect(p.endOffset).toBe(Number(ends.find((e) => e.partition === p.partition)!.high));
          expectCovered(p, records.filter((r) => r.partition === p.partition).map((r) => Number(r.offset)));
        }
      }
    } finally {
      await admin.disconnect();
    }
    const gapsOf = (topic: string) => manifest.topics.find((t) => t.name === topic)!.partitions.flatMap((p) => p.gaps);
    expect(gapsOf(orders)).toEqual([]);
    expect(gapsOf(compacted).length).toBeGreaterThan(0);
    expect(new Set(gapsOf(compacted).map((g) => g.reason))).toEqual(new Set(['compaction']));
    expect(gapsOf(txn).length).toBeGreaterThan(0);
    expect(new Set(gapsOf(txn).map((g) => g.reason))).toEqual(new Set(['transaction-markers']));
    // The aborted transaction's 5 records and the 3 markers per partition hold no record.
    expect(gapsOf(txn).reduce((n, g) => n + g.to - g.from, 0)).toBe(5 + 3 * 2);
    expect(manifest.consumerGroups.find((g) => g.group === group)?.offsets.sort((a, b) => a.partition - b.partition)).toEqual(
      committed.map((c) => ({ topic: orders, partition: c.partition, offset: Number(c.offset) })),
    );
    expect(output).toMatchObject({ topics: 3, partitions: 7, newRecords: output.records, newSegments: output.segments });
    console.log(`backup of 3 topics: ${output.records} records, ${output.segments} segments, gaps ${JSON.stringify(output.gaps)}, ${seconds.toFixed(1)} s`);
  });

  it('copies only the records produced since the previous backup, inheriting its segments', async () => {
    const kafka = await ctx.kafkaFor('dc1');
    const topic = `${uniqueName('bk')}-orders`;
    await ensureTopic(await ctx.adminFor('dc1'), topic, 2);
    await sendRecords(kafka, topic, spacedRecords(40, Date.now() - 10_000, 1));
    const first = await backup([topic]);
    expect(first.output.newRecords).toBe(40);
    await sendRecords(kafka, topic, spacedRecords(30, Date.now() - 5_000, 1));
    const second = await backup([topic]);
    expect(second.output).toMatchObject({ newRecords: 30, records: 70 });
    const segments = (m: Manifest) => m.topics[0]!.partitions.flatMap((p) => p.segments);
    const inherited = segments(second.manifest).filter((s) => s.backupId === first.output.backupId);
    expect(inherited.map((s) => s.key)).toEqual(segments(first.manifest).map((s) => s.key));
    expect(segments(second.manifest).filter((s) => s.backupId === second.output.backupId).length).toBe(second.output.newSegments);
    expect(second.output.newSegments).toBeGreaterThan(0);
    expect((await expectWholeTopic(second.manifest, topic)).length).toBe(70);
    // Nothing new: still a manifest, with the configs and group offsets of its time.
    const third = await backup([topic]);
    expect(third.output).toMatchObject({ newRecords: 0, newSegments: 0, records: 70, segments: second.output.segments });
    expect(third.run.mapRuns).toEqual([]); // nothing new: no map run at all
    console.log(`incremental: ${first.output.records} records / ${first.output.segments} segments in ${first.seconds.toFixed(1)} s, then ${second.output.newRecords} new records / ${second.output.newSegments} new segments in ${second.seconds.toFixed(1)} s`);
  });

  it('records retention gaps: below the log start at plan time, and when the log start passes a read', async () => {
    const kafka = await ctx.kafkaFor('dc1');
    const topic = `${uniqueName('bk')}-orders`;
    await ensureTopic(await ctx.adminFor('dc1'), topic, 1);
    await sendRecords(kafka, topic, spacedRecords(20, Date.now() - 10_000, 1, 1));
    const first = await backup([topic]);
    const before = await consumed(kafka, topic);
    await sendRecords(kafka, topic, spacedRecords(20, Date.now() - 5_000, 1, 1));
    await (await ctx.adminFor('dc1')).deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 25n }] }] });
    const second = await backup([topic]);
    expect(second.output).toMatchObject({ newRecords: 15, records: 35, gaps: { retention: 1 } });
    const [p] = second.manifest.topics[0]!.partitions;
    expect(p).toMatchObject({ startOffset: 0, endOffset: 40, gaps: [{ from: 20, to: 25, reason: 'retention' }] });
    const { records } = await backedUp(bucket, second.manifest, topic);
    expect(records).toEqual([...before, ...(await consumed(kafka, topic))]);
    expectCovered(p!, records.map((r) => Number(r.offset)));
    expect(first.output.records).toBe(20);

    const fetcher = await fetcherFor(ctx.config.clusters.find((c) => c.name === 'dc1')!, new SecretReader(), 'kafka-dr-backup');
    try {
      const reader = await PartitionReader.open(fetcher, [topic], new Set());
      const read = await reader.read([{ topic, partition: 0, offset: 3n, end: 40n }]);
      expect(read.get(`${topic}/0`)).toEqual({ records: [], gaps: [{ from: 3n, to: 25n, reason: 'retention' }], next: 25n });
    } finally {
      await fetcher.close();
    }
  });

  it('refuses bad input in the InvalidInput state, recording no run', async () => {
    for (const input of [{ topics: ['orders('] }, { topics: [] }, { topic: 'orders' }]) {
      const run = await rig.run('backup', input);
      expect([run.status, run.error, run.states.at(-1)]).toEqual(['FAILED', 'InvalidInput', 'InvalidInput']);
      expect(run.cause).toMatch(/InvalidBackupInput|is invalid/);
    }
    const { Item } = await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(new GetCommand({ TableName: rig.stateTable, Key: { pk: 'backup-run' } }));
    expect(Item).toBeUndefined();
  });

  it('continues a copy past its Lambda deadline without gap or duplicate', async () => {
    const kafka = await ctx.kafkaFor('dc1');
    const topic = `${uniqueName('bk')}-orders`;
    await ensureTopic(await ctx.adminFor('dc1'), topic, 1);
    // 600 segments, each an upload and a transaction: well over one 5 s invocation's worth
    // (a warm bundle wrote 200 in under 4.25 s; a 5 s invocation works for 3 s, keeping 2 s
    // to finish its last segment). Not shorter: the function is stopped at its timeout.
    await sendRecords(kafka, topic, minuteApart(600));
    const { output, manifest, seconds, copies } = await backup([topic], { functionTimeoutSeconds: { 'backup-copy': 5 } });
    expect(copies).toBeGreaterThanOrEqual(2);
    expect(output).toMatchObject({ records: 600, segments: 600 });
    expect((await expectWholeTopic(manifest, topic)).length).toBe(600);
    console.log(`deadline continuation: ${output.records} records, ${output.segments} segments, ${copies} Copy invocations of 5 s, ${seconds.toFixed(1)} s`);
  });

  it('closes segments by payload size and by timestamp span', async () => {
    const kafka = await ctx.kafkaFor('dc1');
    const topic = `${uniqueName('bk')}-orders`;
    await ensureTopic(await ctx.adminFor('dc1'), topic, 2);
    // Incompressible, five per request (a request stays under the broker's 1 MiB message.max.bytes).
    for (let i = 0; i < 25; i += 5) {
      await sendRecords(kafka, topic, Array.from({ length: 5 }, (_, j) => ({ partition: 0, key: `big-${i + j}`, value: randomBytes(100 * 1024) })));
    }
    const t0 = Date.now() - 600_000;
    await sendRecords(kafka, topic, [0, 10, 20, 70, 80, 200].map((s) => ({ partition: 1, key: `at-${s}`, value: 'x', timestamp: String(t0 + s * 1000) })));
    const { manifest, output, seconds } = await backup([topic]);
    const [bySize, byTime] = manifest.topics[0]!.partitions;
    const maxBytes = ctx.config.backup!.segment.maxBytes;
    // 25 records of ~100 KiB in 1 MiB segments: 10, 10, 5 (an 11th would overflow).
    expect(bySize!.segments.map((s) => s.recordCount)).toEqual([10, 10, 5]);
    for (const s of bySize!.segments) expect(s.uncompressedBytes).toBeLessThanOrEqual(maxBytes);
    // 0, 10, 20 s | 70, 80 s | 200 s: a segment spans less than 60 s.
    expect(byTime!.segments.map((s) => [s.recordCount, s.minTimestamp - t0, s.maxTimestamp - t0])).toEqual([[3, 0, 20_000], [2, 70_000, 80_000], [1, 200_000, 200_000]]);
    await expectWholeTopic(manifest, topic);
    console.log(`rotation: ${output.records} records in ${output.segments} segments (${output.bytes} bytes), ${seconds.toFixed(1)} s`);
  });

  it('resumes a backup killed mid-copy: same backup id, no gap, no offset twice', async () => {
    const kafka = await ctx.kafkaFor('dc1');
    const topic = `${uniqueName('bk')}-orders`;
    await ensureTopic(await ctx.adminFor('dc1'), topic, 1);
    await sendRecords(kafka, topic, minuteApart(80));
    // The workflow's Plan, then its Copy, whose execution environment is killed once a segment has landed.
    const s3 = new S3Client({ forcePathStyle: true });
    const plan = (await rig.invoke('backup-plan', { input: { topics: [topic] }, execution: { name: uniqueName('killed'), startedAt: new Date().toISOString() } })) as any;
    const copying = rig.invoke('backup-copy', { backupId: plan.backupId, partitions: (await rig.batchesOf(plan.batches))[0]!.partitions }).then(
      () => 'finished',
      (err: Error) => err.name,
    );
    const uploaded = await eventually(
      'the killed backup\'s first segment in S3',
      async () => {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket.name, Prefix: `segments/dc1/${topic}/` }));
        return listed.Contents?.length ? listed.Contents.map((c) => c.Key!) : undefined;
      },
      60_000,
      50,
    );
    (await rig.functions()).get('backup-copy')!.close();
    expect(await copying).toBe('Runtime.ExitError');
    const killedId = /-(\d{8}T\d{6}Z-[a-z0-9]+)\.kdrs$/.exec(uploaded[0]!)![1]!;
    expect(killedId).toBe(plan.backupId);
    expect(await bucket.get(manifestKey(killedId))).toBeUndefined();
    await expect(rig.invoke('backup-finish', { backupId: killedId })).rejects.toThrow(new RegExp(`backup ${killedId} cannot be finished: 1 partition\\(s\\) are not copied to the snapshot's end \\(${topic}-0 at \\d+ of 80\\)`));

    const started = Date.now();
    const { output, manifest } = await backup([topic]);
    expect(output.backupId).toBe(killedId); // the unfinished run, resumed
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket.name, Prefix: `segments/dc1/${topic}/` }));
    expect((await expectWholeTopic(manifest, topic)).length).toBe(80);
    // Every object uploaded, before or after the kill, is in the manifest: nothing was copied twice.
    expect(manifest.topics[0]!.partitions[0]!.segments.map((s) => s.key).sort()).toEqual(listed.Contents!.map((c) => c.Key!).sort());
    console.log(`kill mid-run: ${uploaded.length} segment(s) uploaded when killed; re-run resumed ${killedId}: ${output.newRecords} records in ${output.newSegments} segments, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
