// Creating topics: each with its own partition count and configs, with the broker's default
// replication factor, and only done once every partition has a leader — a produce or a
// ListOffsets right after must not meet a partition still electing one.
import { createTopicsV7, type Admin } from '@platformatic/kafka';
import { kafkaErrorReasons } from './errors';

export interface TopicSpec {
  name: string;
  partitions: number;
  configs: Record<string, string>;
}

/** How long leaders of new partitions may take to be elected. */
const LEADERS_TIMEOUT_MS = 10_000;
/** The broker's time limit for a validate-only creation. */
const VALIDATE_TIMEOUT_MS = 5000;

const configEntries = (configs: Record<string, string>) => Object.entries(configs).map(([name, value]) => ({ name, value }));

async function create(admin: Admin, spec: TopicSpec): Promise<void> {
  await admin.createTopics({ topics: [spec.name], partitions: spec.partitions, configs: configEntries(spec.configs) }).catch((err: unknown) => {
    throw new Error(`creating topic ${spec.name}: ${kafkaErrorReasons(err)}`, { cause: err });
  });
}

async function exists(admin: Admin, topic: string): Promise<boolean> {
  return (await admin.listTopics({ includeInternals: true })).includes(topic);
}

async function leadersElected(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    // Metadata naming a topic the broker does not know yet fails: that is "not yet" too.
    const metadata = await admin.metadata({ topics: [...topics], forceUpdate: true }).catch(() => undefined);
    const leaderless = topics.filter((t) => metadata?.topics.get(t)?.partitions.every((p) => p.leader >= 0) !== true);
    if (leaderless.length === 0) return;
    if (Date.now() >= deadline) throw new Error(`${leaderless.join(', ')}: partitions without a leader ${LEADERS_TIMEOUT_MS} ms after creation`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the topics (none may exist yet). */
export async function createTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await Promise.all(specs.map((spec) => create(admin, spec)));
  await leadersElected(admin, specs.map((s) => s.name));
}

/** Creates the topic unless it exists (an existing one is left as it is). */
export async function ensureTopic(admin: Admin, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  if (await exists(admin, topic)) return;
  // Another client may create it at the same time: its creation is as good as ours.
  await create(admin, { name: topic, partitions, configs }).catch(async (err: unknown) => {
    if (!(await exists(admin, topic))) throw err;
  });
  await leadersElected(admin, [topic]);
}

/** Why the cluster would refuse to create the topic (a validate-only request: nothing is created), undefined when it would not. */
export async function creationRefusal(admin: Admin, spec: TopicSpec): Promise<string | undefined> {
  const { controllerId } = await admin.metadata({ topics: [] });
  const controller = (await admin.connectToBrokers([controllerId])).get(controllerId);
  if (!controller) throw new Error(`no connection to the controller (broker ${controllerId}) to validate topic ${spec.name}`);
  const topic = { name: spec.name, numPartitions: spec.partitions, replicationFactor: -1, assignments: [], configs: configEntries(spec.configs) };
  return createTopicsV7.api.async(controller, [topic], VALIDATE_TIMEOUT_MS, true).then(
    () => undefined,
    (err: unknown) => kafkaErrorReasons(err),
  );
}
