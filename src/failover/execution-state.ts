import type { MovedClients } from './preflight';
import type { FailoverRequest } from './request';

/** The failover execution's state as every step after the first receives it: the request and each finished step's result. */
export interface ExecutionState {
  request: FailoverRequest;
  steps: Record<string, { finishedAt?: string } & Record<string, unknown>>;
  /** The offset sync error a forced failover went past (DNS repointed anyway), else null. */
  forcedPast: { Error?: string; Cause?: string } | null;
}

/** Whose clients the execution moves, as its preflight decided. */
export function movedClients(steps: ExecutionState['steps']): MovedClients {
  const moves = steps.preflight?.moves as MovedClients | undefined;
  if (!moves) throw new Error('the execution state has no preflight result: the failover steps run after Preflight');
  return moves;
}

/** Whose clients the execution moves (null: the estate's one record). */
export const movedHome = (steps: ExecutionState['steps']): string | null => movedClients(steps).home;
