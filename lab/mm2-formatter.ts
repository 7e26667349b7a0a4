// MM2's console formatters, run with the lab's Kafka jars: the reference our decoders are
// checked against.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { LabInfo } from './estate';

export type Mm2Formatter = 'CheckpointFormatter' | 'OffsetSyncFormatter' | 'HeartbeatFormatter';

/** The lines an MM2 formatter prints for a whole topic, via Kafka's console consumer in the lab. */
export function mm2Formatter(lab: LabInfo, cluster: 'dc1' | 'dc2', topic: string, formatter: Mm2Formatter, maxMessages: number): string[] {
  const args = ['lab/kafka-run.sh', 'console-consumer', '--bootstrap-server', lab.clusters[cluster].bootstrapServers, '--topic', topic, '--from-beginning', '--timeout-ms', '8000'];
  if (cluster === 'dc1') args.push('--consumer.config', path.join(lab.stateDir, 'dc1-client.properties'));
  // MM2 writes these topics continuously (heartbeats every second, and offset syncs for
  // them), so "no message for a while" never comes: read exactly the first N records.
  args.push('--max-messages', String(maxMessages));
  args.push('--formatter', `org.apache.kafka.connect.mirror.formatters.${formatter}`);
  const run = spawnSync('bash', args, { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`${formatter} on ${topic} failed (exit ${run.status ?? run.signal}): ${run.stderr.slice(-2000)}`);
  const prefix = `${formatter.replace('Formatter', '')}{`;
  return run.stdout.split('\n').filter((l) => l.startsWith(prefix));
}
