// An idempotent producer of whole record batches, encoded by us (record-batch.ts): one
// Produce request (v3, which every broker from 0.11 to 4.x takes) per batch, acks=all, to
// the partition's leader. The client library's producer encodes record by record and cannot
// send a batch encoded elsewhere; its connections, metadata and producer id are used as they
// are.
//
// One batch in flight per partition, its sequence numbers ours: a batch resent after a
// timeout or a leader change carries the same producer id and sequence, so the broker writes
// it once (it answers a resend of a batch it holds with that batch's offset, or
// DUPLICATE_SEQUENCE_NUMBER once it has moved past it).
import { createAPI, findErrorBy, produceV3, ProduceAcks, Writer, type Producer, type ProducerInfo } from '@platformatic/kafka';
import pRetry from 'p-retry';
import { kafkaErrorReasons } from './errors';
import { encodeRecordBatch, nextSequence, type BatchRecords } from './record-batch';

const PRODUCE_TIMEOUT_MS = 30_000;
/** About 3 s in all: a leader election on a healthy cluster takes less. */
const RETRY = { retries: 5, minTimeout: 100, factor: 2 };

const produceBatch = createAPI<[topic: string, partition: number, batch: Buffer], produceV3.ProduceResponse>(
  0,
  3,
  (topic: string, partition: number, batch: Buffer) =>
    Writer.create()
      .appendString(null, false)
      .appendInt16(ProduceAcks.ALL)
      .appendInt32(PRODUCE_TIMEOUT_MS)
      .appendInt32(1)
      .appendString(topic, false)
      .appendInt32(1)
      .appendInt32(partition)
      .appendInt32(batch.length)
      .append(batch),
  produceV3.parseResponse,
  false,
  false,
);

/** The partition has no leader in the metadata (an election under way): asked again, with fresh metadata. */
class NoLeader extends Error {}

export class RecordBatchProducer {
  private readonly sequences = new Map<string, number>();
  private staleMetadata = false;

  private constructor(
    private readonly client: Producer,
    private readonly producer: ProducerInfo,
  ) {}

  /** A producer id of its own (InitProducerId): its sequences start at 0 on every partition. */
  static async open(client: Producer): Promise<RecordBatchProducer> {
    return new RecordBatchProducer(client, await client.initIdempotentProducer({}));
  }

  /** Appends the records (at least one) to the partition as one batch; resolves once every in-sync replica has them. */
  async send(topic: string, partition: number, records: BatchRecords): Promise<void> {
    const key = `${topic}\u0000${partition}`;
    const baseSequence = this.sequences.get(key) ?? 0;
    const batch = encodeRecordBatch(records, { ...this.producer, baseSequence });
    await pRetry(() => this.produce(topic, partition, batch), {
      ...RETRY,
      shouldRetry: ({ error }) => error instanceof NoLeader || findErrorBy(error, 'canRetry', true) !== null,
    }).catch((err: unknown) => {
      throw new Error(`producing ${records.length} records to ${topic} partition ${partition} failed: ${kafkaErrorReasons(err)}`, { cause: err });
    });
    this.sequences.set(key, nextSequence(baseSequence, records.length));
  }

  private async produce(topic: string, partition: number, batch: Buffer): Promise<void> {
    const metadata = await this.client.metadata({ topics: [topic], forceUpdate: this.staleMetadata });
    this.staleMetadata = false;
    const leader = metadata.topics.get(topic)?.partitions[partition]?.leader;
    if (leader === undefined || leader < 0) {
      this.staleMetadata = true;
      throw new NoLeader(`${topic} partition ${partition} has no leader in the cluster's metadata`);
    }
    const connection = (await this.client.connectToBrokers([leader])).get(leader);
    if (!connection) throw new Error(`no connection to broker ${leader}, the leader of ${topic} partition ${partition}`);
    try {
      await produceBatch.async(connection, topic, partition, batch);
    } catch (err) {
      // The broker holds this batch already: an earlier attempt was written before its answer was lost.
      if (findErrorBy(err as Error, 'apiId', 'DUPLICATE_SEQUENCE_NUMBER')) return;
      if (findErrorBy(err as Error, 'hasStaleMetadata', true)) this.staleMetadata = true;
      throw err;
    }
  }
}
