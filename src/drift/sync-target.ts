// kafka-dr sync acls|quotas|configs: makes a flow's target hold what its source does, for one
// kind of drift. Adds and changes, never removes: what the target holds beyond the source
// (in active-active, the other side's own clients) is not the flow's to judge. The writes
// are read back: the sync succeeds only once the target shows no difference.
import type { Admin } from '@platformatic/kafka';
import * as z from 'zod';
import { listed } from '#src/audit/finding';
import type { Flow } from '#src/flow';
import { inputProblems } from '#src/input-problems';
import { DRIFT_CHECKS } from './checks';
import { DRIFT_KINDS, type DriftKind } from './drift';

export const SyncRequest = z.strictObject({
  flow: z.string().describe('the flow whose target is written, e.g. "dc1->dc2"'),
  kind: z.enum(DRIFT_KINDS),
  dryRun: z.boolean().default(false).describe('list the writes, change nothing'),
});
export type SyncRequest = z.input<typeof SyncRequest>;

export class InvalidSyncRequest extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sync request, nothing was changed: ${problems.join('; ')}`);
    this.name = 'InvalidSyncRequest';
  }
}

/** A sync request's checks: every problem at once, nothing written. */
export function parseSyncRequest(input: unknown): z.output<typeof SyncRequest> {
  const parsed = SyncRequest.safeParse(input);
  if (!parsed.success) throw new InvalidSyncRequest(inputProblems(parsed.error, 'request'));
  return parsed.data;
}

export interface SyncResult {
  flow: string;
  kind: DriftKind;
  target: string;
  dryRun: boolean;
  /** What was written (or, in a dry run, would be), one line each. */
  writes: string[];
}

/** How long a written ACL, quota or config may take to show on every broker's metadata. */
const READ_BACK_MS = 10_000;
const READ_BACK_INTERVAL_MS = 500;

export async function syncTarget(flow: Flow, kind: DriftKind, source: Admin, target: Admin, dryRun: boolean): Promise<SyncResult> {
  const check = DRIFT_CHECKS[kind];
  const differences = await check.compare(flow, source, target);
  const result: SyncResult = { flow: flow.name, kind, target: flow.target, dryRun, writes: differences.map((d) => d.what) };
  if (dryRun || differences.length === 0) return result;
  await check.write(target, differences.map((d) => d.write));
  const deadline = Date.now() + READ_BACK_MS;
  for (;;) {
    const left = await check.compare(flow, source, target);
    if (left.length === 0) return result;
    if (Date.now() >= deadline) {
      throw new Error(
        `sync ${kind} of ${flow.name}: ${flow.target} still differs after the writes were accepted, ${READ_BACK_MS / 1000} s later: ${listed(left.map((d) => d.what))}; ` +
          `check what else writes ${kind} on ${flow.target}, then run the sync again`,
      );
    }
    await new Promise((r) => setTimeout(r, READ_BACK_INTERVAL_MS));
  }
}
