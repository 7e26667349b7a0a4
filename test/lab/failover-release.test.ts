// No lock left behind: a failover execution aborted after it took the lock, given to the
// failover-release function's bundle as Step Functions announces its end, leaves the estate
// unlocked, and the on-call is told; a lock another execution holds is never touched.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FailoverState } from '#src/failover/failover-state';
import { labArn } from '../../lab/template-resources';
import { failoverRig, type FailoverRig } from '../support/failover';
import { uniqueName } from '../support/lab';
import { subscribers, type Subscribers } from '../support/outcomes';

let rig: FailoverRig;
let state: FailoverState;
let to: Subscribers;
let stateMachineArn: string;

beforeAll(async () => {
  rig = await failoverRig();
  await rig.restore();
  state = new FailoverState(DynamoDBDocumentClient.from(new DynamoDBClient({})), rig.stateTable);
  const { failover } = rig.plane.stack;
  stateMachineArn = labArn('states', `stateMachine:${rig.plane.nameInLab(failover.stateMachine, 'failover state machine')}`);
  to = await subscribers({ topicArn: labArn('sns', rig.plane.nameInLab(failover.topic, 'failover topic')), eventBusName: 'default', detailTypes: ['Kafka DR Failover Failed'] });
}, 300_000);

afterAll(async () => {
  await rig.restore();
});

/** The event Step Functions puts on the default bus when a standard workflow execution ends (Step Functions developer guide, "Step Functions Execution Status Change"). */
function statusChange(name: string, status: 'ABORTED' | 'TIMED_OUT' | 'FAILED', input: unknown) {
  const executionArn = labArn('states', `execution:${stateMachineArn.split(':').at(-1)}:${name}`);
  const now = Date.now();
  return {
    version: '0',
    id: uniqueName('event'),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: executionArn.split(':')[4],
    time: new Date(now).toISOString(),
    region: executionArn.split(':')[3],
    resources: [executionArn],
    detail: { executionArn, stateMachineArn, name, status, startDate: now - 5000, stopDate: now, input: JSON.stringify(input), output: null, error: null, cause: null },
  };
}

const release = async (event: unknown) => (await rig.invoke('failover-release', event)) as Record<string, unknown>;

it('releases the lock of an execution aborted after it took it, and says what may be half done', async () => {
  const name = uniqueName('aborted');
  const input = { flow: 'dc1->dc2', mode: 'planned', reason: 'test: aborted by the on-call' };
  const execution = await rig.run(input, name, { abortAfter: 'Begin' });
  expect(execution.status).toBe('ABORTED');
  expect(execution.states).not.toContain('Finish');
  expect(await state.lockHolder()).toMatchObject({ executionName: name, flow: 'dc1->dc2' });

  const result = await release(statusChange(name, 'ABORTED', input));
  expect(result).toMatchObject({ executionName: name, status: 'ABORTED', lockReleased: true, notified: true });
  expect(await state.lockHolder()).toBeNull();

  const message = await to.nextMessage();
  expect(message.Subject).toBe('[kafka-dr] dc1->dc2 planned switchover FAILED');
  expect(message.Message.split('\n\n')[0]).toBe(
    `dc1->dc2 failover ${name} was aborted; its failover lock is released. The active side was not recorded: MM2's connectors may be paused or stopped and the bootstrap record may point at either side — check with kafka-dr status before starting another failover`,
  );
  const event = await to.nextEvent();
  expect(event).toMatchObject({ id: result.eventId, 'detail-type': 'Kafka DR Failover Failed', detail: { executionName: name, mode: 'planned', report: { status: 'ABORTED', lockReleased: true, lockHolder: null } } });

  // A new failover can take the lock again.
  const next = uniqueName('after-abort');
  expect(await state.acquireLock({ executionName: next, flow: 'dc1->dc2', acquiredAt: new Date().toISOString() })).toMatchObject({ acquired: true });
  expect(await state.releaseLock(next)).toBe(true);
}, 300_000);

it('never releases a lock another execution holds, and says who holds it', async () => {
  const holder = { executionName: uniqueName('running'), flow: 'dc1->dc2', acquiredAt: new Date().toISOString() };
  expect(await state.acquireLock(holder)).toMatchObject({ acquired: true });
  const name = uniqueName('timed-out');
  const result = await release(statusChange(name, 'TIMED_OUT', { flow: 'dc1->dc2', mode: 'unplanned', reason: 'test' }));
  expect(result).toMatchObject({ lockReleased: false, notified: true });
  expect(await state.lockHolder()).toEqual(holder);
  expect((await to.nextMessage()).Message.split('\n\n')[0]).toContain(`${name} timed out; it did not hold the failover lock (${holder.executionName} does)`);
  // A FAILED execution whose Finish ran reported already: nothing to release, nothing to add.
  expect(await release(statusChange(uniqueName('failed'), 'FAILED', { flow: 'dc1->dc2', mode: 'planned', reason: 'test' }))).toMatchObject({ lockReleased: false, notified: false });
  expect(await state.lockHolder()).toEqual(holder);
  expect(await state.releaseLock(holder.executionName)).toBe(true);
});

it('refuses an event that is not an execution status change, changing nothing', async () => {
  const holder = { executionName: uniqueName('running'), flow: 'dc1->dc2', acquiredAt: new Date().toISOString() };
  await state.acquireLock(holder);
  await expect(release({ source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { name: holder.executionName, status: 'RUNNING' } })).rejects.toMatchObject({
    name: 'InvalidExecutionEvent',
  });
  expect(await state.lockHolder()).toEqual(holder);
  expect(await state.releaseLock(holder.executionName)).toBe(true);
});
