/**
 * @lab-alone it judges placement by measured round trips (10 ms apart): npm test runs it after the other tests (test/run.mjs)
 */
// The production checklist audit on datacenters apart: dc1 and, in turn, MM2's Connect
// behind proxies adding latency, so the audit's round trips tell where each one is.
import type { FlowAudit } from '#src/audit/audit';
import { parseEstateConfig } from '#src/config/parse';
import { failoverRig, type FailoverRig } from '../support/failover';
import { labContext } from '../support/lab';
import { latencyProxy, type LatencyProxy } from '../../lab/latency-proxy';

const FLOW = 'dc1->dc2';
const ids = (audit: FlowAudit) => audit.findings.map((f) => `${f.severity} ${f.id}`);

describe('datacenters apart (dc1 and, in turn, Connect behind a proxy adding 10 ms each way)', () => {
  let far: FailoverRig;
  let dc1Proxy: LatencyProxy;
  let connectProxy: LatencyProxy;

  beforeAll(async () => {
    const { lab, config: estate } = await labContext();
    dc1Proxy = await latencyProxy(lab.clusters.dc1.bootstrapServers, 10);
    connectProxy = await latencyProxy(new URL(lab.connect.url).host, 0);
    const config = structuredClone(estate) as Record<string, any>;
    config.clusters.find((c: { name: string }) => c.name === 'dc1').bootstrapServers = [dc1Proxy.address];
    config.flows[0].mm2.connectUrl = `http://${connectProxy.address}`;
    far = await failoverRig(parseEstateConfig(config, 'the lab estate, dc1 and Connect behind latency proxies'));
  }, 300_000);

  afterAll(async () => {
    await dc1Proxy?.close();
    await connectProxy?.close();
  });

  const farAudit = async () => (await far.invoke('audit', { flow: FLOW })) as FlowAudit;
  const roundTrip = (audit: FlowAudit, cluster: string) => {
    const evidence = audit.findings.find((f) => f.id === 'stretched-vs-replicated')!.evidence;
    return Number(new RegExp(`(\\d+\\.\\d) ms to ${cluster}`).exec(evidence)![1]);
  };

  it('Connect beside dc2: no placement finding; a stretched cluster would cost every acks=all produce the 20 ms round trip to dc1', async () => {
    const audit = await farAudit();
    expect(ids(audit)).not.toContain('warning connect-placement');
    expect(roundTrip(audit, 'dc1')).toBeGreaterThanOrEqual(20);
    expect(roundTrip(audit, 'dc2')).toBeLessThan(5);
    expect(audit.findings).toContainEqual(expect.objectContaining({ id: 'stretched-vs-replicated', fix: expect.stringMatching(/^at \d+\.\d ms replicating with MM2, as now, keeps produces local/) }));
  });

  it("Connect answering like dc1: a warning that MM2's workers seem to run in the source's datacenter", async () => {
    connectProxy.delayMs = 10;
    try {
      const audit = await farAudit();
      expect(audit.findings).toContainEqual(
        expect.objectContaining({
          id: 'connect-placement',
          severity: 'warning',
          subject: `http://${connectProxy.address}`,
          evidence: expect.stringMatching(/^Connect answers in \d+\.\d ms, like source dc1 \(\d+\.\d ms\) rather than target dc2 \(\d+\.\d ms\)/),
        }),
      );
    } finally {
      connectProxy.delayMs = 0;
    }
  });
});
