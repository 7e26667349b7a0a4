// Scheduled per flow that has a flow back ({"flow": "dc1->dc2"}): writes the checkpoints MM2
// does not, those of the source's groups on replicas of the target's own topics, to the
// target (src/failover/return-checkpoints.ts), so an unplanned failover can resume them.
import { findFlow } from '#src/config/estate';
import { flowsOf } from '#src/flow';
import { writeReturnCheckpoints } from '#src/failover/return-checkpoints';
import { estateConfig } from '../runtime/estate-config';
import { withProbeClients } from '../runtime/kafka-clients';
import { lambdaHandler, logger } from '../runtime/powertools';

export interface ReturnCheckpointsEvent {
  flow: string;
}

async function returnCheckpoints(event: ReturnCheckpointsEvent) {
  const config = estateConfig();
  const flow = findFlow(config, event.flow);
  const back = flowsOf(config).find((f) => f.source === flow.target && f.target === flow.source);
  if (!back) throw new Error(`flow ${flow.name} has no flow back (${flow.target}->${flow.source}): no replica of ${flow.target}'s topics is read on ${flow.source}, so there is nothing to checkpoint; remove this schedule`);
  const run = await withProbeClients(config.clusters, 'kafka-dr-return-checkpoints', (clients) => writeReturnCheckpoints(flow, back, clients));
  logger.info('return checkpoints', { ...run, untranslated: run.untranslated.slice(0, 20), untranslatedCount: run.untranslated.length });
  return run;
}

export const handler = lambdaHandler(returnCheckpoints);
