// Measuring the link from the control plane's side: RTT of metadata requests to the far
// cluster, and a timed groupless Fetch of a fixed payload kept in its own topic there.
import { randomBytes } from 'node:crypto';
import { ProduceAcks, type Admin, type Consumer, type Producer } from '@platformatic/kafka';
import { LINK_PROBE_TOPIC } from '#src/config/schema';
import { partitionStates } from '#src/kafka/partition-state';
import { ensureTopic } from '#src/kafka/topics';
import { median } from './bandwidth-math';

/** The link-probe topic holds incompressible records of this size (well under the default 1 MiB message.max.bytes). */
export const LINK_PROBE_RECORD_BYTES = 256 * 1024;
/** The group id the transfer's fetcher carries; it never joins it (no group exists on the cluster). */
export const LINK_PROBE_CLIENT = 'kafka-dr-link-probe';
/** Upper bound of one Fetch of the transfer: large enough for few round trips, small enough for a 256 MB Lambda. */
const MAX_FETCH_BYTES = 16 * 1024 * 1024;

/** Median time of `samples` calls of `call` one after another: the first carries connection setup, the median does not. */
export async function medianRoundTripMs(call: () => Promise<unknown>, samples: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Median time of a metadata request (the connection is already open). */
export function metadataRttMs(admin: Admin, samples: number): Promise<number> {
  return medianRoundTripMs(() => admin.metadata({ topics: [], forceUpdate: true }), samples);
}

/**
 * Makes the link-probe topic hold at least `transferBytes` of incompressible records
 * (creating it once: 1 partition, kept forever) and returns the offset to read them from.
 * Produced once per source cluster; a larger transferBytes tops it up.
 */
export async function linkPayload(source: { admin: Admin; producer: Producer }, transferBytes: number): Promise<bigint> {
  const needed = BigInt(Math.ceil(transferBytes / LINK_PROBE_RECORD_BYTES));
  await ensureTopic(source.admin, LINK_PROBE_TOPIC, 1, { 'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete' });
  const held = async () => {
    const [state] = await partitionStates(source.admin, [LINK_PROBE_TOPIC]);
    return state ? { from: state.latest - needed, count: state.latest - state.earliest } : { from: 0n, count: 0n };
  };
  const before = await held();
  if (before.count >= needed) return before.from;
  // One record per request: a batch must stay under the broker's message.max.bytes.
  for (let i = before.count; i < needed; i++) {
    await source.producer.send({ acks: ProduceAcks.ALL, messages: [{ topic: LINK_PROBE_TOPIC, value: randomBytes(LINK_PROBE_RECORD_BYTES) }] });
  }
  return (await held()).from;
}

export interface Transfer {
  /** Payload bytes received. */
  bytes: number;
  ms: number;
  bytesPerSecond: number;
  /** False when the time budget ran out first (the rate is still what was achieved). */
  complete: boolean;
}

/**
 * Reads `bytes` of the link-probe topic from `from` with plain Fetch requests to the
 * partition leader (no consumer group), timing only the fetches: metadata and connection
 * set-up happen before the clock starts, so RTT and TLS/SASL handshakes are not counted.
 */
export async function timedTransfer(fetcher: Consumer, from: bigint, bytes: number, timeoutMs: number): Promise<Transfer> {
  const topic = (await fetcher.metadata({ topics: [LINK_PROBE_TOPIC], forceUpdate: true })).topics.get(LINK_PROBE_TOPIC);
  const leader = topic?.partitions[0]?.leader;
  if (!topic || leader === undefined || leader < 0) throw new Error(`${LINK_PROBE_TOPIC} has no leader`);
  await fetcher.connectToBrokers([leader]);
  let offset = from;
  let received = 0;
  const started = performance.now();
  while (received < bytes && performance.now() - started < timeoutMs) {
    const partitionMaxBytes = Math.min(bytes - received, MAX_FETCH_BYTES);
    const response = await fetcher.fetch({
      node: leader,
      topics: [{ topicId: topic.id, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
      maxBytes: MAX_FETCH_BYTES,
      minBytes: 1,
      maxWaitTime: 500,
    });
    const partition = response.responses[0]?.partitions[0];
    if (partition && partition.errorCode !== 0) throw new Error(`fetching ${LINK_PROBE_TOPIC} at offset ${offset}: Kafka error code ${partition.errorCode}`);
    const requested = offset;
    for (const batch of partition?.records ?? []) {
      for (const record of batch.records) {
        const recordOffset = batch.firstOffset + BigInt(record.offsetDelta);
        if (recordOffset < offset) continue; // a batch may begin before the requested offset
        received += record.value?.length ?? 0;
        offset = recordOffset + 1n;
      }
    }
    if (offset === requested) throw new Error(`no records in ${LINK_PROBE_TOPIC} at offset ${offset}`);
  }
  const ms = performance.now() - started;
  return { bytes: received, ms, bytesPerSecond: received / (ms / 1000), complete: received >= bytes };
}
