// The one Powertools set-up every kafka-dr function shares: a logger, a tracer and metrics in
// kafka-dr's namespace (the construct names each function's service), wired to a handler by
// one middy chain.
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE } from '#src/metrics';

export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE });

/**
 * A Lambda handler: traced, logging with the invocation's context; `withMetrics` flushes
 * what it added to `metrics` after each invocation (only functions that add any: an empty
 * flush logs a warning on every invocation).
 */
export function lambdaHandler<E, R>(handle: (event: E, context: Context) => Promise<R>, options: { withMetrics?: boolean } = {}) {
  const handler = middy(handle).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger));
  return options.withMetrics ? handler.use(logMetrics(metrics)) : handler;
}
