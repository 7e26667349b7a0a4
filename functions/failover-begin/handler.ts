// First state of the failover workflow: validates the execution input (bad input changes
// nothing) and takes the estate's failover lock, so only one failover runs at a time.
// A re-run for the same execution finds its own lock and goes on. A dry run only reports
// whether another failover holds the lock.
import { failoverStep, logger } from '../runtime/failover-step';
import { withoutKafka } from '../runtime/workflow-step';
import { parseFailoverRequest } from '#src/failover/request';

export class FailoverAlreadyRunning extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailoverAlreadyRunning';
  }
}

interface BeginEvent {
  input: unknown;
  execution: { name: string; startedAt: string };
}

export const handler = failoverStep(withoutKafka, async (event: BeginEvent, kit) => {
  const request = parseFailoverRequest(event.input, kit.config, event.execution);
  const holder = { executionName: request.executionName, flow: request.flow, acquiredAt: new Date().toISOString() };
  const state = kit.state();
  if (request.dryRun) {
    const held = await state.lockHolder();
    logger.info('dry run: lock not taken', { flow: request.flow, heldBy: held?.executionName });
    return { request, steps: { begin: { lock: 'not-taken (dry run)', heldBy: held ?? null, finishedAt: new Date().toISOString() } }, forcedPast: null };
  }
  const lock = await state.acquireLock(holder);
  if (!lock.acquired) {
    throw new FailoverAlreadyRunning(
      `another failover holds the lock: execution ${lock.holder.executionName} (${lock.holder.flow}) since ${lock.holder.acquiredAt}; wait for it to end, or, if it is dead, delete the "lock" item from the failover state table`,
    );
  }
  logger.info('failover lock taken', { flow: request.flow, mode: request.mode, reason: request.reason });
  return { request, steps: { begin: { lock: 'taken', heldBy: lock.holder, finishedAt: new Date().toISOString() } }, forcedPast: null };
});
