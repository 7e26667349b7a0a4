// When the liveness probe samples: a fixed grid, a minute per scheduled run plus one sample
// of overlap, alarm periods holding two samples.
import { livenessPeriodSeconds, livenessRunSeconds, sampleInstants, samplesPerRun } from '#src/probes/liveness-cadence';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number[]) => ms.map((m) => new Date(m).toISOString().slice(11, 23));

it('samples on the grid of sampleSeconds since the epoch, from the first instant at or after the start', () => {
  expect(iso(sampleInstants(at('2026-01-01T12:00:03.200Z'), 5, 3))).toEqual(['12:00:05.000', '12:00:10.000', '12:00:15.000']);
  expect(iso(sampleInstants(at('2026-01-01T12:00:05.000Z'), 5, 2))).toEqual(['12:00:05.000', '12:00:10.000']);
  expect(iso(sampleInstants(at('2026-01-01T12:00:16.000Z'), 15, 2))).toEqual(['12:00:30.000', '12:00:45.000']);
});

it('gives each alarm period two samples, in periods CloudWatch offers', () => {
  expect([5, 10, 15, 30].map((s) => [s, livenessPeriodSeconds(s)])).toEqual([
    [5, 10],
    [10, 30],
    [15, 30],
    [30, 60],
  ]);
  expect(() => livenessPeriodSeconds(31)).toThrow(/at most 30 s/);
});

it('leaves no gap between scheduled runs delivered up to one sample late, and bounds a run for its timeout', () => {
  const sampleSeconds = 5;
  const count = samplesPerRun(sampleSeconds);
  expect(count).toBe(13);
  // EventBridge delivers each run somewhere in its minute: here 1 s, then 5.9 s into it.
  const first = sampleInstants(at('2026-01-01T12:00:01.000Z'), sampleSeconds, count);
  const second = sampleInstants(at('2026-01-01T12:01:05.900Z'), sampleSeconds, count);
  const instants = [...new Set([...first, ...second])].sort((a, b) => a - b);
  const gaps = instants.slice(1).map((t, i) => t - instants[i]!);
  expect(Math.max(...gaps)).toBe(sampleSeconds * 1000);
  // The last sample starts at most samplesPerRun × sampleSeconds after the run: the timeout covers it, its own timeout and the wrap-up.
  const start = at('2026-01-01T12:00:00.001Z');
  const last = sampleInstants(start, sampleSeconds, count).at(-1)!;
  expect(last - start).toBeLessThanOrEqual(count * sampleSeconds * 1000);
  expect(livenessRunSeconds(sampleSeconds)).toBe(count * sampleSeconds + 5 + 10);
});
