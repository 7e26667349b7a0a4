// How fresh replication is, independent of the flow's traffic: the age of the newest MM2
// heartbeat that reached the target (`<source>.heartbeats`, one record a second by default).
import type { Admin } from '@platformatic/kafka';
import type { Flow } from '#src/flow';
import { partitionStates } from '#src/kafka/partition-state';
import { HEARTBEATS_TOPIC } from '#src/mm2/replication-policy';

/** now - timestamp of the newest heartbeat of the flow on its target (ms, never negative). */
export async function heartbeatAgeMs(target: Admin, flow: Flow, now: number): Promise<number> {
  const heartbeats = flow.policy.remoteTopic(flow.source, HEARTBEATS_TOPIC);
  const [state] = await partitionStates(target, [heartbeats]);
  if (!state?.newestTimestamp) throw new Error(`no heartbeat in ${heartbeats} (is MM2's heartbeat connector running?)`);
  return Math.max(0, now - state.newestTimestamp);
}
