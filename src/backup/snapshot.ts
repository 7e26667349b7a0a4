// The snapshot a backup is taken against: each topic's configuration, partition count and
// parent backup, and the consumer groups' offsets, as the plan saw them. Kept in the bucket
// beside the segments, so the copy and finish steps of the same run, and a resumed run, agree.
import * as z from 'zod';
import type { BackupBucket } from './bucket';
import { backupIdSchema, groupOffsetsSchema } from './manifest';

/** What the copy and finish steps need from the moment the backup started, kept in the bucket beside the segments. */
export const snapshotSchema = z
  .object({
    backupId: backupIdSchema,
    cluster: z.string(),
    startedAt: z.string(),
    topics: z.array(
      z.object({
        name: z.string(),
        partitionCount: z.number().int().min(1),
        configs: z.record(z.string(), z.string()),
        /** The backup whose manifest this one extends for the topic (null: a full copy). */
        parent: backupIdSchema.nullable(),
      }),
    ),
    consumerGroups: z.array(groupOffsetsSchema),
  })
  .strict();
export type BackupSnapshot = z.infer<typeof snapshotSchema>;

export const snapshotKey = (backupId: string) => `runs/${backupId}/snapshot.json`;

export async function readSnapshot(bucket: BackupBucket, backupId: string): Promise<BackupSnapshot> {
  const body = await bucket.get(snapshotKey(backupId));
  if (!body) throw new Error(`backup ${backupId} has no snapshot at s3://${bucket.name}/${snapshotKey(backupId)}: its plan did not finish; start a new backup`);
  return snapshotSchema.parse(JSON.parse(body.toString('utf8')));
}
