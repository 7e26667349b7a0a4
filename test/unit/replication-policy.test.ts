import { ReplicationPolicy, topicFilter } from '#src/mm2/replication-policy';

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

  it('filters topics like MM2: whole-name regex match, exclude wins', () => {
    const replicated = topicFilter({ target: 'dc2', replicationPolicy: { type: 'default', separator: '.' }, topics: { include: ['orders', 'payments\\..*'], exclude: ['.*\\.internal'] } });
    expect(['orders', 'orders2', 'payments.eu', 'payments.internal', 'xorders'].filter(replicated)).toEqual(['orders', 'payments.eu']);
  });

  it('never sends a topic back to the cluster it came from (MM2 cycle detection), at any hop, under the default policy only', () => {
    const topics = { include: ['.*'], exclude: [] };
    const toDc1 = topicFilter({ target: 'dc1', replicationPolicy: { type: 'default', separator: '.' }, topics });
    expect(['orders', 'dc1.orders', 'dc3.dc1.orders', 'dc3.orders', 'xdc1.orders'].filter(toDc1)).toEqual(['orders', 'dc3.orders', 'xdc1.orders']);
    const identity = topicFilter({ target: 'dc1', replicationPolicy: { type: 'identity', separator: '.' }, topics });
    expect(['dc1.orders'].filter(identity)).toEqual(['dc1.orders']);
  });
});
