// What every failover step's Lambda gets on top of every workflow step's: the AWS clients of
// the failover, the state table (lock, active side), Connect, the outcome target.
import { findFlow } from '#src/config/estate';
import { ConnectClient } from '#src/connect/client';
import type { FailoverState } from '#src/failover/failover-state';
import type { FailoverRequest } from '#src/failover/request';
import type { Flow } from '#src/flow';
import { failoverAws, failoverState, outcomeTarget } from './failover-aws';
import { secrets } from './secrets';
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
      connect: async (flow) => {
        const basicAuth = flow.mm2.authSecretArn ? await secrets.json<{ username: string; password: string }>(flow.mm2.authSecretArn, ['username', 'password']) : undefined;
        return new ConnectClient(flow.mm2.connectUrl, { basicAuth, timeoutMs: 10000 });
      },
      flow: (request) => findFlow(clients.config, request.flow),
      outcomeTarget,
    }),
  );
}
