// Pausing MM2's source connector through our Connect REST client stops replication for
// real; resuming starts it again.
import { ConnectClient, ConnectError } from '#src/connect/client';
import { recordCount } from '../../lab/traffic';
import { ensureTopic, eventually, labContext, sendRecords, spacedRecords, uniqueName } from '../support/lab';

it('pause stops replication and resume restarts it', async () => {
  const { lab, kafkaFor, adminFor } = await labContext();
  const connect = new ConnectClient(lab.connect.url);
  const source = lab.connect.connectors.source;
  const dc1 = await kafkaFor('dc1');
  const dc2 = await adminFor('dc2');
  const topic = uniqueName('shipments');
  await ensureTopic(await adminFor('dc1'), topic, 1);
  await sendRecords(dc1, topic, spacedRecords(10, Date.now(), 1, 1));
  await eventually(`10 records on dc1.${topic}`, async () => ((await recordCount(dc2, `dc1.${topic}`)) === 10 ? true : undefined), 90_000, 1000);

  try {
    await connect.pause(source);
    await connect.pause(source); // idempotent
    const paused = await eventually('connector and tasks PAUSED', async () => {
      const s = await connect.status(source);
      return s.connector.state === 'PAUSED' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'PAUSED') ? s : undefined;
    }, 30_000, 500);
    expect(paused.tasks.length).toBeGreaterThan(0);

    await sendRecords(dc1, topic, spacedRecords(5, Date.now(), 1, 1));
    await new Promise((r) => setTimeout(r, 8000)); // several MM2 poll intervals
    expect(await recordCount(dc2, `dc1.${topic}`)).toBe(10);
  } finally {
    await connect.resume(source);
  }
  await eventually('connector RUNNING again', async () => ((await connect.status(source)).connector.state === 'RUNNING' ? true : undefined), 30_000, 500);
  await eventually(`15 records on dc1.${topic} after resume`, async () => ((await recordCount(dc2, `dc1.${topic}`)) === 15 ? true : undefined), 60_000, 1000);
});

it('reports an unknown connector with the endpoint, the connector and what to check', async () => {
  const { lab } = await labContext();
  const err = await new ConnectClient(lab.connect.url).status('no-such-connector').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).status).toBe(404);
  expect((err as ConnectError).transient).toBe(false);
  expect((err as Error).message).toMatch(/no-such-connector.*HTTP 404.*check mm2.connectors/);
});

it('reports an unreachable Connect endpoint as transient', async () => {
  const err = await new ConnectClient('http://127.0.0.1:1', { timeoutMs: 2000 }).status('x').catch((e: unknown) => e);
  expect((err as ConnectError).transient).toBe(true);
  expect((err as Error).message).toMatch(/unreachable/);
});
