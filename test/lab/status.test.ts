// The replication status the quick start prints: real topics mirrored, a fresh heartbeat,
// and reachability reported (not thrown) when a cluster is gone.
import { Admin, Consumer } from '@platformatic/kafka';
import { flowsOf } from '#src/flow';
import { flowStatus } from '#src/replication-status';
import { localControlPlane } from '../../lab/local-control-plane';
import { labContext } from '../support/lab';

it('reports mirrored topics and a fresh MM2 heartbeat for dc1->dc2', async () => {
  const { config, clients } = await labContext();
  const status = await flowStatus(flowsOf(config)[0]!, clients);
  expect(status.errors).toEqual([]);
  expect(status.reachable).toEqual({ dc1: true, dc2: true });
  expect(status.heartbeat.topic).toBe('dc1.heartbeats');
  expect(status.heartbeat.ageMs).toBeLessThan(15_000);
  expect(status.checkpoints.topic).toBe('dc1.checkpoints.internal');
});

it('reports an unreachable cluster instead of failing', async () => {
  const { config, clients } = await labContext();
  const nowhere = { clientId: 'kafka-dr-test', bootstrapBrokers: ['127.0.0.1:1'], connectTimeout: 500, retries: 0 };
  const admin = new Admin(nowhere);
  const fetcher = new Consumer({ ...nowhere, groupId: 'kafka-dr-test' });
  const gone = { admin: async (name: string) => (name === 'dc1' ? admin : clients.admin(name)), fetcher: async (name: string) => (name === 'dc1' ? fetcher : clients.fetcher(name)) };
  const status = await flowStatus(flowsOf(config)[0]!, gone).finally(() => Promise.all([admin.close(), fetcher.close()]));
  expect(status.reachable).toEqual({ dc1: false, dc2: true });
  expect(status.errors[0]).toMatch(/cluster dc1 unreachable/);
  expect(status.heartbeat.ageMs).not.toBeNull();
});

it('the replication-status function, run from its bundle, answers the same, with its configuration validated at start', async () => {
  const { config } = await labContext();
  const plane = await localControlPlane(config);
  const result = (await plane.invoke('replication-status', { flow: 'dc1->dc2' })) as any;
  expect(result.flows).toHaveLength(1);
  expect(result.flows[0]).toMatchObject({ flow: 'dc1->dc2', reachable: { dc1: true, dc2: true }, errors: [] });
  await expect(plane.invoke('replication-status', { flow: 'dc9->dc2' })).rejects.toThrow('unknown flow "dc9->dc2": the estate has dc1->dc2');
});
