// Regenerates test/fixtures/mm2-records.json: raw key/value bytes of records MM2 wrote in
// the running lab, each paired with the line MM2's own formatter prints for it (same topic,
// same order: these topics have one partition). Run with the lab up and some traffic:
//   npm start && npx tsx lab/capture-mm2-records.ts
import { writeFileSync } from 'node:fs';
import { estateClients } from '#src/kafka/connection';
import { partitionEnds, readRanges, wholeTopic } from '#src/kafka/topic-reader';
import { SecretReader } from '#src/secrets';
import { labEstate, readLabInfo } from './estate';
import { mm2Formatter, type Mm2Formatter } from './mm2-formatter';

const PER_KIND = 6;
const lab = readLabInfo();
const config = await labEstate(lab);
const { clients, close } = estateClients(config.clusters, new SecretReader(), 'kafka-dr-capture');

async function capture(cluster: 'dc1' | 'dc2', topic: string, formatter: Mm2Formatter) {
  const fetcher = await clients.fetcher(cluster);
  const ends = await partitionEnds(fetcher, topic);
  if (ends.length !== 1) throw new Error(`${topic} has ${ends.length} partitions: pairing by order needs exactly one`);
  const raw: { key: string; value: string }[] = [];
  await readRanges(fetcher, topic, wholeTopic(ends), (_, r) => raw.push({ key: r.key?.toString('hex') ?? '', value: r.value?.toString('hex') ?? '' }));
  const lines = mm2Formatter(lab, cluster, topic, formatter, raw.length);
  if (lines.length !== raw.length) throw new Error(`${formatter} printed ${lines.length} lines for ${raw.length} records of ${topic}`);
  // Keep the first and the newest records: a small file that still spans the topic's history.
  const pairs = raw.map((r, i) => ({ ...r, formatted: lines[i]! }));
  return pairs.length <= PER_KIND ? pairs : [...pairs.slice(0, PER_KIND / 2), ...pairs.slice(-PER_KIND / 2)];
}

const vectors = {
  kafkaVersion: lab.kafkaVersion,
  checkpoints: await capture('dc2', 'dc1.checkpoints.internal', 'CheckpointFormatter'),
  offsetSyncs: await capture('dc1', 'mm2-offset-syncs.dc2.internal', 'OffsetSyncFormatter'),
  heartbeats: await capture('dc2', 'dc1.heartbeats', 'HeartbeatFormatter'),
};
await close();
writeFileSync('test/fixtures/mm2-records.json', `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`captured ${vectors.checkpoints.length} checkpoints, ${vectors.offsetSyncs.length} offset syncs, ${vectors.heartbeats.length} heartbeats from Kafka ${lab.kafkaVersion}`);
