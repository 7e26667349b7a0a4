// The CloudWatch metrics kafka-dr publishes: one list shared by the probes that publish
// them and the constructs that alarm and graph on them, so a name cannot drift. No CDK,
// no Kafka here.

export const METRICS_NAMESPACE = 'KafkaDR';
/**
 * The namespace of the failover's switch of clients (dns.mode health-check). Its own: the
 * only condition PutMetricData takes is the namespace, so this lets the DNS step alone publish
 * the switch, never the probes that publish in METRICS_NAMESPACE.
 */
export const CLIENT_SWITCH_NAMESPACE = 'KafkaDR/ClientSwitch';

/** Dimension names. Flow values read "dc1->dc2"; Cluster values are cluster names; Estate values are the estate file's estate; Severity values critical, warning, info. */
export const Dimension = { Flow: 'Flow', Topic: 'Topic', Group: 'Group', Cluster: 'Cluster', Estate: 'Estate', Severity: 'Severity' } as const;

export type MetricUnit = 'Seconds' | 'Milliseconds' | 'Count' | 'Bytes/Second' | 'Count/Second' | 'None' | 'Bytes';

export interface MetricSpec {
  name: string;
  unit: MetricUnit;
  dimensions: readonly (keyof typeof Dimension)[];
  description: string;
  /** METRICS_NAMESPACE when not given. */
  namespace?: string;
}

const spec = <N extends string>(name: N, unit: MetricUnit, dimensions: MetricSpec['dimensions'], description: string) =>
  ({ name, unit, dimensions, description }) as const satisfies MetricSpec;

export const Metric = {
  // Liveness probe (several samples a minute)
  ClusterReachable: spec('ClusterReachable', 'Count', ['Cluster'], '1 if a metadata request to the cluster succeeded within the probe timeout, else 0'),
  HeartbeatAge: spec('HeartbeatAge', 'Seconds', ['Flow'], 'now - timestamp of the newest MM2 heartbeat that reached the target'),
  // Lag and RPO probe
  CanaryLatency: spec('CanaryLatency', 'Seconds', ['Flow'], 'time for the probe\'s canary record to cross from source to target; the canary timeout when it did not arrive'),
  CanaryArrived: spec('CanaryArrived', 'Count', ['Flow'], '1 if the canary arrived within the canary timeout, else 0'),
  Rpo: spec('Rpo', 'Seconds', ['Flow'], 'data at risk if the source vanished now: the worst partition\'s replication time lag'),
  TopicRpo: spec('Rpo', 'Seconds', ['Flow', 'Topic'], 'the worst replication time lag among the topic\'s partitions'),
  UnreplicatedRecords: spec('UnreplicatedRecords', 'Count', ['Flow'], 'records on the source not yet replicated, summed over the flow'),
  TopicUnreplicatedRecords: spec('UnreplicatedRecords', 'Count', ['Flow', 'Topic'], 'records of the topic on the source not yet replicated'),
  MaxPartitionLag: spec('MaxPartitionLag', 'Count', ['Flow'], 'the largest per-partition replication lag in records'),
  CheckpointAge: spec('CheckpointAge', 'Seconds', ['Flow', 'Group'], 'now - when MM2 last emitted a checkpoint for the consumer group'),
  StaleCheckpointGroups: spec('StaleCheckpointGroups', 'Count', ['Flow'], 'consumer groups whose newest checkpoint is older than the threshold'),
  // Link bandwidth probe
  DemandBytes: spec('DemandBytes', 'Bytes/Second', ['Flow'], 'produce rate of the replicated topics on the source'),
  DemandRecords: spec('DemandRecords', 'Count/Second', ['Flow'], 'produce rate of the replicated topics on the source, in records'),
  ReplicatedBytes: spec('ReplicatedBytes', 'Bytes/Second', ['Flow'], 'rate actually replicated to the target'),
  ReplicatedRecords: spec('ReplicatedRecords', 'Count/Second', ['Flow'], 'rate actually replicated to the target, in records'),
  LinkCapacity: spec('LinkCapacity', 'Bytes/Second', ['Flow'], 'throughput of a timed transfer across the link (fetching a fixed payload from the source)'),
  LinkRtt: spec('LinkRtt', 'Milliseconds', ['Flow'], 'round-trip time of a metadata request to the source'),
  PeakDemandBytes: spec('PeakDemandBytes', 'Bytes/Second', ['Flow'], 'the highest demand over the trailing window'),
  Headroom: spec('Headroom', 'None', ['Flow'], 'link capacity / peak demand; below 1 the link cannot carry the peak'),
  BacklogBytes: spec('BacklogBytes', 'Bytes', ['Flow'], 'estimated bytes not yet replicated'),
  CatchUpEta: spec('CatchUpEta', 'Seconds', ['Flow'], 'backlog / (capacity - demand); published as 1e9 when capacity does not exceed demand'),
  // The production checklist audit (a run an hour per flow)
  AuditFindings: spec('AuditFindings', 'Count', ['Flow', 'Severity'], 'findings of the production checklist audit of the flow, by severity'),
  // The scheduled failover readiness check (a dry-run failover per flow)
  FailoverReady: spec('FailoverReady', 'Count', ['Flow'], "1 if the flow's scheduled dry-run failover succeeded, 0 if it failed"),
  // The failover's switch of clients (dns.mode health-check): not a measurement but the
  // switch itself, so it carries the estate (two estates of one account must not move each
  // other's clients) and has a namespace of its own.
  ActiveSide: {
    ...spec('ActiveSide', 'Count', ['Estate', 'Cluster'], '1 for the cluster clients must use, 0 for the other; published by the failover (dns.mode health-check), followed by the failover records\' health checks'),
    namespace: CLIENT_SWITCH_NAMESPACE,
  },
} as const;

/** CloudWatch takes no Infinity: an ETA that never ends is published as this many seconds. */
export const NEVER_SECONDS = 1e9;
