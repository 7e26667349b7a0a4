// Planned switchover: one look at whether replication has drained. The state machine calls
// it in a Wait loop; after failover.drainTimeoutSeconds it fails with DrainTimedOut.
import { DrainTimedOut, drainStatus } from '#src/failover/drain';
import { withKafka } from '../runtime/kafka-clients';
import type { ExecutionState } from '#src/failover/execution-state';
import { failoverStep, logger } from '../runtime/failover-step';

export const handler = failoverStep(withKafka, async ({ request }: ExecutionState, kit) => {
  const timeoutSeconds = kit.config.failover.drainTimeoutSeconds;
  const deadline = new Date(Date.parse(request.startedAt) + timeoutSeconds * 1000);
  const status = await drainStatus(kit.flow(request), kit, deadline);
  logger.info('drain check', { flow: request.flow, ...status });
  if (!status.drained && !request.dryRun && Date.now() > deadline.getTime()) throw new DrainTimedOut(status, timeoutSeconds);
  return status;
});
