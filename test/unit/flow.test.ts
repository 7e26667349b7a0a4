// A flow as the code works with it: its names, MM2's policy and topic filter, built once
// per flow of an estate, beside the configuration and never inside it.
import { findFlow } from '#src/config/estate';
import { loadEstateConfigFile } from '#src/config/load';
import type { FlowConfig } from '#src/config/schema';
import { flowOf, flowsOf } from '#src/flow';

const estate = loadEstateConfigFile('config/estate.example.yaml');
const [forward] = estate.flows;

/** The example's dc1 -> dc2 flow with other topics and policy. */
const variant = (change: Partial<FlowConfig>) => flowOf({ ...forward!, ...change });

it('names a flow as operators do, and where ">" is not allowed', () => {
  const flow = flowOf(forward!);
  expect(flow).toMatchObject({ name: 'dc1->dc2', safeName: 'dc1-to-dc2', source: 'dc1', target: 'dc2', mm2: forward!.mm2, topics: forward!.topics });
  expect(flowsOf(estate).map((f) => [f.name, f.safeName])).toEqual([
    ['dc1->dc2', 'dc1-to-dc2'],
    ['dc2->dc1', 'dc2-to-dc1'],
  ]);
});

it("names topics with the flow's replication policy: default, or identity", () => {
  const { policy } = flowOf(forward!);
  expect(policy).toMatchObject({ type: 'default', separator: '.' });
  expect(policy.remoteTopic('dc1', 'orders')).toBe('dc1.orders');
  const identity = variant({ replicationPolicy: { type: 'identity', separator: '_' } }).policy;
  expect(identity).toMatchObject({ type: 'identity', separator: '_' });
  expect(identity.remoteTopic('dc1', 'orders')).toBe('orders');
  expect(identity.checkpointsTopic('dc1')).toBe('dc1_checkpoints_internal');
});

describe('the topics a flow replicates, as MM2 filters them', () => {
  it('matches whole names against include, and exclude wins', () => {
    const flow = variant({ topics: { include: ['orders', 'payments\\..*'], exclude: ['.*\\.internal'] } });
    expect(['orders', 'orders2', 'payments.eu', 'payments.internal', 'xorders'].filter(flow.replicates)).toEqual(['orders', 'payments.eu']);
  });

  it('never sends a topic back to the cluster it came from, at any hop, under the default policy only', () => {
    const everything = { include: ['.*'], exclude: [] };
    const toDc1 = flowOf({ ...estate.flows[1]!, topics: everything });
    expect(['orders', 'dc1.orders', 'dc3.dc1.orders', 'dc3.orders', 'xdc1.orders'].filter(toDc1.replicates)).toEqual(['orders', 'dc3.orders', 'xdc1.orders']);
    const identity = flowOf({ ...toDc1, replicationPolicy: { type: 'identity', separator: '.' } });
    expect(identity.replicates('dc1.orders')).toBe(true);
  });
});

it('finds a flow by name, and names the flows there are when it does not exist', () => {
  expect(findFlow(estate, 'dc2->dc1')).toBe(flowsOf(estate)[1]);
  expect(() => findFlow(estate, 'dc1->dc3')).toThrow('unknown flow "dc1->dc3": the estate has dc1->dc2, dc2->dc1');
});

it('builds each flow of an estate once, beside the configuration', () => {
  const flows = flowsOf(estate);
  expect(flowsOf(estate)).toBe(flows);
  expect(findFlow(estate, 'dc1->dc2')).toBe(flows[0]);
  expect(flowOf(forward!)).toBe(flows[0]);
  expect(flowOf(flows[0]!)).toBe(flows[0]);
  expect(estate.flows[0]).not.toHaveProperty('policy');
  expect(Object.keys(JSON.parse(JSON.stringify(estate)).flows[0]).sort()).toEqual(['mm2', 'replicationPolicy', 'source', 'target', 'topics']);
});
