// Why a map run of batches failed, in Step Functions' error shape. The map state itself only
// says States.ExceedToleratedFailureThreshold; each child execution's own error (a corrupt
// segment, a cluster that refused a write) and the partitions it was copying are in the
// results the map run wrote: its manifest.json names the FAILED files.
import * as z from 'zod';
import { lambdaErrorMessage } from '#src/lambda-error';
import { parseBackupInput } from './backup-input';
import type { BatchBucket } from './batch-bucket';

export interface WorkflowError {
  Error: string;
  Cause: string;
}

const batchFailuresEventSchema = z
  .object({
    results: z.string().min(1),
    error: z.object({ Error: z.string(), Cause: z.string().optional() }).loose(),
  })
  .strict();

export type BatchFailuresEvent = z.infer<typeof batchFailuresEventSchema>;

/** The event the workflows give batch-failures, or InvalidBackupInput: nothing read. */
export function parseBatchFailuresEvent(event: unknown): BatchFailuresEvent {
  return parseBackupInput(batchFailuresEventSchema, event, "batch-failures' input (the map run's results prefix and its error)");
}

const manifestSchema = z.object({ ResultFiles: z.object({ FAILED: z.array(z.object({ Key: z.string() }).loose()).default([]) }).loose() }).loose();
const failedSchema = z.array(z.object({ Input: z.string().optional(), Error: z.string().optional(), Cause: z.string().optional() }).loose());

/** How many failed batches the cause lists one by one. */
const LISTED = 5;

/** Partitions as an operator reads them: per topic, consecutive numbers as ranges ("orders 0-15, 17"). */
export function partitionRanges(partitions: readonly { topic: string; partition: number }[]): string {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  return [...byTopic]
    .map(([topic, numbers]) => {
      const runs: [number, number][] = [];
      for (const n of [...new Set(numbers)].sort((a, b) => a - b)) {
        const last = runs.at(-1);
        if (last && n === last[1] + 1) last[1] = n;
        else runs.push([n, n]);
      }
      return `${topic} ${runs.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(', ')}`;
    })
    .join('; ');
}

function partitionsOf(input: string | undefined): string {
  try {
    const { partitions } = JSON.parse(input ?? '') as { partitions?: { topic: string; partition: number }[] };
    if (Array.isArray(partitions)) return partitionRanges(partitions);
  } catch {
    // an input that is not ours: say so below
  }
  return 'partitions unknown';
}

/**
 * The first failed batch's error, with the failed batches' partitions and messages in the
 * cause (the first few; the results file holds all). Batches the map stopped once it had
 * failed have no error of their own: they are counted, not listed. The map's own error when
 * its run wrote no results (it failed before any child ran).
 */
export async function explainBatchFailures({ results, error }: BatchFailuresEvent, bucket: BatchBucket): Promise<WorkflowError> {
  const own = { Error: error.Error, Cause: error.Cause ?? error.Error };
  const manifestKey = (await bucket.keys(`${results}/`)).find((k) => k.endsWith('/manifest.json'));
  if (!manifestKey) return own;
  const manifest = manifestSchema.parse(JSON.parse((await bucket.get(manifestKey)) ?? '{}'));
  const failed = (await Promise.all(manifest.ResultFiles.FAILED.map(async ({ Key }) => failedSchema.parse(JSON.parse((await bucket.get(Key)) ?? '[]'))))).flat();
  const withError = failed.filter((f): f is typeof f & { Error: string } => Boolean(f.Error));
  const first = withError[0];
  if (!first) return own;
  const batches = (n: number) => `${n} batch${n === 1 ? '' : 'es'}`;
  const lines = withError.slice(0, LISTED).map((f) => `[${partitionsOf(f.Input)}] ${f.Error}: ${lambdaErrorMessage(f.Cause) || 'no cause given'}`);
  const more = withError.length > LISTED ? `; and ${withError.length - LISTED} more (s3://${bucket.name}/${manifestKey})` : '';
  const stopped = failed.length - withError.length;
  const stoppedNote = stopped > 0 ? `; ${batches(stopped)} stopped unfinished when the map failed` : '';
  return { Error: first.Error, Cause: `${batches(withError.length)} failed: ${lines.join(' | ')}${more}${stoppedNote}` };
}
