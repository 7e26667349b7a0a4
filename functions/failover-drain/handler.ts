// Planned switchover: one look at whether replication has drained. The state machine calls
// it in a Wait loop; after failover.drainTimeoutSeconds it fails with DrainTimedOut. While
// clients stay on the source, the first look's snapshot of its ends is kept in the state
// table (it grows with the partitions behind) and the payload carries where it is.
import { DrainTimedOut, drainStatus, type DrainStep } from '#src/failover/drain';
import { withKafka } from '../runtime/kafka-clients';
import { movedClients, type ExecutionState } from '#src/failover/execution-state';
import { failoverStep, logger } from '../runtime/failover-step';

export const handler = failoverStep(withKafka, async ({ request, steps }: ExecutionState, kit) => {
  const timeoutSeconds = kit.config.failover.drainTimeoutSeconds;
  const deadline = new Date(Date.parse(request.startedAt) + timeoutSeconds * 1000);
  const { stayingOnSource } = movedClients(steps);
  const earlier = (steps.drain as DrainStep | undefined)?.snapshot;
  const until = earlier && (await kit.state().drainSnapshot(request.executionName, earlier));
  const { until: taken, ...status } = await drainStatus(kit.flow(request), kit, deadline, { sourceStaysInUse: stayingOnSource.length > 0, until });
  // A dry run looks once and writes nothing.
  const snapshot = earlier ?? (taken && !request.dryRun ? await kit.state().saveDrainSnapshot(request.executionName, taken) : undefined);
  logger.info('drain check', { flow: request.flow, ...status, snapshot });
  if (!status.drained && !request.dryRun && Date.now() > deadline.getTime()) throw new DrainTimedOut(status, timeoutSeconds);
  return { ...status, ...(snapshot && { snapshot }) } satisfies DrainStep;
});
