import type { FailoverRequest } from './request';

/** The failover execution's state as every step after the first receives it: the request and each finished step's result. */
export interface ExecutionState {
  request: FailoverRequest;
  steps: Record<string, { finishedAt?: string } & Record<string, unknown>>;
  /** The offset sync error a forced failover went past (DNS repointed anyway), else null. */
  forcedPast: { Error?: string; Cause?: string } | null;
}
