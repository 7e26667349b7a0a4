// First state of the restore workflow: validates the input (bad input changes nothing),
// checks it against the backup and the target cluster, creates the target topics and
// records the restore; a dry run only reports what a restore would do.
import { planRestore } from '#src/backup/restore-plan';
import { parseRestoreRequest, restoreIdOf } from '#src/backup/restore-request';
import { RestoreSource } from '#src/backup/restore-source';
import { toJson } from '#src/json';
import { withKafka } from '../runtime/kafka-clients';
import { logger, restoreStep } from '../runtime/vault-step';

interface PlanEvent {
  input: unknown;
  execution: { name: string; startedAt: string };
}

export const handler = restoreStep(withKafka, async (event: PlanEvent, kit) => {
  const request = parseRestoreRequest(event.input, kit.config);
  const restoreId = restoreIdOf(request);
  const source = await RestoreSource.open(kit.bucket, request.backupId, request.pointInTime);
  const plan = await planRestore(request, restoreId, {
    source,
    state: kit.state,
    admin: await kit.admin(request.targetCluster),
    partitionsPerInvocation: kit.backup.parallelism.partitionsPerInvocation,
    batches: kit.batches,
    executionName: event.execution.name,
  });
  logger.info(request.dryRun ? 'restore dry run' : 'restore planned', { restoreId, execution: event.execution.name, request: toJson(request), batches: plan.batches.count });
  return plan;
});
