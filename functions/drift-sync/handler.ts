// Invoked by `kafka-dr sync acls|quotas|configs --flow F [--dry-run]` ({"flow", "kind",
// "dryRun"}): writes to the flow's target what its source holds and MM2 does not carry, and
// reads it back. Bad input changes nothing.
import { findFlow } from '#src/config/estate';
import { parseSyncRequest, syncTarget } from '#src/drift/sync-target';
import { reachable } from '#src/probes/lag-probe';
import { estateConfig } from '../runtime/estate-config';
import { withProbeClients } from '../runtime/kafka-clients';
import { lambdaHandler, logger } from '../runtime/powertools';

async function sync(event: unknown) {
  const request = parseSyncRequest(event);
  const config = estateConfig();
  const flow = findFlow(config, request.flow);
  const result = await withProbeClients(config.clusters, 'kafka-dr-drift-sync', async (clients) => {
    const [source, target] = await Promise.all([reachable(clients.admin(flow.source)), reachable(clients.admin(flow.target))]);
    if (!source || !target) {
      const cluster = source ? flow.target : flow.source;
      throw new Error(`sync ${request.kind} of ${flow.name}: cluster ${cluster} is unreachable, nothing was changed; check the cluster and the control plane's network path to it`);
    }
    return syncTarget(flow, request.kind, source, target, request.dryRun);
  });
  logger.info('drift sync', { flow: result.flow, kind: result.kind, dryRun: result.dryRun, writes: result.writes.length });
  return result;
}

export const handler = lambdaHandler(sync);
