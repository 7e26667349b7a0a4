// What the backup workflow keeps in the estate's backup state table (partition key "pk")
// between its steps and across executions:
//   backup-run                                   the unfinished backup (at most one)
//   backup-progress#<backupId>#<topic>#<p>       how far this run copied a partition
//   backup-segment#<backupId>#<topic>#<p>#<first> a segment this run recorded (one item each:
//                                                a partition's list would outgrow an item's 400 KB)
//   backup-head#<topic>                          the newest manifest holding the topic
// Progress only moves forward, by conditional writes on the offset it moved from, so two
// invocations copying the same partition can never both record a segment.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Gap, SegmentRef } from './manifest';

const RUN = 'backup-run';
const progressKey = (backupId: string, topic: string, partition: number) => `backup-progress#${backupId}#${topic}#${partition}`;
const headKey = (topic: string) => `backup-head#${topic}`;
const segmentItemKey = (backupId: string, topic: string, partition: number, firstOffset: number) => `backup-segment#${backupId}#${topic}#${partition}#${firstOffset}`;

export interface BackupRun {
  backupId: string;
  executionName: string;
  /** ISO-8601: when the execution that planned it started. */
  startedAt: string;
  cluster: string;
  /** 'planning' until the snapshot and every progress item are written. */
  state: 'planning' | 'copying';
  /** Topics and their partition counts at the snapshot (set when copying starts). */
  topics: { name: string; partitions: number }[];
}

export interface PartitionProgress {
  backupId: string;
  topic: string;
  partition: number;
  /** First offset the backup chain covers. */
  startOffset: number;
  /** The next offset to copy. */
  nextOffset: number;
  /** The snapshot's end (exclusive). */
  endOffset: number;
  /** First offsets of the segments this run recorded, in order (the segments are items of their own). */
  segmentOffsets: number[];
  /** Offsets this run found without a record, in order. */
  gaps: Gap[];
}

export interface PartitionId {
  topic: string;
  partition: number;
}

/** Another invocation recorded progress of the partition first: this one's work there is not recorded. */
export class ProgressConflictError extends Error {
  constructor(backupId: string, p: PartitionId, from: number) {
    super(
      `backup ${backupId}: partition ${p.topic}-${p.partition} moved past offset ${from} while this invocation copied it: another execution is copying the same backup; let that one finish (this invocation recorded nothing for the partition)`,
    );
    this.name = 'ProgressConflict';
  }
}

type WriteRequest = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string][number];

const BATCH_GET = 100;
const BATCH_WRITE = 25;

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

export class BackupState {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async run(): Promise<BackupRun | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: RUN }, ConsistentRead: true }));
    if (!Item) return undefined;
    const run = { ...Item };
    delete run.pk;
    return run as BackupRun;
  }

  /** Records `run` as the unfinished backup unless one exists; returns the one that does. */
  async startRun(run: BackupRun): Promise<BackupRun> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: RUN, ...run }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return run;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.run();
      if (!current) return this.startRun(run);
      return current;
    }
  }

  async startCopying(backupId: string, topics: BackupRun['topics']): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: RUN },
        UpdateExpression: 'SET #state = :copying, topics = :topics',
        ConditionExpression: 'backupId = :id',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':copying': 'copying', ':topics': topics, ':id': backupId },
      }),
    );
  }

  async putProgress(items: readonly PartitionProgress[]): Promise<void> {
    await this.writeAll(items.map((p) => ({ PutRequest: { Item: { pk: progressKey(p.backupId, p.topic, p.partition), ...p } } })));
  }

  /** Progress of each partition; throws naming those without any (not part of the backup). */
  async progress(backupId: string, partitions: readonly PartitionId[]): Promise<PartitionProgress[]> {
    const items = await this.getAll(partitions.map((p) => progressKey(backupId, p.topic, p.partition)));
    const found = new Map(items.map(({ pk, ...item }) => [pk as string, item as unknown as PartitionProgress]));
    const missing = partitions.filter((p) => !found.has(progressKey(backupId, p.topic, p.partition)));
    if (missing.length > 0) {
      throw new Error(
        `backup ${backupId} has no progress recorded for ${missing.map((p) => `${p.topic}-${p.partition}`).join(', ')} in table ${this.tableName}: the partitions are not part of it (or it finished); start a new backup`,
      );
    }
    return partitions.flatMap((p) => found.get(progressKey(backupId, p.topic, p.partition)) ?? []);
  }

  /**
   * Moves a partition from `from` to `to`, recording a segment and gaps, in one transaction;
   * ProgressConflictError if it is no longer at `from`.
   */
  async advance(backupId: string, p: PartitionId, from: number, to: number, segment: SegmentRef | undefined, gaps: readonly Gap[]): Promise<void> {
    const update = {
      TableName: this.tableName,
      Key: { pk: progressKey(backupId, p.topic, p.partition) },
      UpdateExpression: 'SET nextOffset = :to, segmentOffsets = list_append(segmentOffsets, :segments), #gaps = list_append(#gaps, :gaps)',
      ConditionExpression: 'nextOffset = :from',
      ExpressionAttributeNames: { '#gaps': 'gaps' },
      ExpressionAttributeValues: { ':from': from, ':to': to, ':segments': segment ? [segment.firstOffset] : [], ':gaps': gaps },
    };
    try {
      if (!segment) {
        await this.doc.send(new UpdateCommand(update));
        return;
      }
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: update }, { Put: { TableName: this.tableName, Item: { pk: segmentItemKey(backupId, p.topic, p.partition, segment.firstOffset), ...segment } } }],
        }),
      );
    } catch (err) {
      const refused = err instanceof ConditionalCheckFailedException || (err instanceof TransactionCanceledException && err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed');
      if (refused) throw new ProgressConflictError(backupId, p, from);
      throw err;
    }
  }

  /** The segments this run recorded for the partition, in offset order. */
  async segments(progress: PartitionProgress): Promise<SegmentRef[]> {
    const items = await this.getAll(progress.segmentOffsets.map((first) => segmentItemKey(progress.backupId, progress.topic, progress.partition, first)));
    const byFirst = new Map(items.map(({ pk: _, ...ref }) => [(ref as SegmentRef).firstOffset, ref as SegmentRef]));
    const missing = progress.segmentOffsets.filter((first) => !byFirst.has(first));
    if (missing.length > 0) throw new Error(`backup ${progress.backupId}: table ${this.tableName} lacks the segment items of ${progress.topic}-${progress.partition} at offsets ${missing.join(', ')}; start a new backup`);
    return progress.segmentOffsets.flatMap((first) => byFirst.get(first) ?? []);
  }

  /** The newest backup holding each topic (absent: never backed up). */
  async heads(topics: readonly string[]): Promise<Map<string, string>> {
    const items = await this.getAll(topics.map(headKey));
    return new Map(items.map((item) => [(item.pk as string).slice(headKey('').length), item.backupId as string]));
  }

  /**
   * Makes the backup the topic's head unless one that started later already is (ids order
   * by the second only; `startedAt` is ISO-8601 in UTC to the millisecond, so it orders as text).
   */
  async setHead(topic: string, backupId: string, startedAt: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: headKey(topic), backupId, startedAt },
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(startedAt) OR startedAt <= :startedAt',
          ExpressionAttributeValues: { ':startedAt': startedAt },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** Forgets the finished run: its segment and progress items, then the run item. */
  async endRun(progress: readonly PartitionProgress[]): Promise<void> {
    const backupId = progress[0]?.backupId;
    if (!backupId) return;
    await this.writeAll(progress.flatMap((p) => p.segmentOffsets.map((first) => ({ DeleteRequest: { Key: { pk: segmentItemKey(backupId, p.topic, p.partition, first) } } }))));
    await this.writeAll(progress.map((p) => ({ DeleteRequest: { Key: { pk: progressKey(backupId, p.topic, p.partition) } } })));
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: RUN }, ConditionExpression: 'backupId = :id', ExpressionAttributeValues: { ':id': backupId } }));
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  private async writeAll(requests: WriteRequest[]): Promise<void> {
    for (const chunk of chunks(requests, BATCH_WRITE)) {
      let unprocessed = chunk;
      while (unprocessed.length > 0) {
        const { UnprocessedItems } = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: unprocessed } }));
        unprocessed = UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  private async getAll(pks: readonly string[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (const chunk of chunks(pks, BATCH_GET)) {
      let keys: Record<string, unknown>[] = chunk.map((pk) => ({ pk }));
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        items.push(...(Responses?.[this.tableName] ?? []));
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }
}
