#!/usr/bin/env -S npx tsx
// `npm start`: brings the local lab up (two Kafka clusters, MM2 on Connect, the AWS
// emulator), runs a sample workload through it and prints the replication status that
// kafka-dr sees. Exits non-zero if replication is not healthy. (The full failover drill
// builds on this.)
import { spawnSync } from 'node:child_process';
import { labEstate } from '../lab/estate';
import { eventually, runSampleTraffic, SAMPLE_GROUP, SAMPLE_TOPIC } from '../lab/sample-estate';
import { estateKafka } from '../functions/shared/kafka/connection';
import { flowStatus, type FlowStatus } from '../functions/shared/replication-status';
import { SecretReader } from '../functions/shared/secrets';
import { printStatus } from './status';

const up = spawnSync('bash', ['lab/lab.sh', 'up'], { stdio: 'inherit' });
if (up.status !== 0) process.exit(up.status ?? 1);

const config = await labEstate();
const kafkaFor = estateKafka(config.clusters, new SecretReader());
const [flow] = config.flows;
if (!flow) throw new Error('the lab estate has no flow');
console.log(`\nsample workload: producing to ${SAMPLE_TOPIC} on ${flow.source}, consuming with group ${SAMPLE_GROUP}...`);
await runSampleTraffic(await kafkaFor(flow.source));

const healthy = (s: FlowStatus) =>
  s.errors.length === 0 &&
  s.topics.some((t) => t.topic === SAMPLE_TOPIC && t.mirrored) &&
  (s.heartbeat.ageMs ?? Infinity) < config.probes.thresholds.heartbeatStaleSeconds * 1000 &&
  s.checkpoints.groups.some((g) => g.group === SAMPLE_GROUP);

let last: FlowStatus | undefined;
try {
  const status = await eventually('MM2 to mirror the sample topic and checkpoint the sample group', async () => {
    last = await flowStatus(flow, kafkaFor);
    return healthy(last) ? last : undefined;
  }, 120_000, 2000);
  console.log('');
  printStatus([status]);
  console.log('\nreplication healthy. Stop the lab with: npm run lab:down');
  process.exit(0);
} catch (err) {
  console.log('');
  if (last) printStatus([last]);
  console.error(`\nreplication NOT healthy: ${(err as Error).message}`);
  process.exit(1);
}
