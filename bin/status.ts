// `kafka-dr status`: the replication status of each flow, for a person or a script.
import { labEstate } from '../lab/estate';
import { estateKafka } from '../functions/shared/kafka/connection';
import { estateStatus, type FlowStatus } from '../functions/shared/replication-status';
import { SecretReader } from '../functions/shared/secrets';

export async function localStatus(): Promise<FlowStatus[]> {
  const config = await labEstate();
  return estateStatus(config, estateKafka(config.clusters, new SecretReader()));
}

const age = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s ago`);

export function printStatus(statuses: FlowStatus[]): void {
  for (const s of statuses) {
    const reach = Object.entries(s.reachable).map(([c, up]) => `${c} ${up ? 'reachable' : 'UNREACHABLE'}`).join(', ');
    console.log(`flow ${s.flow}: ${reach}`);
    const mirrored = s.topics.filter((t) => t.mirrored);
    console.log(`  topics mirrored: ${mirrored.length}/${s.topics.length}`);
    for (const t of s.topics) console.log(`    ${t.topic} -> ${t.remoteTopic}: ${t.mirrored ? 'mirrored' : 'NOT MIRRORED'}`);
    console.log(`  newest heartbeat (${s.heartbeat.topic}): ${age(s.heartbeat.ageMs)}`);
    console.log(`  checkpoints (${s.checkpoints.topic}): ${s.checkpoints.groups.length} group(s)`);
    for (const g of s.checkpoints.groups) console.log(`    ${g.group}: ${g.partitions} partition(s), newest ${age(g.ageMs)}`);
    for (const e of s.errors) console.log(`  ! ${e}`);
  }
}
