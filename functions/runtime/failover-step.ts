// What every failover step's Lambda gets on top of every workflow step's: the AWS clients of
// the failover, the state table (lock, active side), Connect, the outcome target.
import { findFlow } from '#src/config/estate';
import type { ConnectClient } from '#src/connect/client';
import type { FailoverState } from '#src/failover/failover-state';
import type { FailoverRequest } from '#src/failover/request';
import type { Flow } from '#src/flow';
import { failoverAws, failoverState, outcomeTarget } from './failover-aws';
import { connectClientFor } from './connect';
import { workflowStep, type ClientOpener, type StepBase } from './workflow-step';

export { logger } from './powertools';

export interface FailoverKit extends StepBase {
  aws: typeof failoverAws;
  state: () => FailoverState;
  connect: (flow: Flow) => Promise<ConnectClient>;
  flow: (request: Pick<FailoverRequest, 'flow'>) => Flow;
  outcomeTarget: () => { eventBusName: string; topicArn: string };
}

/**
 * A failover step's Lambda handler: `run` gets the event and the kit, with the clients `open`
 * gives (withKafka, or withoutKafka for a step that talks to no cluster); its result is
 * returned as JSON with `finishedAt`.
 */
export function failoverStep<E, C extends object>(open: ClientOpener<C>, run: (event: E, kit: FailoverKit & C) => Promise<object>) {
  return workflowStep<E, C>('kafka-dr-failover', open, (event, clients) =>
    run(event, {
      ...clients,
      aws: failoverAws,
      state: failoverState,
      connect: connectClientFor,
      flow: (request) => findFlow(clients.config, request.flow),
      outcomeTarget,
    }),
  );
}
