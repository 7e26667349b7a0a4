// What the failover workflow keeps between executions, in one DynamoDB table per estate
// (partition key "pk"): the lock that lets one failover run at a time, and which cluster
// clients were last pointed at. Every write is conditional, so a step re-run by Step
// Functions (retry, redrive) or a duplicate trigger cannot take over another execution's
// lock or roll the active side back.
//
// Items: pk="lock" {executionName, flow, acquiredAt}; pk="active" {cluster, flow, executionName, mode, since}
// (with per-datacenter records, pk="active#<home>" per record, with its home);
// pk="readiness#<flow>" {flow, ready, reason, mode, executionName, at}: the last scheduled readiness check;
// pk="drain#<executionName>#<part>" {executionName, part, until, expiresAt}: a planned switchover's
// drain snapshot while clients stay on the source, kept here because it grows with the
// partitions behind; Finish deletes it, the table's TTL (state-expiry.ts) if Finish never runs.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { partsBySize } from '#src/parts';
import type { Readiness } from './readiness';
import { EXPIRES_AT, executionItemExpiry } from './state-expiry';

export interface LockHolder {
  executionName: string;
  flow: string;
  /** ISO-8601. */
  acquiredAt: string;
}

export interface ActiveSide {
  /** The cluster clients are pointed at. */
  cluster: string;
  /** Whose clients: a datacenter with a record of its own (dns.records), or null for the estate's one record. */
  home: string | null;
  flow: string;
  executionName: string;
  mode: 'planned' | 'unplanned';
  /** ISO-8601: when the execution made it active. */
  since: string;
}

export type LockResult = { acquired: true; holder: LockHolder } | { acquired: false; holder: LockHolder };

const LOCK = 'lock';
const activeKey = (home: string | null) => (home === null ? 'active' : `active#${home}`);
const readinessKey = (flow: string) => `readiness#${flow}`;
const drainKey = (executionName: string, part: number) => `drain#${executionName}#${part}`;
/** DynamoDB takes 400 KB an item: a snapshot part stays well under it, counted as JSON. */
const SNAPSHOT_PART_BYTES = 300 * 1024;

/** Where an execution's drain snapshot is: how many items, how many partitions. */
export interface DrainSnapshotRef {
  parts: number;
  partitions: number;
}

export class FailoverState {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Conditional put: succeeds when no lock exists OR the same executionName holds it (a re-run of the step). */
  async acquireLock(holder: LockHolder): Promise<LockResult> {
    // The holder is read after a refused put; if it released the lock in between, try again.
    for (let attempt = 1; ; attempt++) {
      const taken = await this.putUnless(
        { pk: LOCK, ...holder },
        'attribute_not_exists(pk) OR executionName = :name',
        { ':name': holder.executionName },
      );
      if (taken) return { acquired: true, holder };
      const current = await this.lockHolder();
      if (current) return { acquired: false, holder: current };
      if (attempt === 3) {
        throw new Error(`the failover lock in table ${this.tableName} was taken and released ${attempt} times while ${holder.executionName} tried to acquire it: retry`);
      }
    }
  }

  /** Who holds the lock now, if anyone (read only: what a dry run reports). */
  async lockHolder(): Promise<LockHolder | null> {
    const current = await this.read<LockHolder>(LOCK);
    return current ? { executionName: current.executionName, flow: current.flow, acquiredAt: current.acquiredAt } : null;
  }

  /** Conditional delete by executionName; returns false (no error) when the lock is not held by it. */
  async releaseLock(executionName: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: LOCK },
          ConditionExpression: 'executionName = :name',
          ExpressionAttributeValues: { ':name': executionName },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Where the last failover sent the clients of `home` (null: the estate's one record). */
  async activeSide(home: string | null = null): Promise<ActiveSide | null> {
    const item = await this.read<ActiveSide>(activeKey(home));
    if (!item) return null;
    return { cluster: item.cluster, home, flow: item.flow, executionName: item.executionName, mode: item.mode, since: item.since };
  }

  /** Idempotent: writing the same executionName again changes nothing (conditional on executionName <> :name OR not exists). */
  async recordActiveSide(side: ActiveSide): Promise<void> {
    await this.putUnless({ pk: activeKey(side.home), ...side }, 'attribute_not_exists(pk) OR executionName <> :name', { ':name': side.executionName });
  }

  /** The flow's last scheduled readiness check, if one ran. */
  async readiness(flow: string): Promise<Readiness | null> {
    const item = await this.read<Readiness>(readinessKey(flow));
    return item ? { flow: item.flow, ready: item.ready, reason: item.reason, mode: item.mode, executionName: item.executionName, at: item.at } : null;
  }

  /** The newest check wins: a re-run of an older check's Finish does not overwrite a newer one. */
  async recordReadiness(readiness: Readiness): Promise<void> {
    await this.putUnless({ pk: readinessKey(readiness.flow), ...readiness }, 'attribute_not_exists(pk) OR #at <= :at', { ':at': readiness.at }, { '#at': 'at' });
  }

  /**
   * Keeps a drain snapshot (partition -> source end to reach) out of the execution's payload,
   * which Step Functions caps at 256 KiB: at 35 bytes an entry, 7,000 partitions behind would
   * fail the execution. A step re-run writes the same items again.
   */
  async saveDrainSnapshot(executionName: string, until: Record<string, string>): Promise<DrainSnapshotRef> {
    const entries = Object.entries(until);
    const parts = partsBySize(entries, SNAPSHOT_PART_BYTES, ([key, end]) => key.length + end.length + 6);
    const expiry = executionItemExpiry();
    await Promise.all(parts.map((slice, part) => this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: drainKey(executionName, part), executionName, part, until: Object.fromEntries(slice), [EXPIRES_AT]: expiry } }))));
    return { parts: parts.length, partitions: entries.length };
  }

  async drainSnapshot(executionName: string, ref: DrainSnapshotRef): Promise<Record<string, string>> {
    const items = await Promise.all(Array.from({ length: ref.parts }, (_, part) => this.read<{ until: Record<string, string> }>(drainKey(executionName, part))));
    const missing = items.findIndex((item) => !item);
    if (missing >= 0) throw new Error(`the drain snapshot of execution ${executionName} lacks part ${missing + 1} of ${ref.parts} in table ${this.tableName}: start the switchover again`);
    const until: Record<string, string> = Object.assign({}, ...items.map((item) => item?.until ?? {}));
    if (Object.keys(until).length !== ref.partitions) throw new Error(`the drain snapshot of execution ${executionName} holds ${Object.keys(until).length} partitions, not the ${ref.partitions} it was written with, in table ${this.tableName}: start the switchover again`);
    return until;
  }

  /** Idempotent: deleting parts already gone changes nothing. */
  async deleteDrainSnapshot(executionName: string, ref: DrainSnapshotRef): Promise<void> {
    await Promise.all(Array.from({ length: ref.parts }, (_, part) => this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: drainKey(executionName, part) } }))));
  }

  /** False when the condition refused the write. */
  private async putUnless(item: Record<string, unknown>, condition: string, values: Record<string, string>, names?: Record<string, string>): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: condition, ExpressionAttributeValues: values, ExpressionAttributeNames: names }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Only this class writes the table, so an item has the shape it was written with. */
  private async read<T>(pk: string): Promise<T | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }));
    return Item as T | undefined;
  }
}
