// When the liveness probe samples, how long a run lasts and the period of the alarms on what
// it publishes: arithmetic shared by the probe (when to sample) and the constructs
// (schedule, timeout, alarm period), so they cannot disagree. No CDK, no Kafka here.

/** EventBridge schedules nothing finer than a minute: each scheduled run samples for one. */
export const LIVENESS_SCHEDULE_SECONDS = 60;

/**
 * A cluster that has not answered within this long counts as not reached in that sample.
 * Not over the shortest `sampleSeconds` (5), so a slow sample is over before the next starts.
 */
export const SAMPLE_TIMEOUT_SECONDS = 5;

/** Time a run needs after its last sample ends: publishing it and closing the clients. */
const RUN_WRAP_UP_SECONDS = 10;

/** The periods a CloudWatch alarm may have under a minute (high-resolution metrics only), then a minute. */
const ALARM_PERIODS_SECONDS = [10, 30, 60] as const;

/**
 * The shortest alarm period that holds two samples: then one failed or late sample never
 * makes a period breach on its own (the Maximum of `ClusterReachable` over the period is 1).
 */
export function livenessPeriodSeconds(sampleSeconds: number): number {
  const period = ALARM_PERIODS_SECONDS.find((p) => p >= 2 * sampleSeconds);
  if (period === undefined) throw new Error(`sampleSeconds ${sampleSeconds}: at most 30 s, so that a period of a minute holds two samples`);
  return period;
}

/**
 * Samples per scheduled run: the minute's, plus one on the instant the next run starts
 * with. So runs overlap by one sample, and a run the schedule delivers up to one sample
 * late leaves no gap (a gap is missing data, which source-unreachable counts as breaching).
 */
export function samplesPerRun(sampleSeconds: number): number {
  return LIVENESS_SCHEDULE_SECONDS / sampleSeconds + 1;
}

/**
 * The instants (epoch ms) of `count` samples on the grid of multiples of `sampleSeconds`
 * since the epoch, the first at or after `from`. A fixed grid, not "every n seconds from
 * the start": consecutive runs sample the same instants, and a slow sample never shifts
 * the ones after it.
 */
export function sampleInstants(from: number, sampleSeconds: number, count: number): number[] {
  const step = sampleSeconds * 1000;
  const first = Math.ceil(from / step) * step;
  return Array.from({ length: count }, (_, i) => first + i * step);
}

/**
 * The longest a full run lasts, for the function's timeout: up to one step to the first
 * instant, the run's samples, the last one's timeout, then wrap-up.
 */
export function livenessRunSeconds(sampleSeconds: number): number {
  return samplesPerRun(sampleSeconds) * sampleSeconds + SAMPLE_TIMEOUT_SECONDS + RUN_WRAP_UP_SECONDS;
}
