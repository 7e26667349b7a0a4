// The liveness probe against the lab: its function's bundle run as Lambda runs it, publishing
// to the emulator's CloudWatch, and the alarms of the synthesized template evaluated every
// second on what it published (lab/alarm-evaluator.ts), as the drill evaluates them.
//  - the false positive: with MM2's heartbeats stopped (heartbeat-stale in ALARM, so
//    primary-down hangs on source-unreachable alone), one sample that does not reach dc1 —
//    the same bundle, synthesized with dc1 at an address nothing listens on — leaves
//    source-unreachable and primary-down OK;
//  - the loss: dc1 killed right after a sample raises primary-down within 30 s.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { flowAlarmName, primaryDownAlarmName } from '#src/alarm-names';
import { ConnectClient } from '#src/connect/client';
import { parseEstateConfig } from '#src/config/parse';
import { flowsOf } from '#src/flow';
import { Metric } from '#src/metrics';
import { sampleInstants } from '#src/probes/liveness-cadence';
import type { LivenessSample } from '#src/probes/liveness';
import { watchAlarms, type AlarmEvaluation, type TemplateAlarms } from '../../lab/alarm-evaluator';
import { killLabComponent, labSh } from '../../lab/estate';
import { scheduleLiveness } from '../../lab/liveness-schedule';
import { localControlPlane, type LocalControlPlane } from '../../lab/local-control-plane';
import { latestMetric } from '../support/cloudwatch';
import { eventually, labContext } from '../support/lab';

const FLOW = 'dc1->dc2';
/** Nothing listens on port 1: a sample through this address does not reach "dc1". */
const NOWHERE = '127.0.0.1:1';

interface LivenessRun {
  flow: string;
  sampleSeconds: number;
  samples: LivenessSample[];
}

let real: Promise<LocalControlPlane> | undefined;
const plane = () => (real ??= labContext().then(({ config }) => localControlPlane(config)));
const liveness = async (on: LocalControlPlane, samples?: number) => (await on.invoke('liveness-probe', { flow: FLOW, ...(samples ? { samples } : {}) })) as LivenessRun;

/** The alarms' states, evaluated every second until stopped, as the drill evaluates them. */
function watchedAlarms(alarms: TemplateAlarms): { seen: Array<{ at: number; states: Map<string, AlarmEvaluation> }>; stop(): Promise<void> } {
  const seen: Array<{ at: number; states: Map<string, AlarmEvaluation> }> = [];
  const watch = watchAlarms(alarms, new CloudWatchClient({}), (at, evaluations) => seen.push({ at, states: new Map(evaluations.map((e) => [e.name, e])) }));
  return { seen, stop: () => watch.stop() };
}

const names = async () => {
  const { config } = await labContext();
  const flow = flowsOf(config)[0]!;
  return {
    primaryDown: primaryDownAlarmName(config.estate, flow),
    sourceUnreachable: flowAlarmName(config.estate, flow, 'source-unreachable'),
    heartbeatStale: flowAlarmName(config.estate, flow, 'heartbeat-stale'),
    staleMs: config.probes.thresholds.heartbeatStaleSeconds * 1000,
  };
};

it('samples both clusters and the heartbeat on the grid, each sample published at once', async () => {
  const local = await plane();
  const since = new Date();
  const run = await liveness(local, 2);
  expect(run.samples).toHaveLength(2);
  expect(run.samples[1]!.at - run.samples[0]!.at).toBeGreaterThanOrEqual(run.sampleSeconds * 1000 - 50);
  for (const sample of run.samples) {
    expect(sample).toMatchObject({ flow: FLOW, reachable: { source: true, target: true }, errors: [] });
    expect(sample.at % (run.sampleSeconds * 1000)).toBeLessThan(1000); // on the grid, give or take the timer
    expect(sample.heartbeatAgeMs).toBeLessThan(5_000);
  }
  expect(await latestMetric(Metric.ClusterReachable, { Cluster: 'dc1' }, since)).toBe(1);
  expect(await latestMetric(Metric.ClusterReachable, { Cluster: 'dc2' }, since)).toBe(1);
  expect(await latestMetric(Metric.HeartbeatAge, { Flow: FLOW }, since)).toBeLessThan(5);
});

it('one sample that does not reach dc1, while replication has stopped, leaves source-unreachable and primary-down OK', async () => {
  const { lab, config } = await labContext();
  const { primaryDown, sourceUnreachable, heartbeatStale, staleMs } = await names();
  const local = await plane();
  const blocked = await localControlPlane(
    parseEstateConfig({ ...config, clusters: config.clusters.map((c) => (c.name === 'dc1' ? { ...c, bootstrapServers: [NOWHERE] } : c)) }, 'the lab estate, dc1 nowhere'),
  );
  const connect = new ConnectClient(lab.connect.url);
  await connect.pause(lab.connect.connectors.heartbeat);
  try {
    await eventually('MM2 heartbeats stale on dc2', async () => ((await liveness(local, 1)).samples[0]!.heartbeatAgeMs! > staleMs ? true : undefined), 60_000, 0);
    const watch = watchedAlarms(local.alarms);
    await liveness(local, 2);
    const [failed] = (await liveness(blocked, 1)).samples;
    // The next sample of the lab's own bundle is one step later: the failed one is alone on its instant.
    expect(failed).toMatchObject({ reachable: { source: false, target: true }, errors: ['source cluster dc1 unreachable'] });
    // Published: the alarm sees a 0 for dc1 in the period of this sample.
    expect(await latestMetric(Metric.ClusterReachable, { Cluster: 'dc1' }, new Date(failed!.at))).toBe(0);
    // Then the 20 s the alarm looks back over, and a sample more.
    await liveness(local, 5);
    await watch.stop();

    const after = watch.seen.filter((s) => s.at > failed!.at + 1000);
    const state = (alarm: string) => [...new Set(after.map((s) => s.states.get(alarm)!.state))];
    expect(state(heartbeatStale)).toEqual(['ALARM']);
    expect(state(sourceUnreachable)).toEqual(['OK']);
    expect(state(primaryDown)).toEqual(['OK']);
  } finally {
    await connect.resume(lab.connect.connectors.heartbeat);
  }
}, 240_000);

describe('with dc1 killed', () => {
  afterAll(async () => {
    await labSh('up'); // dc1 comes back with its data
  }, 300_000);

  it('raises primary-down within 30 s of dc1 killed right after a sample, the liveness probe running as scheduled', async () => {
    const { config } = await labContext();
    const { primaryDown } = await names();
    const local = await plane();
    const failures: Error[] = [];
    const schedule = scheduleLiveness((event) => local.invoke('liveness-probe', event), FLOW, (err) => failures.push(err));
    const watch = watchedAlarms(local.alarms);
    try {
      // Healthy first: the heartbeats flowing again (the test before paused them), every alarm feeding primary-down OK.
      const { sourceUnreachable, heartbeatStale } = await names();
      await eventually('source-unreachable and heartbeat-stale OK', async () => {
        const latest = watch.seen.at(-1)?.states;
        return latest && [sourceUnreachable, heartbeatStale, primaryDown].every((a) => latest.get(a)!.state === 'OK') ? true : undefined;
      }, 90_000, 500);
      // The worst moment: right after a sample reached dc1, so the loss waits longest to be seen.
      const [instant] = sampleInstants(Date.now(), config.probes.liveness.sampleSeconds, 1);
      await new Promise((r) => setTimeout(r, instant! + 1500 - Date.now()));
      expect(await latestMetric(Metric.ClusterReachable, { Cluster: 'dc1' }, new Date(instant!))).toBe(1);
      killLabComponent('dc1');
      const killedAt = Date.now();
      const fired = await eventually(`${primaryDown} in ALARM`, async () => watch.seen.find((s) => s.at > killedAt && s.states.get(primaryDown)!.state === 'ALARM'), 60_000, 200);
      const seconds = (fired.at - killedAt) / 1000;
      console.log(`liveness: dc1 killed ${((killedAt - instant!) / 1000).toFixed(1)} s after a sample reached it; primary-down in ALARM ${seconds.toFixed(1)} s later`);
      expect(seconds).toBeLessThanOrEqual(30);
    } finally {
      await watch.stop();
      await schedule.stop();
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
