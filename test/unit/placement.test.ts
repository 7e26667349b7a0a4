// The audit's judgement of measured round trips: where Connect runs, and what a stretched
// cluster would cost. The round trips themselves are measured against the lab
// (test/lab/audit.test.ts, with a latency proxy).
import { placementFindings } from '#src/audit/placement';
import { loadEstateConfigFile } from '#src/config/load';
import { flowsOf } from '#src/flow';

const flow = flowsOf(loadEstateConfigFile('config/estate.example.yaml'))[0]!;
const ids = (rtt: Parameters<typeof placementFindings>[1]) => placementFindings(flow, rtt).map((f) => `${f.severity} ${f.id}`);

it('one site (the round trips differ by less than 5 ms): no placement judged; a stretched cluster is worth weighing', () => {
  const findings = placementFindings(flow, { sourceMs: 1.2, targetMs: 0.4, connectMs: 1.1 });
  expect(findings.map((f) => f.id)).toEqual(['stretched-vs-replicated']);
  expect(findings[0]).toMatchObject({
    severity: 'info',
    subject: 'dc1, dc2',
    evidence: 'round trip from the control plane beside dc2: 1.2 ms to dc1, 0.4 ms to dc2; if dc1 and dc2 were one stretched cluster, every acks=all produce would wait about 1.2 ms more for a replica in the other datacenter, in exchange for RPO 0 and no failover',
    fix: expect.stringMatching(/^at 1\.2 ms a stretched cluster .* is worth weighing/),
  });
});

it('datacenters apart: Connect answering like the target is where it belongs, like the source a warning', () => {
  expect(ids({ sourceMs: 42, targetMs: 0.8, connectMs: 1.5 })).toEqual(['info stretched-vs-replicated']);
  expect(ids({ sourceMs: 42, targetMs: 0.8, connectMs: 40 })).toEqual(['warning connect-placement', 'info stretched-vs-replicated']);
  expect(placementFindings(flow, { sourceMs: 42, targetMs: 0.8, connectMs: 40 })[0]).toMatchObject({ subject: flow.mm2.connectUrl, fix: expect.stringMatching(/^run the Connect workers of dc1->dc2 in dc2's datacenter/) });
  expect(placementFindings(flow, { sourceMs: 42, targetMs: 0.8, connectMs: 1.5 })[0]!.fix).toMatch(/^at 42\.0 ms replicating with MM2, as now, keeps produces local/);
});

it('a side that did not answer: nothing judged; Connect silent: only the advisory', () => {
  expect(ids({ sourceMs: null, targetMs: 0.8, connectMs: 1 })).toEqual([]);
  expect(ids({ sourceMs: 42, targetMs: 0.8, connectMs: null })).toEqual(['info stretched-vs-replicated']);
});
