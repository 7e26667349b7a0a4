// The lab's fan-in (aggregate) topology: an edge site, dc3, copied into the central cluster
// dc2 beside dc1. It is started on demand (a third broker costs a JVM): see "Fan-in" in
// lab/README.md. The estate below is what an estate file of that topology says, validated
// like a deployment's.
import * as path from 'node:path';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig, FlowConfig } from '#src/config/schema';
import { labSh, LAB_ZONE, type LabInfo } from './estate';

/** Starts dc3 and the dc3 -> dc2 connectors (idempotent); returns once they run. */
export function startFanIn(): Promise<void> {
  return labSh('fan-in', 'up');
}

/** Deletes the dc3 -> dc2 connectors, stops dc3 and deletes its data (idempotent). */
export function stopFanIn(): Promise<void> {
  return labSh('fan-in', 'down');
}

/**
 * The lab estate as a fan-in: flows dc1 -> dc2 and dc3 -> dc2 under the default policy (so
 * the same topic name on both edges lands in two replicas, "dc1.x" and "dc3.x"), with the
 * backup reading the aggregate on dc2: every replica there.
 */
export function fanInEstate(config: EstateConfig, lab: LabInfo): EstateConfig {
  const central = config.flows.find((f) => f.source === 'dc1' && f.target === 'dc2');
  if (!central) throw new Error('the lab estate has no dc1 -> dc2 flow');
  if (!lab.edge) throw new Error(`${path.join(lab.stateDir, 'lab.json')} has no edge (written by an older lab.sh): run bash lab/lab.sh fan-in up`);
  const edge: FlowConfig = {
    ...central,
    source: 'dc3',
    topics: { include: ['.*'], exclude: ['__.*', '.*\\.internal', 'heartbeats', 'mm2-.*', 'connect-.*'] },
    mm2: { ...central.mm2, connectors: lab.edge.connectors },
  };
  return parseEstateConfig(
    {
      ...config,
      clusters: [...config.clusters, { name: 'dc3', bootstrapServers: [lab.edge.cluster.bootstrapServers], auth: { type: 'none' } }],
      flows: [central, edge],
      dns: { ...config.dns, values: { ...config.dns.values, dc3: [`dc3.${LAB_ZONE}`] } },
      backup: { ...config.backup!, cluster: 'dc2', topics: ['dc1\\..*', 'dc3\\..*'] },
    },
    'the lab estate as a fan-in',
  );
}
