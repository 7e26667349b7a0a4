import { endedOutcome, parseExecutionEnded } from '#src/failover/execution-ended';

const event = (detail: Record<string, unknown>) => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:payments-kafka-dr-failover:rehearsal-1',
    stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:payments-kafka-dr-failover',
    name: 'rehearsal-1',
    status: 'ABORTED',
    startDate: 1764900000000,
    stopDate: 1764900012345,
    input: JSON.stringify({ flow: 'dc1->dc2', mode: 'planned', dryRun: false, reason: 'rehearsal' }),
    ...detail,
  },
});

describe('a failover execution that ended without Finish', () => {
  it('reads the execution, its end and what it was asked to do from the status change event', () => {
    expect(parseExecutionEnded(event({}))).toEqual({
      executionName: 'rehearsal-1',
      executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:payments-kafka-dr-failover:rehearsal-1',
      status: 'ABORTED',
      stoppedAt: '2025-12-05T02:00:12.345Z',
      request: { flow: 'dc1->dc2', mode: 'planned', dryRun: false },
      error: null,
    });
  });

  it('keeps the error and cause, and reads no request from an input that is not JSON', () => {
    const ended = parseExecutionEnded(event({ status: 'FAILED', input: '{"flow":', error: 'FinishFailed', cause: 'SNS down' }));
    expect(ended).toMatchObject({ status: 'FAILED', request: {}, error: 'FinishFailed: SNS down' });
  });

  it.each([
    ['a running execution', event({ status: 'RUNNING' }), /detail\.status/],
    ['a succeeded execution (Finish ran)', event({ status: 'SUCCEEDED' }), /detail\.status/],
    ['another source', { ...event({}), source: 'aws.cloudwatch' }, /source/],
    ['no execution name', event({ name: undefined }), /detail\.name/],
  ])('refuses %s as InvalidExecutionEvent, naming the field', (_what, bad, field) => {
    expect(() => parseExecutionEnded(bad)).toThrow(expect.objectContaining({ name: 'InvalidExecutionEvent', message: expect.stringMatching(field) }));
  });

  const holder = { executionName: 'other', flow: 'dc2->dc1', acquiredAt: '2025-12-05T01:00:00.000Z' };

  it('tells the on-call how it ended and that the lock is released', () => {
    const outcome = endedOutcome(parseExecutionEnded(event({ status: 'TIMED_OUT' })), { released: true, holder: null });
    expect(outcome).toMatchObject({ executionName: 'rehearsal-1', flow: 'dc1->dc2', mode: 'planned', dryRun: false, status: 'FAILED', report: { status: 'TIMED_OUT', lockReleased: true, lockHolder: null } });
    expect(outcome!.summary).toMatch(/^dc1->dc2 failover rehearsal-1 timed out; its failover lock is released\. The active side was not recorded/);
  });

  it('names the execution that holds the lock when it was not this one', () => {
    const outcome = endedOutcome(parseExecutionEnded(event({ input: null })), { released: false, holder });
    expect(outcome).toMatchObject({ flow: 'dc2->dc1', mode: 'unplanned' });
    expect(outcome!.summary).toContain('rehearsal-1 was aborted; it did not hold the failover lock (other does)');
  });

  it('adds nothing for a FAILED execution whose Finish ran (the lock was not its own any more)', () => {
    expect(endedOutcome(parseExecutionEnded(event({ status: 'FAILED' })), { released: false, holder: null })).toBeNull();
    expect(endedOutcome(parseExecutionEnded(event({ status: 'FAILED' })), { released: true, holder: null })).toMatchObject({ summary: expect.stringContaining('failed without finishing; its failover lock is released') });
  });
});
