// What every workflow step's Lambda shares (failover, backup, restore): middy with
// Powertools logging and tracing, the estate configuration, Kafka clients opened for one
// invocation and closed after it (a step must not trust a connection to a cluster that
// may have died since the last one), and the classification of errors worth retrying.
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Admin, Consumer } from '@platformatic/kafka';
import type { Context } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import type { EstateConfig } from '#src/config/schema';
import { ConnectError } from '#src/connect/client';
import { estateConfig } from './estate-config';
import { toJson } from '#src/json';
import { closing, estateAdmins, estateFetchers, estateKafka } from '#src/kafka/connection';
import { SecretReader } from '#src/secrets';

export const logger = new Logger();
export const tracer = new Tracer();
export const secrets = new SecretReader();

// Bounded so a dead cluster costs seconds; Step Functions retries the step on transient errors.
const connection = { connectionTimeoutMs: 5000, requestTimeoutMs: 15000, retries: 2 };

export interface StepClients {
  config: EstateConfig;
  admin: (cluster: string) => Promise<Admin>;
  kafka: (cluster: string) => Promise<Kafka>;
  /** Group-less Fetch (never joins its group). */
  fetcher: (cluster: string) => Promise<Consumer>;
  /** The Lambda context (remaining time bounds work that continues in the next invocation). */
  context: Context;
}

/**
 * A failure worth retrying (throttling, timeouts, Connect or AWS 5xx): the state machines
 * retry steps failing with this name, with backoff, before taking the step's failure path.
 */
export class TransientStepError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'TransientStepError';
  }
}

const TRANSIENT_AWS_ERRORS = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'PriorRequestNotComplete', 'ServiceUnavailable', 'InternalFailure', 'TimeoutError', 'SlowDown']);

function classify(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  if (err instanceof ConnectError) return err.transient ? new TransientStepError(err) : err;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (TRANSIENT_AWS_ERRORS.has(err.name) || (status !== undefined && status >= 500)) return new TransientStepError(err);
  return err;
}

/**
 * A workflow step's Lambda handler: `run` gets the event and the clients; its result is
 * returned as JSON with `finishedAt`. `readerGroup` names the group-less fetcher's group id.
 */
export function workflowStep<E>(readerGroup: string, run: (event: E, clients: StepClients) => Promise<object>) {
  const handle = async (event: E, context: Context) => {
    const config = estateConfig();
    const admins = closing(estateAdmins(config.clusters, secrets, connection));
    const fetchers = closing(estateFetchers(config.clusters, secrets, readerGroup, connection));
    try {
      const result = await run(event, { config, admin: admins, kafka: estateKafka(config.clusters, secrets, connection), fetcher: fetchers, context });
      return toJson({ ...result, finishedAt: new Date().toISOString() });
    } catch (err) {
      throw classify(err);
    } finally {
      await Promise.allSettled([admins.close(), fetchers.close()]);
    }
  };
  return middy(handle).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger));
}
