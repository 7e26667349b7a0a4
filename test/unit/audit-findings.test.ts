// The production checklist's findings, from MM2 connector settings (the lab's own connector
// files as the baseline) and from the topics on both clusters.
import { readFileSync } from 'node:fs';
import { countBySeverity } from '#src/audit/finding';
import { mm2SettingFindings, type ConnectorConfig } from '#src/audit/mm2-settings';
import { mm2TaskLoadFindings, SOURCE_TASK_PARTITIONS_MAX } from '#src/audit/mm2-task-load';
import { replicaTopicFindings, type ClusterTopics } from '#src/audit/replica-topics';
import { loadEstateConfigFile } from '#src/config/load';
import type { FlowConfig } from '#src/config/schema';
import { flowOf } from '#src/flow';

const estate = loadEstateConfigFile('config/estate.example.yaml');
const flow = flowOf(estate.flows[0]!);
const { connectors } = flow.mm2;
const labConnector = (file: string): ConnectorConfig => JSON.parse(readFileSync(`lab/connectors/${file}.json`, 'utf8')) as ConnectorConfig;
const lab = { source: labConnector('mm2-source-dc1-dc2'), checkpoint: labConnector('mm2-checkpoint-dc1-dc2') };
const without = (config: ConnectorConfig, key: string): ConnectorConfig => Object.fromEntries(Object.entries(config).filter(([k]) => k !== key));
const ids = (findings: { id: string; severity: string }[]) => findings.map((f) => `${f.id} ${f.severity}`);

describe('MM2 connector settings', () => {
  it("the lab's connectors: only compression off (TLS on, checkpoints every second, offset syncs at MM2's default)", () => {
    const findings = mm2SettingFindings(flow, connectors, lab);
    expect(findings).toEqual([
      {
        id: 'mm2-compression-off',
        severity: 'warning',
        flow: 'dc1->dc2',
        subject: 'mm2-source-dc1-dc2',
        evidence: "producer.override.compression.type is not set: the Connect worker's producer.compression.type applies (Kafka's default: none)",
        fix: 'set producer.override.compression.type=zstd (or lz4) on connector mm2-source-dc1-dc2, or producer.compression.type on the Connect workers: the link carries fewer bytes at the same rate',
      },
    ]);
  });

  it('compression: zstd and lz4 pass, gzip is worth knowing, none is a warning', () => {
    const withCodec = (codec: string) => ids(mm2SettingFindings(flow, connectors, { ...lab, source: { ...lab.source, 'producer.override.compression.type': codec } }));
    expect(withCodec('zstd')).toEqual([]);
    expect(withCodec('lz4')).toEqual([]);
    expect(withCodec('gzip')).toEqual(['mm2-compression-slow info']);
    expect(withCodec('none')).toEqual(['mm2-compression-off warning']);
  });

  it('a source read in plaintext across datacenters is critical, including when the protocol is left at its default', () => {
    const zstd: ConnectorConfig = { ...lab.source, 'producer.override.compression.type': 'zstd' };
    const plaintext = mm2SettingFindings(flow, connectors, { ...lab, source: { ...zstd, 'source.cluster.security.protocol': 'SASL_PLAINTEXT' } });
    expect(plaintext).toMatchObject([{ id: 'mm2-cross-dc-plaintext', severity: 'critical', evidence: 'source.cluster.security.protocol=SASL_PLAINTEXT: records cross between datacenters unencrypted' }]);
    const unset = without(zstd, 'source.cluster.security.protocol');
    expect(mm2SettingFindings(flow, connectors, { ...lab, source: unset })[0]!.evidence).toBe('source.cluster.security.protocol=PLAINTEXT (the default): records cross between datacenters unencrypted');
  });

  it('offset syncs further apart than 100 records make translation coarse', () => {
    const source = { ...lab.source, 'producer.override.compression.type': 'zstd' };
    expect(ids(mm2SettingFindings(flow, connectors, { ...lab, source: { ...source, 'offset.lag.max': '100' } }))).toEqual([]);
    expect(mm2SettingFindings(flow, connectors, { ...lab, source: { ...source, 'offset.lag.max': '5000' } })).toMatchObject([{ id: 'mm2-offset-syncs-coarse', severity: 'warning', evidence: 'offset.lag.max=5000: offset syncs as far as 5000 records apart' }]);
  });

  it('checkpoints: off is critical; their interval is worth knowing above 10 s (the default 60 s included) and a warning above 60 s', () => {
    const zstd = { ...lab.source, 'producer.override.compression.type': 'zstd' };
    const checkpoint = (change: ConnectorConfig) => mm2SettingFindings(flow, connectors, { source: zstd, checkpoint: { ...lab.checkpoint, ...change } });
    expect(checkpoint({ 'emit.checkpoints.enabled': 'false' })).toMatchObject([{ id: 'mm2-checkpoints-off', severity: 'critical', subject: 'mm2-checkpoint-dc1-dc2' }]);
    expect(ids(checkpoint({ 'emit.checkpoints.interval.seconds': '10' }))).toEqual([]);
    const defaults = without(lab.checkpoint, 'emit.checkpoints.interval.seconds');
    expect(mm2SettingFindings(flow, connectors, { source: zstd, checkpoint: defaults })).toMatchObject([{ id: 'mm2-checkpoint-interval', severity: 'info', evidence: 'emit.checkpoints.interval.seconds=60 (the default)' }]);
    expect(ids(checkpoint({ 'emit.checkpoints.interval.seconds': '300' }))).toEqual(['mm2-checkpoint-interval warning']);
  });

  it("MM2's own group offset sync, when on, is worth knowing above a minute", () => {
    const zstd = { ...lab.source, 'producer.override.compression.type': 'zstd' };
    const sync = (change: ConnectorConfig) => ids(mm2SettingFindings(flow, connectors, { source: zstd, checkpoint: { ...lab.checkpoint, ...change } }));
    expect(sync({ 'sync.group.offsets.interval.seconds': '600' })).toEqual([]);
    expect(sync({ 'sync.group.offsets.enabled': 'true', 'sync.group.offsets.interval.seconds': '600' })).toEqual(['mm2-group-sync-interval info']);
  });
});

describe('partitions a source task carries', () => {
  /** `payments.N` topics of `partitions` each (the flow copies payments.*), and a topic it does not copy. */
  const estateOf = (topics: number, partitions: number): ClusterTopics =>
    new Map([...Array.from({ length: topics }, (_, i) => [`payments.${i}`, { partitions, replicationFactor: 3 }] as const), ['audit-log', { partitions: 50_000, replicationFactor: 3 }]]);

  it('up to 10,000 partitions a task pass; past that, a warning that says how many tasks would do', () => {
    expect(mm2TaskLoadFindings(flow, lab.source, estateOf(100, 100))).toEqual([]); // 10,000 on the lab's one task
    expect(mm2TaskLoadFindings(flow, { ...lab.source, 'tasks.max': '5' }, estateOf(500, 100))).toEqual([]);
    const findings = mm2TaskLoadFindings(flow, without(lab.source, 'tasks.max'), estateOf(500, 100));
    expect(findings).toMatchObject([
      {
        id: 'mm2-source-task-partitions',
        severity: 'warning',
        flow: 'dc1->dc2',
        subject: 'mm2-source-dc1-dc2',
        evidence: expect.stringMatching(/^50000 source partitions on tasks\.max=1 \(the default\): about 50000 a task\./),
        fix: expect.stringMatching(/^raise tasks\.max on connector mm2-source-dc1-dc2 to 5 or more /),
      },
    ]);
    expect(mm2TaskLoadFindings(flow, { ...lab.source, 'tasks.max': '4' }, estateOf(500, 100))[0]!.evidence).toMatch(/^50000 source partitions on tasks\.max=4: about 12500 a task/);
    const oneMore: ClusterTopics = new Map([...estateOf(100, 100), ['payments.extra', { partitions: 1, replicationFactor: 3 }]]);
    expect(mm2TaskLoadFindings(flow, lab.source, oneMore).map((f) => f.evidence.split(':')[0])).toEqual([`${SOURCE_TASK_PARTITIONS_MAX + 1} source partitions on tasks.max=1`]);
  });
});

describe('topics on both clusters', () => {
  const view = (partitions: number, replicationFactor = 3) => ({ partitions, replicationFactor });
  const topics = (entries: Record<string, ReturnType<typeof view>>): ClusterTopics => new Map(Object.entries(entries));
  const replicated = (topic: string) => flow.replicates(topic);

  it('a healthy pair: nothing to say', () => {
    expect(replicaTopicFindings(flow, topics({ orders: view(6), 'payments.eu': view(3) }), topics({ 'dc1.orders': view(6), 'dc1.payments.eu': view(3), orders: view(2) }), replicated)).toEqual([]);
  });

  it('thin replicas, fewer partitions than the source, replicas of deleted topics, topics no flow copies', () => {
    const findings = replicaTopicFindings(
      flow,
      topics({ orders: view(6), 'payments.eu': view(3), audit: view(1), 'kafka-dr-canary': view(1) }),
      topics({ 'dc1.orders': view(4, 1), 'dc1.payments.eu': view(3), 'dc1.payments.us': view(3, 2), 'dc1.checkpoints.internal': view(1, 1), 'dc1.unrelated': view(1, 1) }),
      replicated,
    );
    expect(findings).toEqual([
      expect.objectContaining({ id: 'target-replication-factor', severity: 'warning', evidence: '2 replica topic(s) on dc2 with replication factor 1, 2: dc1.orders, dc1.payments.us' }),
      expect.objectContaining({ id: 'replica-partition-drift', severity: 'critical', evidence: '1 replica(s) with fewer partitions than their source: dc1.orders 4 < orders 6' }),
      expect.objectContaining({ id: 'replica-orphaned', severity: 'info', evidence: '1 replica(s) on dc2 whose source topic is gone from dc1: dc1.payments.us' }),
      expect.objectContaining({ id: 'source-topic-unreplicated', severity: 'info', subject: 'dc1', evidence: '1 topic(s) on dc1 that no flow replicates: audit' }),
    ]);
    expect(countBySeverity(findings)).toEqual({ critical: 1, warning: 1, info: 2 });
  });

  it('without the source: only the target is judged', () => {
    expect(ids(replicaTopicFindings(flow, null, topics({ 'dc1.orders': view(4, 1) }), replicated))).toEqual(['target-replication-factor warning']);
  });

  it('under the identity policy, a topic of the target is a replica only when the source has it (a local topic of the same name cannot be told apart otherwise)', () => {
    const identity = flowOf({ ...(estate.flows[0] as FlowConfig), replicationPolicy: { type: 'identity', separator: '.' } });
    const findings = replicaTopicFindings(identity, topics({ orders: view(6) }), topics({ orders: view(6, 1), 'payments.eu': view(3, 1) }), (t) => identity.replicates(t));
    expect(findings).toMatchObject([{ id: 'target-replication-factor', evidence: '1 replica topic(s) on dc2 with replication factor 1: orders' }]);
  });
});
