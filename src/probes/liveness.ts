// Is a flow's source alive, several times a minute: one liveness sample asks both clusters
// for metadata and reads the newest MM2 heartbeat on the target, within a short timeout;
// a run takes samples on a fixed grid and hands each on (to be published) as soon as it
// is taken, so the alarms feeding primary-down see a loss within seconds. What does not
// answer is reported, never thrown: the probe must keep sampling in the disaster it detects.
import type { Admin } from '@platformatic/kafka';
import { byDeadline, LATE } from '#src/by-deadline';
import type { Flow } from '#src/flow';
import { heartbeatAgeMs } from './heartbeat-age';
import { reachable } from './lag-probe';

export interface LivenessSample {
  flow: string;
  /** When the sample started (epoch ms): the instant its datapoints describe. */
  at: number;
  reachable: { source: boolean; target: boolean };
  /** Null when the target was not reached or held no heartbeat (see errors). */
  heartbeatAgeMs: number | null;
  errors: string[];
}

export interface LivenessSampleOptions {
  /** A cluster that has not answered within this long counts as not reached. */
  timeoutMs: number;
  now?: () => number;
}

/** One sample of the flow, through `admin` (a client per cluster, opened for this sample). */
export async function sampleLiveness(flow: Flow, admin: (cluster: string) => Promise<Admin>, options: LivenessSampleOptions): Promise<LivenessSample> {
  const now = options.now ?? Date.now;
  const sample: LivenessSample = { flow: flow.name, at: now(), reachable: { source: false, target: false }, heartbeatAgeMs: null, errors: [] };
  const deadline = sample.at + options.timeoutMs;
  const within = `within ${options.timeoutMs / 1000} s`;
  const reach = async (role: 'source' | 'target', cluster: string): Promise<Admin | undefined> => {
    const answer = await byDeadline(reachable(admin(cluster)), deadline, now);
    if (answer === LATE) sample.errors.push(`${role} cluster ${cluster} did not answer a metadata request ${within}`);
    else if (!answer) sample.errors.push(`${role} cluster ${cluster} unreachable`);
    return answer === LATE ? undefined : answer;
  };

  const [source, target] = await Promise.all([reach('source', flow.source), reach('target', flow.target)]);
  sample.reachable = { source: source !== undefined, target: target !== undefined };
  if (!target) return sample;
  try {
    const age = await byDeadline(heartbeatAgeMs(target, flow, sample.at), deadline, now);
    if (age === LATE) sample.errors.push(`heartbeats on ${flow.target}: no answer ${within}`);
    else sample.heartbeatAgeMs = age;
  } catch (err) {
    sample.errors.push(`heartbeats on ${flow.target}: ${(err as Error).message}`);
  }
  return sample;
}

export interface LivenessRunOptions {
  /** When to sample (epoch ms), e.g. from sampleInstants. */
  instants: number[];
  sample: () => Promise<LivenessSample>;
  /** Hands a sample on as soon as it is taken (a failure is recorded in the sample's errors, the run goes on). */
  publish: (sample: LivenessSample) => Promise<void>;
  now?: () => number;
}

/**
 * Takes a sample at each instant and publishes it at once. Each sample waits for its own
 * instant, so a slow one never delays the next.
 */
export async function runLiveness(options: LivenessRunOptions): Promise<LivenessSample[]> {
  const now = options.now ?? Date.now;
  return Promise.all(
    options.instants.map(async (instant) => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - now())));
      const sample = await options.sample();
      try {
        await options.publish(sample);
      } catch (err) {
        sample.errors.push(`publishing the sample: ${(err as Error).message}`);
      }
      return sample;
    }),
  );
}
