// What the bandwidth probe remembers between runs, in DynamoDB (partition key "flow"):
// per side (source, target), when it last measured and each replicated topic's totals —
// the sum of its partitions' log-end and log-start offsets and of their sizes on disk.
// Rates are differences between two such snapshots, so the item is working state: it is
// rebuilt by the next run after a loss.
//
// Item: { flow, at, source?: Side, target?: Side }, Side = { at, records, bytes, topics }.
// `records` and `bytes` are the side's totals (readable in the console); `topics` is the
// per-topic breakdown the math uses, gzipped JSON (Binary), so that thousands of topics
// stay well inside DynamoDB's 400 KB item limit.
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

/** One topic on one side, summed over its partitions. */
export interface TopicTotals {
  /** Sum of log-end offsets: grows by one per record appended. */
  end: bigint;
  /** Sum of log-start offsets: grows when retention deletes records. */
  start: bigint;
  /** Sum of partition sizes on disk (leader replicas), in bytes. */
  bytes: bigint;
}

export interface SideSnapshot {
  /** When the offsets were read (epoch ms). */
  at: number;
  topics: Map<string, TopicTotals>;
}

export interface BandwidthState {
  /** The run that wrote it (epoch ms); a run never overwrites a newer one. */
  at: number;
  /** Null when the side has never been measured. */
  source: SideSnapshot | null;
  target: SideSnapshot | null;
}

export interface ProbeStateStore {
  load(flow: string): Promise<BandwidthState | undefined>;
  /** Saves unless a later run already saved (then it reports so by throwing). */
  save(flow: string, state: BandwidthState): Promise<void>;
}

type Row = [topic: string, end: string, start: string, bytes: string];

interface StoredSide {
  at: number;
  records: bigint;
  bytes: bigint;
  topics: Uint8Array;
}

const sum = (topics: Map<string, TopicTotals>, field: keyof TopicTotals) => [...topics.values()].reduce((n, t) => n + t[field], 0n);

function encodeSide(side: SideSnapshot): StoredSide {
  const rows: Row[] = [...side.topics].map(([topic, t]) => [topic, String(t.end), String(t.start), String(t.bytes)]);
  return { at: side.at, records: sum(side.topics, 'end'), bytes: sum(side.topics, 'bytes'), topics: gzipSync(JSON.stringify(rows)) };
}

/** Numbers come back wrapped (exact), Binary as Uint8Array. */
function decodeSide(stored: unknown): SideSnapshot | null {
  if (!stored || typeof stored !== 'object') return null;
  const side = stored as { at: { toString(): string }; topics: Uint8Array };
  const rows = JSON.parse(gunzipSync(side.topics).toString('utf8')) as Row[];
  return { at: Number(side.at.toString()), topics: new Map(rows.map(([topic, end, start, bytes]) => [topic, { end: BigInt(end), start: BigInt(start), bytes: BigInt(bytes) }])) };
}

export function dynamoProbeState(client: DynamoDBClient, tableName: string): ProbeStateStore {
  const documents = DynamoDBDocumentClient.from(client, { unmarshallOptions: { wrapNumbers: true } });
  return {
    async load(flow) {
      const { Item: item } = await documents.send(new GetCommand({ TableName: tableName, Key: { flow }, ConsistentRead: true }));
      if (!item) return undefined;
      return { at: Number(String(item.at)), source: decodeSide(item.source), target: decodeSide(item.target) };
    },
    async save(flow, state) {
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              flow,
              at: state.at,
              ...(state.source ? { source: encodeSide(state.source) } : {}),
              ...(state.target ? { target: encodeSide(state.target) } : {}),
            },
            // Runs delivered late or twice must not roll the snapshot back.
            ConditionExpression: 'attribute_not_exists(#flow) OR #at < :at',
            ExpressionAttributeNames: { '#flow': 'flow', '#at': 'at' },
            ExpressionAttributeValues: { ':at': state.at },
          }),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) throw new Error(`a later run already saved the state of ${flow}: not overwritten`);
        throw err;
      }
    },
  };
}
