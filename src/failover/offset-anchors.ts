// A flow's MM2 offset syncs read as translation anchors, wherever the flow keeps them.
import type { EstateClients } from '#src/kafka/connection';
import type { Flow } from '#src/flow';
import { readOffsetSyncHistory } from '#src/mm2/internal-topics';
import { anchorOf, type Anchor, type Direction } from './offset-translation';

/** The flow's offset syncs, per partitionKey of the topic they are keyed by, as anchors of `direction`. */
export async function readAnchors(clients: Pick<EstateClients, 'fetcher'>, flow: Flow, direction: Direction): Promise<Map<string, Anchor[]>> {
  const syncsCluster = flow.mm2.offsetSyncsTopicLocation === 'source' ? flow.source : flow.target;
  const history = await readOffsetSyncHistory(await clients.fetcher(syncsCluster), flow.policy.offsetSyncsTopic(flow.target));
  const anchors = new Map<string, Anchor[]>();
  for (const [key, syncs] of history) {
    anchors.set(key, syncs.map((s) => anchorOf(s, direction)));
  }
  return anchors;
}
