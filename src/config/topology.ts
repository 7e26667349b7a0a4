// The naming discipline of the cross-datacenter patterns, checked on the estate's flows:
// replication in both directions between two clusters (active-active, or a failback flow)
// and several sources into one target (fan-in) are only safe when every replica's name says,
// unambiguously, where it came from. Pure: the schema reports these with the other problems.
import type { FlowConfig } from './schema';

/** A flow as the checks need it: its ends, its policy and its name ("dc1->dc2"). */
export type NamedFlow = Pick<FlowConfig, 'source' | 'target' | 'replicationPolicy'> & { name: string };

export interface TopologyProblem {
  /** Index of the flow the problem is reported on, and the field. */
  flow: number;
  field: 'replicationPolicy';
  message: string;
}

export function topologyProblems(flows: readonly NamedFlow[]): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  flows.forEach((flow, i) => {
    const { separator } = flow.replicationPolicy;
    // MM2 reads a replica's source as what precedes the first separator (DefaultReplicationPolicy.topicSource).
    const ambiguous = flow.replicationPolicy.type === 'default' ? [flow.source, flow.target].filter((c) => c.includes(separator)) : [];
    const [first] = ambiguous;
    if (first !== undefined) {
      problems.push({
        flow: i,
        field: 'replicationPolicy',
        message:
          `cluster name ${ambiguous.map((c) => `"${c}"`).join(' and ')} contains ${flow.name}'s separator "${separator}": MM2 takes a replica's source to be what precedes the first separator, ` +
          `so it would read "${first}${separator}orders" as a topic of "${first.split(separator)[0]}", and neither cycle detection nor failover would find its source; use a separator the cluster names do not contain`,
      });
    }
    if (flow.replicationPolicy.type !== 'identity') return;
    const back = flows.find((f) => f.source === flow.target && f.target === flow.source);
    if (back) {
      problems.push({
        flow: i,
        field: 'replicationPolicy',
        message:
          `${flow.name} and ${back.name} replicate both ways: under the identity policy a replica has its source's name, so MM2 cannot tell ` +
          `it from a local topic and copies records back and forth without end; use the default policy (replicas named "${flow.source}${flow.replicationPolicy.separator}<topic>") on both`,
      });
    }
    const alsoIdentity = flows.filter((f, j) => j !== i && f.target === flow.target && f.replicationPolicy.type === 'identity');
    if (alsoIdentity.length) {
      problems.push({
        flow: i,
        field: 'replicationPolicy',
        message:
          `${[flow, ...alsoIdentity].map((f) => f.name).join(' and ')} all copy into ${flow.target} under the identity policy: a topic both sources hold ` +
          `(at least the probes' canary) would land in one topic on ${flow.target}, mixing their records; use the default policy for all but one of them`,
      });
    }
  });
  return problems;
}
