// What every failover step's Lambda gets on top of every workflow step's clients: the AWS
// clients of the failover, the state table (lock, active side), Connect, the outcome target.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { findFlow } from '#src/config/estate';
import type { FlowConfig } from '#src/config/schema';
import { ConnectClient } from '#src/connect/client';
import { requiredEnv } from './env';
import { secrets, tracer, workflowStep, type StepClients } from './workflow-step';
import { FailoverState } from '#src/failover/failover-state';
import type { FailoverRequest } from '#src/failover/request';

export { logger } from './workflow-step';

const aws = {
  route53: tracer.captureAWSv3Client(new Route53Client({})),
  cloudwatch: tracer.captureAWSv3Client(new CloudWatchClient({})),
  eventBridge: tracer.captureAWSv3Client(new EventBridgeClient({})),
  sns: tracer.captureAWSv3Client(new SNSClient({})),
  documents: DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({}))),
};

/** The execution's state as every step after the first receives it: the request and each finished step's result. */
export interface ExecutionState {
  request: FailoverRequest;
  steps: Record<string, { finishedAt?: string } & Record<string, unknown>>;
  /** The offset sync error a forced failover went past (DNS repointed anyway), else null. */
  forcedPast: { Error?: string; Cause?: string } | null;
}

export interface StepKit extends Omit<StepClients, 'context'> {
  aws: typeof aws;
  state: () => FailoverState;
  connect: (flow: FlowConfig) => Promise<ConnectClient>;
  flow: (request: Pick<FailoverRequest, 'flow'>) => FlowConfig;
  outcomeTarget: () => { eventBusName: string; topicArn: string };
}

/** A failover step's Lambda handler: `run` gets the event and the kit; its result is returned as JSON with `finishedAt`. */
export function failoverStep<E>(run: (event: E, kit: StepKit) => Promise<object>) {
  return workflowStep<E>('kafka-dr-failover', (event, clients) =>
    run(event, {
      ...clients,
      aws,
      state: () => new FailoverState(aws.documents, requiredEnv('FAILOVER_STATE_TABLE', 'the failover state table (lock, active side)')),
      connect: async (flow) => {
        const basicAuth = flow.mm2.authSecretArn ? await secrets.json<{ username: string; password: string }>(flow.mm2.authSecretArn, ['username', 'password']) : undefined;
        return new ConnectClient(flow.mm2.connectUrl, { basicAuth, timeoutMs: 10000 });
      },
      flow: (request) => findFlow(clients.config, request.flow),
      outcomeTarget: () => ({
        eventBusName: requiredEnv('FAILOVER_EVENT_BUS', 'the event bus for failover outcomes', 'default'),
        topicArn: requiredEnv('FAILOVER_TOPIC_ARN', 'the SNS topic for failover outcomes'),
      }),
    }),
  );
}
