// A backup of a topic with thousands of partitions through the synthesized Distributed Map:
// the plan's batch list is read from the batch bucket, each batch is a child execution with a
// history of its own, the map run's results land beside the list, and the parent's history
// and payloads stay as small as for a topic of two partitions. Every partition's record is in
// the manifest's segments. (Inline, the batches alone would have been most of the 256 KB
// state payload at 3,000 partitions, and the copies' state transitions one shared history.)
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Admin } from 'kafkajs';
import { parseEstateConfig } from '#src/config/parse';
import { decodeSegment } from '#src/backup/segment';
import { backupRig, type BackupRig } from '../support/backup';
import { ensureTopic, eventually, labContext, sendRecords, uniqueName } from '../support/lab';

const PARTITIONS = 3000;
const PER_INVOCATION = 50;
const topic = uniqueName('wide'); // wide-*: left out of MM2's replication (lab/connectors)
let rig: BackupRig;
let admin: Admin;

beforeAll(async () => {
  const ctx = await labContext();
  const backup = ctx.config.backup!;
  rig = await backupRig(
    parseEstateConfig({ ...ctx.config, backup: { ...backup, parallelism: { ...backup.parallelism, partitionsPerInvocation: PER_INVOCATION } } }, `the lab estate, ${PER_INVOCATION} partitions a copy`),
  );
  admin = (await ctx.kafkaFor('dc1')).admin();
  await admin.connect();
  await ensureTopic(await ctx.adminFor('dc1'), topic, PARTITIONS);
  // Elected is not yet served: a produce to a partition the broker has not loaded fails with NOT_LEADER.
  await eventually(`every partition of ${topic} served`, async () => ((await admin.fetchTopicOffsets(topic)).length === PARTITIONS ? true : undefined), 120_000, 500);
  // One record in every partition, its partition number in the value.
  await sendRecords(await ctx.kafkaFor('dc1'), topic, Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, key: `k${partition}`, value: `p${partition}` })));
}, 300_000);

afterAll(async () => {
  // Three thousand partitions would slow every later test of the shared lab.
  await admin?.deleteTopics({ topics: [topic], timeout: 120_000 });
  await admin?.disconnect();
});

it(`backs up ${PARTITIONS} partitions through one map run of ${PARTITIONS / PER_INVOCATION} child executions, each with its own history; the parent's stays small`, async () => {
  const started = Date.now();
  const run = await rig.run('backup', { topics: [topic] });
  const seconds = (Date.now() - started) / 1000;
  expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED' });

  // The map run: every batch a child that succeeded, each copying its 50 partitions in one invocation.
  expect(run.mapRuns.map((m) => [m.state, m.status, m.children.length])).toEqual([['CopyPartitions', 'SUCCEEDED', PARTITIONS / PER_INVOCATION]]);
  const [mapRun] = run.mapRuns;
  const children = mapRun!.children;
  expect(children.every((c) => c.status === 'SUCCEEDED' && c.states.join(' ') === 'Copy BatchCopied? BatchCopied')).toBe(true);
  const copied = children.flatMap((c) => (c.input as { partitions: { topic: string; partition: number }[] }).partitions.map((p) => p.partition));
  expect(copied.sort((a, b) => a - b)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));

  // The parent's history and payloads do not grow with the partitions.
  const largestPayload = Math.max(...run.events.map((e) => JSON.stringify(e).length));
  const childHistory = Math.max(...children.map((c) => c.historyEvents));
  console.log(`${PARTITIONS} partitions: ${seconds.toFixed(1)} s; parent history ${run.events.length} events, largest ${largestPayload} bytes; ${children.length} children, at most ${childHistory} events each`);
  expect(run.events.length).toBeLessThan(60);
  expect(largestPayload).toBeLessThan(8 * 1024);

  // The results Step Functions writes: a manifest naming the SUCCEEDED file, which lists every child with its input.
  const manifest = JSON.parse((await rig.batchBucket.get(mapRun!.results!.manifest))!) as { MapRunArn: string; ResultFiles: Record<string, { Key: string }[]> };
  expect(manifest.MapRunArn).toBe(mapRun!.arn);
  expect(manifest.ResultFiles.FAILED).toEqual([]);
  const succeeded = (await Promise.all(manifest.ResultFiles.SUCCEEDED!.map(async ({ Key }) => JSON.parse((await rig.batchBucket.get(Key))!) as { Status: string }[]))).flat();
  expect(succeeded).toHaveLength(children.length);

  // The backup itself: every partition's one record, in the segments the manifest lists.
  const output = run.output as { backupId: string };
  const backup = await rig.bucket.readManifest(output.backupId);
  const partitions = backup.topics.find((t) => t.name === topic)!.partitions;
  expect(partitions).toHaveLength(PARTITIONS);
  for (const p of partitions.filter((_, i) => i % 300 === 0)) {
    expect([p.partition, p.endOffset, p.segments.length]).toEqual([p.partition, 1, 1]);
    const records = decodeSegment(p.segments[0]!.key, (await rig.bucket.get(p.segments[0]!.key))!).records;
    expect(records.map((r) => r.value?.toString())).toEqual([`p${p.partition}`]);
  }
  expect(partitions.every((p) => p.endOffset === 1 && p.segments.length === 1)).toBe(true);
}, 600_000);
