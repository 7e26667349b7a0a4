// The lag probe under MM2's IdentityReplicationPolicy (remote topics keep their names):
// the lab runs a second source connector for topics "ident-*" with that policy.
import { ConnectClient } from '#src/connect/client';
import { runLagProbe, type LagReport } from '#src/probes/lag-probe';
import { identityFlow } from '../../lab/estate';
import { ensureTopic, eventually, labContext, sendRecords, spacedRecords, uniqueName } from '../support/lab';

async function probeIdentity(): Promise<LagReport> {
  const { config, lab, clients } = await labContext();
  return runLagProbe(identityFlow(config, lab), clients, { canaryTimeoutMs: 10_000, checkpointStaleMs: 30_000 });
}

it('measures lag, RPO and the canary with identity-named remote topics', async () => {
  const { lab, kafkaFor, adminFor } = await labContext();
  const connect = new ConnectClient(lab.connect.url);
  const connector = lab.connect.connectors.identitySource;
  const topic = uniqueName('ident');
  const dc1 = await kafkaFor('dc1');
  await ensureTopic(await adminFor('dc1'), topic, 2);
  const send = (count: number, first: number) => sendRecords(dc1, topic, spacedRecords(count, first, 100));
  await send(20, Date.now());
  const caughtUp = await eventually(`${topic} replicated under its own name`, async () => {
    const r = await probeIdentity();
    return r.lag?.topics.find((t) => t.topic === topic)?.unreplicatedRecords === 0n && r.lag.partitions.some((p) => p.topic === topic && p.replicatedTo === 10n) ? r : undefined;
  }, 60_000, 2000);
  expect(caughtUp.lag!.partitions.filter((p) => p.topic === topic).map((p) => p.remoteTopic)).toEqual([topic, topic]);
  expect(caughtUp.canary).toMatchObject({ arrived: true });

  try {
    await connect.pause(connector);
    await eventually('identity connector paused', async () => ((await connect.status(connector)).tasks.every((t) => t.state === 'PAUSED') ? true : undefined), 30_000, 500);
    await send(30, Date.now());
    const behind = (await probeIdentity()).lag!.topics.find((t) => t.topic === topic)!;
    expect(behind.unreplicatedRecords).toBe(30n);
    expect(behind.rpoMs).toBeGreaterThanOrEqual(2_800);
  } finally {
    await connect.resume(connector);
  }
});
