// Preflight of the failover workflow: target reachable, topics replicated with their
// partition counts, the flow's connectors present, replication flowing (planned), not
// already failed over, and the RPO estimate the report leads with.
import { preflight, publishedRpo } from '#src/failover/preflight';
import { withKafka } from '../runtime/kafka-clients';
import type { ExecutionState } from '#src/failover/execution-state';
import { clientSwitch } from '../runtime/failover-aws';
import { failoverStep, logger } from '../runtime/failover-step';

/** How far back the probes' published RPO is trusted when the source cannot be measured. */
const PUBLISHED_RPO_WINDOW_MS = 15 * 60_000;

export const handler = failoverStep(withKafka, async ({ request }: ExecutionState, kit) => {
  const flow = kit.flow(request);
  const state = kit.state();
  const report = await preflight(request, flow, kit.config, {
    admin: kit.admin,
    fetcher: kit.fetcher,
    connect: await kit.connect(flow),
    activeSide: (home) => state.activeSide(home),
    clientSide: (home) => clientSwitch(kit.config, home).side(),
    publishedRpo: () => publishedRpo(kit.aws.cloudwatch, request.flow, new Date(Date.now() - PUBLISHED_RPO_WINDOW_MS)),
  });
  logger.info('preflight passed', { flow: request.flow, rpo: report.rpo, activeBefore: report.activeBefore, warnings: report.warnings });
  return report;
});
