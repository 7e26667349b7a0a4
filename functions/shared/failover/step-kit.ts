// What every failover step's Lambda shares: middy with Powertools logging and tracing, the
// estate configuration, and clients opened for one invocation and closed after it (a step
// must not trust a connection to a cluster that may have died since the last one).
import middy from '@middy/core';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Admin, Consumer } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { findFlow } from '../../../lib/config/estate';
import type { EstateConfig, FlowConfig } from '../../../lib/config/schema';
import { ConnectClient, ConnectError } from '../connect/client';
import { requiredEnv } from '../env';
import { estateConfig } from '../estate-config';
import { closing, estateAdmins, estateFetchers, estateKafka } from '../kafka/connection';
import { toJson } from '../json';
import { SecretReader } from '../secrets';
import { FailoverState } from './failover-state';
import type { FailoverRequest } from './request';

export const logger = new Logger();
const tracer = new Tracer();
const secrets = new SecretReader();
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

// Bounded so a dead cluster costs seconds; Step Functions retries the step on transient errors.
const connection = { connectionTimeoutMs: 5000, requestTimeoutMs: 15000, retries: 2 };

export interface StepKit {
  config: EstateConfig;
  admin: (cluster: string) => Promise<Admin>;
  kafka: (cluster: string) => Promise<Kafka>;
  fetcher: (cluster: string) => Promise<Consumer>;
  aws: typeof aws;
  state: () => FailoverState;
  connect: (flow: FlowConfig) => Promise<ConnectClient>;
  flow: (request: Pick<FailoverRequest, 'flow'>) => FlowConfig;
  outcomeTarget: () => { eventBusName: string; topicArn: string };
}

/**
 * A failure worth retrying (throttling, timeouts, Connect or AWS 5xx): the state machine
 * retries steps failing with this name, with backoff, before taking the step's failure path.
 */
export class TransientStepError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'TransientStepError';
  }
}

const TRANSIENT_AWS_ERRORS = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'PriorRequestNotComplete', 'ServiceUnavailable', 'InternalFailure', 'TimeoutError']);

function classify(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  if (err instanceof ConnectError) return err.transient ? new TransientStepError(err) : err;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (TRANSIENT_AWS_ERRORS.has(err.name) || (status !== undefined && status >= 500)) return new TransientStepError(err);
  return err;
}

/** A failover step's Lambda handler: `run` gets the event and the kit; its result is returned as JSON with `finishedAt`. */
export function failoverStep<E>(run: (event: E, kit: StepKit) => Promise<object>) {
  const handle = async (event: E) => {
    const config = estateConfig();
    const admins = closing(estateAdmins(config.clusters, secrets, connection));
    const fetchers = closing(estateFetchers(config.clusters, secrets, 'kafka-dr-failover', connection));
    const kit: StepKit = {
      config,
      admin: admins,
      kafka: estateKafka(config.clusters, secrets, connection),
      fetcher: fetchers,
      aws,
      state: () => new FailoverState(aws.documents, requiredEnv('FAILOVER_STATE_TABLE', 'the failover state table (lock, active side)')),
      connect: async (flow) => {
        const basicAuth = flow.mm2.authSecretArn ? await secrets.json<{ username: string; password: string }>(flow.mm2.authSecretArn, ['username', 'password']) : undefined;
        return new ConnectClient(flow.mm2.connectUrl, { basicAuth, timeoutMs: 10000 });
      },
      flow: (request) => findFlow(config, request.flow),
      outcomeTarget: () => ({
        eventBusName: requiredEnv('FAILOVER_EVENT_BUS', 'the event bus for failover outcomes', 'default'),
        topicArn: requiredEnv('FAILOVER_TOPIC_ARN', 'the SNS topic for failover outcomes'),
      }),
    };
    try {
      const result = await run(event, kit);
      return toJson({ ...result, finishedAt: new Date().toISOString() });
    } catch (err) {
      throw classify(err);
    } finally {
      await Promise.allSettled([admins.close(), fetchers.close()]);
    }
  };
  return middy(handle).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger));
}
