// What MM2 does not carry from a flow's source to its target: ACLs, client quotas and the
// topic configs it leaves out. Each kind compares both clusters and names the writes that
// would make the target allow, throttle and keep what the source does.
import type { Admin } from '@platformatic/kafka';
import type { Flow } from '#src/flow';

export const DRIFT_KINDS = ['acls', 'quotas', 'configs'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** One thing the target lacks or holds otherwise than the source, and the write that mends it. */
export interface Difference<W> {
  /** As an operator reads it: `ALLOW User:app READ GROUP app (LITERAL) from *: missing on dc2`. */
  what: string;
  write: W;
}

export interface DriftCheck<W> {
  kind: DriftKind;
  /** What the target must hold for the flow's clients to be served there as on the source. */
  compare(flow: Flow, source: Admin, target: Admin): Promise<Difference<W>[]>;
  /** Writes the differences to the target. Each write is idempotent: writing it twice changes nothing more. */
  write(target: Admin, writes: readonly W[]): Promise<void>;
}
