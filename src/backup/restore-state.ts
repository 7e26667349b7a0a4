// What a restore keeps between its steps and its re-runs, in the backup state table: the
// request and each target partition's end offset when the restore was first planned (its
// base). Everything a restore has produced into a partition is what lies past its base, so
// a copy killed mid-run resumes by counting, and a re-run never moves the bases (the first
// plan's conditional put wins).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RestoreRequest } from './restore-request';

export interface RestoreItem {
  restoreId: string;
  request: RestoreRequest;
  /** "<backed-up topic>/<partition>" -> end offset of its target partition when the restore was first planned. */
  bases: Record<string, number>;
  status: 'copying' | 'finished';
  /** ISO-8601. */
  plannedAt: string;
}

export const baseKey = (topic: string, partition: number) => `${topic}/${partition}`;

const itemKey = (restoreId: string) => `restore#${restoreId}`;

export class RestoreState {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Records the restore unless it exists; returns the item that holds (the earlier one on a re-run). */
  async begin(item: Omit<RestoreItem, 'status'>): Promise<RestoreItem> {
    const fresh: RestoreItem = { ...item, status: 'copying' };
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: itemKey(item.restoreId), ...fresh }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return fresh;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return this.require(item.restoreId);
    }
  }

  async read(restoreId: string): Promise<RestoreItem | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: itemKey(restoreId) }, ConsistentRead: true }));
    return Item as RestoreItem | undefined;
  }

  async require(restoreId: string): Promise<RestoreItem> {
    const item = await this.read(restoreId);
    if (!item) throw new Error(`restore ${restoreId} is not recorded in table ${this.tableName} (no restore#${restoreId}): start the restore workflow with its input again, its plan step records it`);
    return item;
  }

  async finished(restoreId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({ TableName: this.tableName, Key: { pk: itemKey(restoreId) }, UpdateExpression: 'SET #status = :finished', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':finished': 'finished' } }),
    );
  }
}
