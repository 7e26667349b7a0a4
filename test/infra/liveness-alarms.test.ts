// The alarms feeding primary-down, as synthesized from the annotated example estate, run
// over timelines of liveness samples (every 5 s, 10 s periods, source-unreachable 2 of 2,
// heartbeat stale above 15 s): how long after the source is lost primary-down fires, for
// every moment of the loss relative to the samples, and that one failed or missing sample
// never fires it — not even while replication is already stopped (MM2 paused), the case
// where only source-unreachable stands between a network blip and an automatic failover.
//
// Two ways of cutting periods: CloudWatch's (periods aligned to the clock, evaluated once
// complete) and the lab evaluator's (the N periods end at the second of evaluation).
import { TemplateAlarms, type MetricAlarmDefinition } from '../../lab/alarm-evaluator';
import { flowAlarmName, primaryDownAlarmName } from '#src/alarm-names';
import { loadEstateConfigFile } from '#src/config/load';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf } from '#src/flow';
import { SAMPLE_TIMEOUT_SECONDS, sampleInstants } from '#src/probes/liveness-cadence';
import { synthControlPlane } from '../support/template';

const config = loadEstateConfigFile('config/estate.example.yaml');
/** The lab estate's thresholds (lab/estate.ts): a heartbeat is stale after 5 s there. */
const labLike = parseEstateConfig({ ...config, probes: { ...config.probes, thresholds: { ...config.probes.thresholds, heartbeatStaleSeconds: 5 } } }, 'lab-like example');
const flow = flowsOf(config)[0]!;
const templates = new Map<EstateConfig, unknown>([config, labLike].map((c) => [c, synthControlPlane(c).template.toJSON()]));
const PRIMARY_DOWN = primaryDownAlarmName(config.estate, flow);
const SOURCE_UNREACHABLE = flowAlarmName(config.estate, flow, 'source-unreachable');
const HEARTBEAT_STALE = flowAlarmName(config.estate, flow, 'heartbeat-stale');
const { sampleSeconds } = config.probes.liveness;
const STEP_MS = sampleSeconds * 1000;
/** How often the timeline is evaluated: finer than any period, so "when" is exact to 0.1 s. */
const TICK_MS = 100;

/** What one liveness sample published; `source: undefined` = nothing published at all. */
interface Sample {
  at: number;
  source?: 0 | 1;
  heartbeatAgeS?: number;
  publishedAt: number;
}

type Model = 'cloudwatch' | 'lab';

/**
 * Samples on the probe's grid over [from, to): `source` and `heartbeatAgeS` say what each
 * one saw. A sample that did not reach the source is published when it gives up on it:
 * after the sample timeout for a source that does not answer (AWS: a lost datacenter
 * drops packets), at once for one that refuses connections (the lab: a killed broker).
 */
function samples(from: number, to: number, source: (at: number) => 0 | 1 | undefined, heartbeatAgeS: (at: number) => number, failedAfterMs = SAMPLE_TIMEOUT_SECONDS * 1000): Sample[] {
  return sampleInstants(from, sampleSeconds, Math.floor((to - from) / STEP_MS)).map((at) => {
    const reached = source(at);
    const took = reached === 1 ? 300 : failedAfterMs;
    return reached === undefined ? { at, publishedAt: Infinity } : { at, source: reached, heartbeatAgeS: heartbeatAgeS(at), publishedAt: at + took };
  });
}

/** The alarm's metric value in one sample, or undefined when the sample says nothing about it. */
function valueOf(alarm: MetricAlarmDefinition, sample: Sample): number | undefined {
  const dimension = alarm.dimensions[0]?.Value;
  if (alarm.metricName === 'ClusterReachable' && dimension === flow.source) return sample.source;
  if (alarm.metricName === 'ClusterReachable' && dimension === flow.target) return sample.source === undefined ? undefined : 1;
  if (alarm.metricName === 'HeartbeatAge' && dimension === flow.name) return sample.heartbeatAgeS;
  return undefined;
}

/** Each alarm's N period values at `t`, from the samples published by then. */
function periodsAt(timeline: Sample[], t: number, model: Model) {
  return (alarm: MetricAlarmDefinition): Array<number | undefined> => {
    if (alarm.statistic !== 'Maximum') return Array.from({ length: alarm.evaluationPeriods });
    const period = alarm.periodSeconds * 1000;
    const end = model === 'cloudwatch' ? Math.floor(t / period) * period : Math.floor(t / 1000) * 1000;
    return Array.from({ length: alarm.evaluationPeriods }, (_, i) => {
      const from = end - (alarm.evaluationPeriods - i) * period;
      const values = timeline.filter((s) => s.at >= from && s.at < from + period && s.publishedAt <= t).map((s) => valueOf(alarm, s));
      const present = values.filter((v): v is number => v !== undefined);
      return present.length ? Math.max(...present) : undefined;
    });
  };
}

/** Every alarm's state, every tick over [from, to). */
function states(timeline: Sample[], from: number, to: number, model: Model, estate: EstateConfig = config): Array<{ t: number; state: Map<string, string> }> {
  const alarms = new TemplateAlarms(templates.get(estate) as never);
  const out: Array<{ t: number; state: Map<string, string> }> = [];
  for (let t = from; t < to; t += TICK_MS) {
    out.push({ t, state: new Map(alarms.evaluatePeriods(periodsAt(timeline, t, model)).map((e) => [e.name, e.state])) });
  }
  return out;
}

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const healthyHeartbeatS = 1;

describe('dc1 lost: primary-down fires within 30 s, whenever the loss falls between samples', () => {
  // The loss just after a sample (offset 0.1 s: that sample reached the source) is the worst case.
  const offsets = Array.from({ length: STEP_MS / TICK_MS }, (_, i) => (i + 1) * TICK_MS);

  const detectAfter = (lostAt: number, model: Model, estate: EstateConfig, failedAfterMs: number) => {
    // The newest heartbeat on the target is the last one MM2 copied before the loss: at worst, from the loss itself.
    const heartbeat = (at: number) => (at < lostAt ? healthyHeartbeatS : (at - lostAt) / 1000);
    const timeline = samples(lostAt - 60_000, lostAt + 60_000, (at) => (at < lostAt ? 1 : 0), heartbeat, failedAfterMs);
    const firing = states(timeline, lostAt, lostAt + 60_000, model, estate).find((s) => s.state.get(PRIMARY_DOWN) === 'ALARM');
    return firing ? (firing.t - lostAt) / 1000 : Infinity;
  };

  it.each<[string, Model, EstateConfig, number, number]>([
    // Aligned periods: both legs complete within two periods after the one holding the last sample that reached dc1.
    ['CloudWatch, the example estate, a source that stops answering: at most 30 s', 'cloudwatch', config, SAMPLE_TIMEOUT_SECONDS * 1000, 30],
    // The lab's evaluator (periods end at the second of evaluation): 20 s after that sample, up to 1 s of rounding.
    ["the lab's evaluator, the lab's thresholds, a killed broker: at most 21 s", 'lab', labLike, 0, 21],
  ])('%s', (_, model, estate, failedAfterMs, bound) => {
    const seconds = offsets.map((offset) => detectAfter(T0 + 7 * 60_000 + offset, model, estate, failedAfterMs));
    expect(Math.max(...seconds)).toBeLessThanOrEqual(bound);
    // Not instant either: two full periods with no sample reaching dc1 are needed.
    expect(Math.min(...seconds)).toBeGreaterThanOrEqual(15);
  });
});

describe('one failed or missing sample never fires primary-down, even with replication stopped', () => {
  // MM2 paused long before: heartbeat-stale stays in ALARM, primary-down hangs on source-unreachable alone.
  const pausedAt = T0 - 10 * 60_000;
  const staleHeartbeat = (at: number) => (at - pausedAt) / 1000;
  // A sample on each of the two positions a 10 s period has (its first and its second sample), a few periods apart.
  const bad = [0, 1, 2, 3].map((i) => T0 + 3 * 60_000 + i * STEP_MS);

  const timelineWith = (badAt: number[], what: 0 | undefined) => samples(T0, T0 + 6 * 60_000, (at) => (badAt.includes(at) ? what : 1), staleHeartbeat);

  it.each<[string, number[], 0 | undefined, Model]>(
    bad.flatMap((at) =>
      (['cloudwatch', 'lab'] as Model[]).flatMap((model) => [
        [`a sample that did not reach dc1 at +${(at - bad[0]!) / 1000} s (${model})`, [at], 0, model],
        [`a sample that published nothing at +${(at - bad[0]!) / 1000} s (${model})`, [at], undefined, model],
      ]) as [string, number[], 0 | undefined, Model][],
    ),
  )('%s', (_, badAt, what, model) => {
    const timeline = timelineWith(badAt, what);
    const seen = states(timeline, badAt[0]! - 30_000, badAt[0]! + 60_000, model);
    expect(seen.every((s) => s.state.get(HEARTBEAT_STALE) === 'ALARM')).toBe(true);
    expect(seen.filter((s) => s.state.get(SOURCE_UNREACHABLE) === 'ALARM').map((s) => new Date(s.t).toISOString())).toEqual([]);
    expect(seen.filter((s) => s.state.get(PRIMARY_DOWN) === 'ALARM').map((s) => new Date(s.t).toISOString())).toEqual([]);
  });

  it('tolerates even two failed samples in a row (a 10 s blip)', () => {
    for (const model of ['cloudwatch', 'lab'] as Model[]) {
      for (const first of bad) {
        const two = states(timelineWith([first, first + STEP_MS], 0), first - 30_000, first + 60_000, model);
        expect([model, first - bad[0]!, two.some((s) => s.state.get(PRIMARY_DOWN) === 'ALARM')]).toEqual([model, first - bad[0]!, false]);
      }
    }
  });
});
