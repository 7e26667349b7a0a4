// A flow of the estate as the code works with it: its configuration plus what everything
// derives from it (its names, MM2's replication policy and topic filter), built once per
// flow. Flows are derived beside the parsed EstateConfig, never stored in it: the estate is
// serialized into the functions' bundles and stays exactly what the estate file says.
import { flowName, flowSafeName, type EstateConfig, type FlowConfig } from '#src/config/schema';
import { ReplicationPolicy, topicFilter } from '#src/mm2/replication-policy';

/**
 * A configured flow and what it implies. To vary one, build a new one from its
 * configuration (`flowOf({ ...flow, topics })`): the derived members of a spread copy
 * still describe the original.
 */
export interface Flow extends FlowConfig {
  /** How operators name it everywhere (config, metrics, logs, executions): "dc1->dc2". */
  readonly name: string;
  /** Its name where ">" is not allowed (resource and alarm names, construct ids): "dc1-to-dc2". */
  readonly safeName: string;
  /** MM2's topic naming on this flow. */
  readonly policy: ReplicationPolicy;
  /** MM2's topic filter on the source: include/exclude regexes and cycle detection. */
  readonly replicates: (topic: string) => boolean;
}

// Keyed by configuration, and by each Flow itself: flowOf of a Flow is that Flow.
const flows = new WeakMap<FlowConfig, Flow>();
const estates = new WeakMap<EstateConfig, readonly Flow[]>();

/** The Flow of a flow's configuration, built the first time and the same object afterwards. */
export function flowOf(config: FlowConfig): Flow {
  let flow = flows.get(config);
  if (!flow) {
    flow = {
      ...config,
      name: flowName(config),
      safeName: flowSafeName(config),
      policy: ReplicationPolicy.of(config),
      replicates: topicFilter(config),
    };
    flows.set(config, flow).set(flow, flow);
  }
  return flow;
}

/** The estate's flows, in the estate file's order, built once per estate. */
export function flowsOf(estate: EstateConfig): readonly Flow[] {
  let built = estates.get(estate);
  if (!built) {
    built = Object.freeze(estate.flows.map((f) => flowOf(f)));
    estates.set(estate, built);
  }
  return built;
}
