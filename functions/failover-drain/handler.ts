// Planned switchover: one look at whether replication has drained. The state machine calls
// it in a Wait loop; after failover.drainTimeoutSeconds it fails with DrainTimedOut.
import { DrainTimedOut, drainStatus, type DrainStatus } from '#src/failover/drain';
import { withKafka } from '../runtime/kafka-clients';
import { movedClients, type ExecutionState } from '#src/failover/execution-state';
import { failoverStep, logger } from '../runtime/failover-step';

export const handler = failoverStep(withKafka, async ({ request, steps }: ExecutionState, kit) => {
  const timeoutSeconds = kit.config.failover.drainTimeoutSeconds;
  const deadline = new Date(Date.parse(request.startedAt) + timeoutSeconds * 1000);
  const { stayingOnSource } = movedClients(steps);
  const status = await drainStatus(kit.flow(request), kit, deadline, { sourceStaysInUse: stayingOnSource.length > 0, until: (steps.drain as DrainStatus | undefined)?.until });
  logger.info('drain check', { flow: request.flow, ...status });
  if (!status.drained && !request.dryRun && Date.now() > deadline.getTime()) throw new DrainTimedOut(status, timeoutSeconds);
  return status;
});
