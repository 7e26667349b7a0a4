// What every failover step's Lambda gets on top of every workflow step's: the AWS clients of
// the failover, the state table (lock, active side), Connect, the outcome target.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { findFlow } from '#src/config/estate';
import { ConnectClient } from '#src/connect/client';
import { FAILOVER_EVENT_BUS, FAILOVER_STATE_TABLE, FAILOVER_TOPIC_ARN } from '#src/environment';
import { FailoverState } from '#src/failover/failover-state';
import type { Flow } from '#src/flow';
import type { FailoverRequest } from '#src/failover/request';
import { requiredEnv } from './env';
import { tracer } from './powertools';
import { secrets } from './secrets';
import { workflowStep, type ClientOpener, type StepBase } from './workflow-step';

export { logger } from './powertools';

const aws = {
  route53: tracer.captureAWSv3Client(new Route53Client({})),
  cloudwatch: tracer.captureAWSv3Client(new CloudWatchClient({})),
  eventBridge: tracer.captureAWSv3Client(new EventBridgeClient({})),
  sns: tracer.captureAWSv3Client(new SNSClient({})),
  documents: DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({}))),
};

export interface FailoverKit extends StepBase {
  aws: typeof aws;
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
      aws,
      state: () => new FailoverState(aws.documents, requiredEnv(FAILOVER_STATE_TABLE)),
      connect: async (flow) => {
        const basicAuth = flow.mm2.authSecretArn ? await secrets.json<{ username: string; password: string }>(flow.mm2.authSecretArn, ['username', 'password']) : undefined;
        return new ConnectClient(flow.mm2.connectUrl, { basicAuth, timeoutMs: 10000 });
      },
      flow: (request) => findFlow(clients.config, request.flow),
      outcomeTarget: () => ({ eventBusName: requiredEnv(FAILOVER_EVENT_BUS), topicArn: requiredEnv(FAILOVER_TOPIC_ARN) }),
    }),
  );
}
