// What every workflow step's Lambda shares (failover, backup, restore): the Powertools
// handler, the estate configuration, the clients a step opens for one invocation and closes
// after it, and the classification of errors worth retrying.
import type { Context } from 'aws-lambda';
import type { EstateConfig } from '#src/config/schema';
import { ConnectError } from '#src/connect/client';
import { toJson } from '#src/json';
import { TransientStepError } from '#src/transient-error';
import { estateConfig } from './estate-config';
import { lambdaHandler } from './powertools';

/** Clients for one invocation, and how to close what they opened. */
export interface Opened<C> {
  clients: C;
  close(): Promise<void>;
}

/** What a step opens for its invocation: `readerGroup` names its group-less fetchers' group id. */
export type ClientOpener<C> = (config: EstateConfig, readerGroup: string) => Opened<C>;

/** A step that talks to no cluster (its bundle carries no Kafka client). */
export const withoutKafka: ClientOpener<object> = () => ({ clients: {}, close: async () => undefined });

export interface StepBase {
  config: EstateConfig;
  /** The Lambda context (remaining time bounds work that continues in the next invocation). */
  context: Context;
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
 * A workflow step's Lambda handler: `run` gets the event, the estate and the clients `open`
 * gave it; its result is returned as JSON with `finishedAt`. `readerGroup` names the
 * group-less fetchers' group id.
 */
export function workflowStep<E, C extends object>(readerGroup: string, open: ClientOpener<C>, run: (event: E, clients: StepBase & C) => Promise<object>) {
  return lambdaHandler(async (event: E, context: Context) => {
    const config = estateConfig();
    const opened = open(config, readerGroup);
    try {
      const result = await run(event, { ...opened.clients, config, context });
      return toJson({ ...result, finishedAt: new Date().toISOString() });
    } catch (err) {
      throw classify(err);
    } finally {
      await opened.close();
    }
  });
}
