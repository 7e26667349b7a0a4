// How fresh replication is, independent of the flow's traffic: the age of the newest MM2
// heartbeat that reached the target (`<source>.heartbeats`, one record a second by default).
import type { Admin } from '@platformatic/kafka';
import type { Flow } from '#src/flow';
import { partitionStates } from '#src/kafka/partition-state';
import { HEARTBEATS_TOPIC } from '#src/mm2/replication-policy';

const heartbeatsTopic = (flow: Flow) => flow.policy.remoteTopic(flow.source, HEARTBEATS_TOPIC);

/** now - timestamp of the newest heartbeat of the flow on its target (ms, never negative); null when none has arrived. */
export async function heartbeatAgeOrNull(target: Admin, flow: Flow, now: number): Promise<number | null> {
  const [state] = await partitionStates(target, [heartbeatsTopic(flow)]);
  return state?.newestTimestamp ? Math.max(0, now - state.newestTimestamp) : null;
}

/** As heartbeatAgeOrNull, and an error saying what to check when no heartbeat has arrived. */
export async function heartbeatAgeMs(target: Admin, flow: Flow, now: number): Promise<number> {
  const age = await heartbeatAgeOrNull(target, flow, now);
  if (age === null) throw new Error(`no heartbeat in ${heartbeatsTopic(flow)} (is MM2's heartbeat connector running?)`);
  return age;
}
