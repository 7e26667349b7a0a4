import { describe, expect, it } from '@jest/globals';
import { lagMetricSamples } from '#src/probes/lag-metrics';
import type { LagReport } from '#src/probes/lag-probe';

const topics = [
  { topic: 'audit', unreplicatedRecords: 0n, rpoMs: 0 },
  { topic: 'orders', unreplicatedRecords: 900n, rpoMs: 42_000 },
  { topic: 'payments', unreplicatedRecords: 50n, rpoMs: 42_000 },
  { topic: 'clicks', unreplicatedRecords: 10n, rpoMs: 3_000 },
];
const report: LagReport = {
  flow: 'dc1->dc2',
  at: Date.UTC(2026, 11, 7),
  reachable: { source: true, target: true },
  errors: [],
  heartbeatAgeMs: 900,
  canary: null,
  lag: { partitions: [], topics, rpoMs: 42_000, unreplicatedRecords: 960n, maxPartitionLag: 900n },
  checkpoints: [
    { group: 'billing', ageMs: 1_000, stale: false },
    { group: 'fraud', ageMs: 300_000, stale: true },
    { group: 'search', ageMs: 5_000, stale: false },
  ],
  staleCheckpointGroups: 1,
};

const perTopic = (policy: 'all' | 'top' | 'none', top = 2) => lagMetricSamples(report, { topicMetrics: { publish: policy, top }, groupMetrics: { publish: 'none', top: 20 } });
const topicsOf = (samples: ReturnType<typeof lagMetricSamples>, metric: string) => samples.filter((s) => s.metric.name === metric && s.dimensions.Topic).map((s) => s.dimensions.Topic);
const flowLevel = (samples: ReturnType<typeof lagMetricSamples>) => samples.filter((s) => !s.dimensions.Topic && !s.dimensions.Group).map((s) => [s.metric.name, s.value]);

describe('per-topic and per-group metrics of the lag probe', () => {
  it('publishes every topic with all', () => {
    expect(topicsOf(perTopic('all'), 'Rpo')).toEqual(['audit', 'orders', 'payments', 'clicks']);
  });

  it('publishes the topics with the highest RPO, the most unreplicated records first among equals, with top', () => {
    expect(topicsOf(perTopic('top'), 'Rpo')).toEqual(['orders', 'payments']);
    expect(topicsOf(perTopic('top'), 'UnreplicatedRecords')).toEqual(['orders', 'payments']);
    expect(topicsOf(perTopic('top', 3), 'Rpo')).toEqual(['orders', 'payments', 'clicks']);
  });

  it('publishes no topic with none, and the flow\'s own metrics whatever the policy', () => {
    expect(topicsOf(perTopic('none'), 'Rpo')).toEqual([]);
    const flow = [['Rpo', 42], ['UnreplicatedRecords', 960], ['MaxPartitionLag', 900], ['StaleCheckpointGroups', 1]];
    for (const policy of ['all', 'top', 'none'] as const) expect(flowLevel(perTopic(policy))).toEqual(flow);
  });

  it('publishes the groups with the oldest checkpoints with top', () => {
    const samples = lagMetricSamples(report, { topicMetrics: { publish: 'none', top: 20 }, groupMetrics: { publish: 'top', top: 2 } });
    expect(samples.filter((s) => s.metric.name === 'CheckpointAge').map((s) => [s.dimensions.Group, s.value])).toEqual([
      ['fraud', 300],
      ['search', 5],
    ]);
  });
});
