// The batches a backup or restore copies, as its Distributed Map reads them: a JSON array
// object per execution in the batch bucket instead of an array in the state payload (256 KB,
// which capped one run near 5,000 partitions). Beside it, the prefix the map run writes its
// results under (Step Functions adds <map run id>/manifest.json). JSON, not JSON Lines: the
// lab's emulator refuses a JSONL item reader, and 50,000 partitions in batches of 50 make a
// list of about 2.5 MB.
import type { BatchBucket } from './batch-bucket';

export interface Batch<P> {
  partitions: P[];
}

export interface BatchList {
  /** How many batches; 0: nothing to copy, and the workflow starts no map run. */
  count: number;
  /** The JSON array object in the batch bucket. */
  key: string;
  /** Where the map run writes its results. */
  results: string;
}

export type Workflow = 'backup' | 'restore';

/** Consecutive runs of `size` partitions. */
export function batchesOf<P>(partitions: readonly P[], size: number): Batch<P>[] {
  return Array.from({ length: Math.ceil(partitions.length / size) }, (_, i) => ({ partitions: partitions.slice(i * size, (i + 1) * size) }));
}

/** Each execution writes its own list: a resumed run's batches are those still unfinished when it started. */
export async function writeBatchList<P>(bucket: BatchBucket, workflow: Workflow, id: string, executionName: string, batches: readonly Batch<P>[]): Promise<BatchList> {
  const prefix = `${workflow}/${id}/${executionName}`;
  const key = `${prefix}/batches.json`;
  if (batches.length > 0) await bucket.put(key, JSON.stringify(batches), 'application/json');
  return { count: batches.length, key, results: `${prefix}/results` };
}
