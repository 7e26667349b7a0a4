// Follows a Step Functions execution through its history, as the console does: newest
// events first, read back only to the last one seen, so a long execution (a backup's
// thousands of Copy invocations) is not re-read on every poll.
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ExecutionOutcome, StepEvent } from './control-plane';

const POLL_MS = 2000;
const STEP_STATE = /^(Task|Map|Parallel)State(Entered|Exited)$/;
const ATTEMPT_FAILED = new Set(['TaskFailed', 'TaskTimedOut', 'LambdaFunctionFailed', 'LambdaFunctionTimedOut']);
const ATTEMPT_SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);

/** The step events in history events (oldest first); `current` tracks the state an attempt belongs to, and whether its last one failed. */
export function stepEvents(events: HistoryEvent[], current: { state?: string; failed?: boolean }): StepEvent[] {
  const steps: StepEvent[] = [];
  for (const e of events) {
    const at = e.timestamp?.getTime() ?? Date.now();
    const step = STEP_STATE.exec(e.type ?? '');
    if (step) {
      const entered = step[2] === 'Entered';
      const state = (entered ? e.stateEnteredEventDetails?.name : e.stateExitedEventDetails?.name) ?? '?';
      if (entered) Object.assign(current, { state, failed: false });
      steps.push({ state, event: entered ? 'entered' : 'exited', at });
    } else if (ATTEMPT_FAILED.has(e.type ?? '')) {
      const details = e.taskFailedEventDetails ?? e.taskTimedOutEventDetails ?? e.lambdaFunctionFailedEventDetails ?? e.lambdaFunctionTimedOutEventDetails;
      current.failed = true;
      steps.push({ state: current.state ?? '?', event: 'failed', at, error: details?.error ?? e.type });
    } else if (ATTEMPT_SCHEDULED.has(e.type ?? '') && current.failed) {
      current.failed = false;
      steps.push({ state: current.state ?? '?', event: 'retried', at });
    }
  }
  return steps;
}

/** Events after `afterId`, oldest first (sorted by id: emulators may ignore reverseOrder). */
async function newEvents(sfn: SFNClient, executionArn: string, afterId: number): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000, nextToken }));
    const events = page.events ?? [];
    fresh.push(...events.filter((e) => (e.id ?? 0) > afterId));
    nextToken = events.some((e) => (e.id ?? 0) <= afterId) ? undefined : page.nextToken;
  } while (nextToken);
  return fresh.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/**
 * Starts the execution and follows it to its end. Step Functions returns the existing
 * execution for a name started with the same input, so re-running a command follows it
 * instead of starting a second one.
 */
export async function startAndFollow(sfn: SFNClient, stateMachineArn: string, input: unknown, name: string, onStep: (s: StepEvent) => void, pollMs = POLL_MS): Promise<ExecutionOutcome> {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  let lastId = 0;
  const current: { state?: string; failed?: boolean } = {};
  for (;;) {
    // Status first: once it is not RUNNING, the history read after it is complete.
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = await newEvents(sfn, executionArn ?? '', lastId);
    lastId = events.at(-1)?.id ?? lastId;
    for (const step of stepEvents(events, current)) onStep(step);
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      return {
        executionName: name,
        status: execution.status as ExecutionOutcome['status'],
        ...(execution.output ? { output: JSON.parse(execution.output) } : {}),
        ...(execution.error ? { error: execution.error } : {}),
        ...(execution.cause ? { cause: execution.cause } : {}),
      };
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
