/**
 * A failure worth retrying (throttling, timeouts, a Fetch error the broker marks retriable,
 * Connect or AWS 5xx): the state machines retry steps failing with this name, with backoff,
 * before taking the step's failure path.
 */
export class TransientStepError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'TransientStepError';
  }
}
