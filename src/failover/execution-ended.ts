// A failover execution that ended without its Finish step — aborted by a person, timed out,
// or failed where no Catch led to Finish (Finish itself failing) — still holds the estate's
// lock, and would refuse every later failover. Step Functions announces every end of a
// standard workflow execution on EventBridge ("Step Functions Execution Status Change"); on
// such an event the lock is released if, and only if, that execution holds it, and the
// on-call hears what the execution may have left half done.
import * as z from 'zod';
import { inputProblems, InvalidWorkflowInput } from '#src/input-problems';
import type { FailoverState, LockHolder } from './failover-state';
import type { FailoverOutcome } from './notify';

/** The end states after which a lock can be left behind; SUCCEEDED always ran Finish. */
export const ENDED_WITHOUT_FINISH = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

// As documented in the Step Functions developer guide, "Step Functions Execution Status
// Change" events: detail carries the execution's ARN, name, status, input (a JSON string)
// and epoch-millisecond start and stop dates.
const statusChangeSchema = z
  .object({
    source: z.literal('aws.states'),
    'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
    detail: z
      .object({
        executionArn: z.string().min(1),
        stateMachineArn: z.string().min(1),
        name: z.string().min(1),
        status: z.enum(ENDED_WITHOUT_FINISH),
        startDate: z.number(),
        stopDate: z.number().nullable(),
        input: z.string().nullable().optional(),
        error: z.string().nullable().optional(),
        cause: z.string().nullable().optional(),
      })
      .loose(),
  })
  .loose();

export interface ExecutionEnded {
  executionName: string;
  executionArn: string;
  status: (typeof ENDED_WITHOUT_FINISH)[number];
  stoppedAt: string | null;
  /** What the execution was asked to do, as far as its input says. */
  request: { flow?: string; mode?: 'planned' | 'unplanned'; dryRun?: boolean };
  error: string | null;
}

const requestSchema = z.object({ flow: z.string().optional(), mode: z.enum(['planned', 'unplanned']).optional(), dryRun: z.boolean().optional() }).loose();

/** The event as Step Functions sends it, or InvalidExecutionEvent with every problem: nothing is released. */
export function parseExecutionEnded(event: unknown): ExecutionEnded {
  const parsed = statusChangeSchema.safeParse(event);
  if (!parsed.success) throw new InvalidWorkflowInput('execution status change', 'InvalidExecutionEvent', inputProblems(parsed.error, 'event'));
  const { detail } = parsed.data;
  let input: unknown = {};
  try {
    input = JSON.parse(detail.input ?? '{}');
  } catch {
    // A person's malformed input also ends an execution (in Begin): the lock is then not its own.
  }
  const request = requestSchema.safeParse(input);
  return {
    executionName: detail.name,
    executionArn: detail.executionArn,
    status: detail.status,
    stoppedAt: detail.stopDate === null ? null : new Date(detail.stopDate).toISOString(),
    request: request.success ? { flow: request.data.flow, mode: request.data.mode, dryRun: request.data.dryRun } : {},
    error: [detail.error, detail.cause].filter(Boolean).join(': ') || null,
  };
}

export interface LockAfterEnd {
  /** True when this execution held the lock and it is now released. */
  released: boolean;
  /** Who holds the lock now (another execution, or nobody). */
  holder: LockHolder | null;
}

/** Releases the lock only if the ended execution holds it: a later execution's lock is never touched. */
export async function releaseLockOf(ended: ExecutionEnded, state: FailoverState): Promise<LockAfterEnd> {
  const released = await state.releaseLock(ended.executionName);
  return { released, holder: released ? null : await state.lockHolder() };
}

/**
 * What the on-call is told, or null when there is nothing to add: a FAILED execution whose
 * Finish step ran has reported already and released its lock.
 */
export function endedOutcome(ended: ExecutionEnded, lock: LockAfterEnd): FailoverOutcome | null {
  if (ended.status === 'FAILED' && !lock.released) return null;
  const flow = ended.request.flow ?? lock.holder?.flow ?? 'unknown flow';
  const how = { ABORTED: 'was aborted', TIMED_OUT: 'timed out', FAILED: 'failed without finishing' }[ended.status];
  const lockLine = lock.released
    ? 'its failover lock is released'
    : lock.holder
      ? `it did not hold the failover lock (${lock.holder.executionName} does)`
      : 'it did not hold the failover lock';
  return {
    executionName: ended.executionName,
    flow,
    mode: ended.request.mode ?? 'unplanned',
    dryRun: ended.request.dryRun ?? false,
    status: 'FAILED',
    summary: `${flow} failover ${ended.executionName} ${how}; ${lockLine}. The active side was not recorded: MM2's connectors may be paused or stopped and the bootstrap record may point at either side — check with kafka-dr status before starting another failover`,
    report: { execution: ended.executionArn, status: ended.status, stoppedAt: ended.stoppedAt, error: ended.error, lockReleased: lock.released, lockHolder: lock.holder },
  };
}
