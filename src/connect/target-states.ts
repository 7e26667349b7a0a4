// Kafka Connect's persisted target state of each connector, read where Connect keeps it: the
// worker group's config topic (config.storage.topic), records keyed `target-state-<connector>`
// holding JSON {"state": ..., "state.v2": STARTED|PAUSED|STOPPED} (KafkaConfigBackingStore;
// "state" says PAUSED for STOPPED, for workers older than Kafka 3.5). PUT .../stop answers only
// once this record is written, and it is what keeps a connector from running again, even after
// a worker restart: the tasks of a connector whose source died keep shutting down for seconds
// after it, and only report what they are doing, not what Connect will do.
import type { Consumer } from '@platformatic/kafka';
import { readWholeTopic } from '#src/kafka/topic-reader';

const KEY_PREFIX = 'target-state-';

/** The connector and state a config topic record holds, if it is a target state (null state: the connector was deleted). */
export function targetStateOf(key: Buffer | null, value: Buffer | null): { connector: string; state: string | null } | undefined {
  const name = key?.toString('utf8');
  if (!name?.startsWith(KEY_PREFIX)) return undefined;
  const connector = name.slice(KEY_PREFIX.length);
  if (value === null) return { connector, state: null };
  let parsed: { state?: unknown; 'state.v2'?: unknown };
  try {
    parsed = JSON.parse(value.toString('utf8')) as typeof parsed;
  } catch {
    throw new Error(`the target state of connector ${connector} in Connect's config topic is not JSON: is the topic the worker group's config.storage.topic?`);
  }
  const state = parsed['state.v2'] ?? parsed.state;
  return { connector, state: typeof state === 'string' ? state : null };
}

/** Each connector's newest persisted target state in the config topic (connectors never paused, stopped or resumed have none). */
export async function persistedTargetStates(fetcher: Consumer, configTopic: string): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  await readWholeTopic(fetcher, configTopic, (_, record) => {
    const target = targetStateOf(record.key, record.value);
    if (!target) return;
    if (target.state === null) states.delete(target.connector);
    else states.set(target.connector, target.state);
  });
  return states;
}
