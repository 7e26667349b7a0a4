import { ReplicationPolicy } from '#src/mm2/replication-policy';

describe('MM2 replication policy naming', () => {
  it('prefixes remote topics under the default policy', () => {
    const policy = new ReplicationPolicy('default', '.');
    expect(policy.remoteTopic('dc1', 'orders')).toBe('dc1.orders');
    expect(policy.remoteTopic('dc1', 'heartbeats')).toBe('dc1.heartbeats');
    expect(policy.checkpointsTopic('dc1')).toBe('dc1.checkpoints.internal');
    expect(policy.offsetSyncsTopic('dc2')).toBe('mm2-offset-syncs.dc2.internal');
  });

  it('keeps names under the identity policy, except heartbeats', () => {
    const policy = new ReplicationPolicy('identity', '.');
    expect(policy.remoteTopic('dc1', 'orders')).toBe('orders');
    expect(policy.remoteTopic('dc1', 'heartbeats')).toBe('dc1.heartbeats');
    expect(policy.checkpointsTopic('dc1')).toBe('dc1.checkpoints.internal');
  });

  it('uses a custom separator for remote and internal topics', () => {
    const policy = new ReplicationPolicy('default', '_');
    expect(policy.remoteTopic('dc1', 'orders')).toBe('dc1_orders');
    expect(policy.checkpointsTopic('dc1')).toBe('dc1_checkpoints_internal');
    expect(policy.offsetSyncsTopic('dc2')).toBe('mm2-offset-syncs_dc2_internal');
  });
});
