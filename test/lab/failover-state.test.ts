// The failover lock and the active side against the lab's DynamoDB: conditional writes
// decide, so the tests race real requests and read the table back.
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { FailoverState, type ActiveSide, type LockHolder } from '#src/failover/failover-state';
import { EXPIRES_AT } from '#src/failover/state-expiry';
import { createTable } from '../support/tables';
import { labContext, uniqueName } from '../support/lab';

const table = uniqueName('kafka-dr-failover-state');
let dynamodb: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  await labContext(); // points the AWS SDK at the lab's emulator
  dynamodb = new DynamoDBClient({});
  documents = DynamoDBDocumentClient.from(dynamodb);
  await createTable(table, 'pk');
});

afterAll(async () => {
  await dynamodb.send(new DeleteTableCommand({ TableName: table }));
});

const state = () => new FailoverState(documents, table);
const holder = (executionName: string): LockHolder => ({ executionName, flow: 'dc1->dc2', acquiredAt: new Date().toISOString() });
const storedItem = async (pk: string) => (await documents.send(new GetCommand({ TableName: table, Key: { pk }, ConsistentRead: true }))).Item;

describe('the failover lock', () => {
  afterEach(async () => {
    const lock = await storedItem('lock');
    if (lock) await state().releaseLock(lock.executionName);
  });

  it('is taken by one execution, re-taken by the same one (a re-run step), refused to another, and released only by its holder', async () => {
    const first = holder('exec-a');
    expect(await state().acquireLock(first)).toEqual({ acquired: true, holder: first });
    expect(await storedItem('lock')).toEqual({ pk: 'lock', ...first });

    const rerun = { ...first, acquiredAt: new Date(Date.now() + 1000).toISOString() };
    expect(await state().acquireLock(rerun)).toEqual({ acquired: true, holder: rerun });

    const other = await state().acquireLock(holder('exec-b'));
    expect(other).toEqual({ acquired: false, holder: rerun });

    expect(await state().releaseLock('exec-b')).toBe(false);
    expect(await storedItem('lock')).toMatchObject({ executionName: 'exec-a' });
    expect(await state().releaseLock('exec-a')).toBe(true);
    expect(await storedItem('lock')).toBeUndefined();
    expect(await state().releaseLock('exec-a')).toBe(false);

    const next = holder('exec-b');
    expect(await state().acquireLock(next)).toEqual({ acquired: true, holder: next });
  });

  it('goes to exactly one of several executions racing for it', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `race-${i}`);
    const results = await Promise.all(names.map((name) => new FailoverState(DynamoDBDocumentClient.from(new DynamoDBClient({})), table).acquireLock(holder(name))));
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.holder.executionName;
    // Every loser is told who holds it, and the table agrees.
    for (const r of results.filter((r) => !r.acquired)) expect(r.holder.executionName).toBe(winner);
    expect((await storedItem('lock'))?.executionName).toBe(winner);
  });

  it('lets errors other than a refused condition through', async () => {
    await expect(new FailoverState(documents, uniqueName('no-such-table')).acquireLock(holder('exec-x'))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('the active side', () => {
  it('is null before any failover, then the recorded side; re-recording by the same execution changes nothing', async () => {
    expect(await state().activeSide()).toBeNull();

    const toDc2: ActiveSide = { cluster: 'dc2', home: null, flow: 'dc1->dc2', executionName: 'exec-1', mode: 'unplanned', since: '2026-01-01T10:00:00.000Z' };
    await state().recordActiveSide(toDc2);
    expect(await state().activeSide()).toEqual(toDc2);

    // A re-run of the step (same execution, later clock) keeps the first record.
    await state().recordActiveSide({ ...toDc2, since: '2026-01-01T10:05:00.000Z' });
    expect(await storedItem('active')).toEqual({ pk: 'active', ...toDc2 });

    const failback: ActiveSide = { cluster: 'dc1', home: null, flow: 'dc2->dc1', executionName: 'exec-2', mode: 'planned', since: '2026-01-02T09:00:00.000Z' };
    await state().recordActiveSide(failback);
    expect(await state().activeSide()).toEqual(failback);
  });
});

describe("a planned switchover's drain snapshot", () => {
  it('is kept in parts small enough for DynamoDB items, read back whole, refused when a part is missing, and deleted', async () => {
    // 12,000 partitions behind at the first look: about 420 KB, over one item's 400 KB and the payload's 256 KiB.
    const until = Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`orders-with-a-long-topic-name-${i % 400}-${Math.floor(i / 400)}`, String(1_000_000_000 + i)]));
    const ref = await state().saveDrainSnapshot('exec-drain', until);
    expect(ref).toEqual({ parts: 3, partitions: 12_000 });
    expect(await state().drainSnapshot('exec-drain', ref)).toEqual(until);
    expect(await state().saveDrainSnapshot('exec-drain', until)).toEqual(ref); // a re-run step writes the same
    // An execution that ends without Finish leaves its parts to the table's TTL: two days on.
    const expiry = Date.now() / 1000 + 2 * 24 * 3600;
    for (const part of [0, 1, 2]) {
      const expiresAt = (await storedItem(`drain#exec-drain#${part}`))?.[EXPIRES_AT];
      expect(expiresAt).toBeGreaterThan(expiry - 60);
      expect(expiresAt).toBeLessThanOrEqual(expiry);
    }

    await documents.send(new DeleteCommand({ TableName: table, Key: { pk: 'drain#exec-drain#1' } }));
    await expect(state().drainSnapshot('exec-drain', ref)).rejects.toThrow(`the drain snapshot of execution exec-drain lacks part 2 of 3 in table ${table}: start the switchover again`);
    await state().deleteDrainSnapshot('exec-drain', ref);
    await state().deleteDrainSnapshot('exec-drain', ref); // idempotent
    for (const part of [0, 1, 2]) expect(await storedItem(`drain#exec-drain#${part}`)).toBeUndefined();
  });
});
