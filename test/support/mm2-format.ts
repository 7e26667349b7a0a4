// MM2's toString() of its records, which its console formatters print: decoded records
// rendered this way compare line for line with MM2's own output.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { LabInfo } from '../../lab/estate';
import type { Checkpoint, Heartbeat, OffsetSync } from '../../functions/shared/mm2/records';

export const formatCheckpoint = (c: Checkpoint) =>
  `Checkpoint{consumerGroupId=${c.group}, topicPartition=${c.topic}-${c.partition}, upstreamOffset=${c.upstreamOffset}, downstreamOffset=${c.downstreamOffset}, metadata=${c.metadata}}`;

export const formatOffsetSync = (s: OffsetSync) =>
  `OffsetSync{topicPartition=${s.topic}-${s.partition}, upstreamOffset=${s.upstreamOffset}, downstreamOffset=${s.downstreamOffset}}`;

export const formatHeartbeat = (h: Heartbeat) => `Heartbeat{sourceClusterAlias=${h.sourceAlias}, targetClusterAlias=${h.targetAlias}, timestamp=${h.timestamp}}`;

/** The lines an MM2 formatter prints for a whole topic, via Kafka's console consumer in the lab. */
export function mm2Formatter(lab: LabInfo, cluster: 'dc1' | 'dc2', topic: string, formatter: string, maxMessages?: number): string[] {
  const args = ['lab/kafka-run.sh', 'console-consumer', '--bootstrap-server', lab.clusters[cluster].bootstrapServers, '--topic', topic, '--from-beginning', '--timeout-ms', '8000'];
  if (cluster === 'dc1') args.push('--consumer.config', path.join(lab.stateDir, 'dc1-client.properties'));
  if (maxMessages !== undefined) args.push('--max-messages', String(maxMessages));
  args.push('--formatter', `org.apache.kafka.connect.mirror.formatters.${formatter}`);
  const run = spawnSync('bash', args, { encoding: 'utf8' });
  const prefix = `${formatter.replace('Formatter', '')}{`;
  return run.stdout.split('\n').filter((l) => l.startsWith(prefix));
}
