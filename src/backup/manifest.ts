// The backup manifest: what one backup holds, written to S3 only after every segment it
// lists is uploaded. Each manifest is self-contained: it lists every segment needed to
// restore its topics as they were when the backup started (segments of earlier backups
// included), so restoring needs nothing but the manifest and its segments.
//
// Offsets and timestamps are JSON numbers: exact below 2^53, which no Kafka offset reaches
// in practice (the schema refuses anything else rather than round it).
//
// Bucket layout:
//   backups/<backupId>/manifest.json
//   segments/<cluster>/<topic>/<partition>/<first offset, 20 digits>-<backupId>.kdrs
import * as z from 'zod';
import { inputProblems } from '#src/input-problems';

export const MANIFEST_FORMAT_VERSION = 1;

const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const timestamp = z.number().int().max(Number.MAX_SAFE_INTEGER).min(-1);

/** Backup ids sort by time: `<yyyymmdd>T<hhmmss>Z-<suffix>`. */
export const backupIdSchema = z.string().regex(/^\d{8}T\d{6}Z-[a-z0-9]{1,12}$/, 'a backup id such as 20261128T031500Z-a1b2c3 (kafka-dr backups list shows them)');

export const segmentRefSchema = z
  .object({
    key: z.string().min(1),
    /** The backup that wrote it. */
    backupId: backupIdSchema,
    firstOffset: offset,
    lastOffset: offset,
    minTimestamp: timestamp,
    maxTimestamp: timestamp,
    recordCount: z.number().int().min(1),
    /** Size of the object. */
    bytes: z.number().int().min(1),
    /** Payload bytes before compression. */
    uncompressedBytes: z.number().int().min(1),
    /** The object's Object Lock retain-until date when last set (ISO-8601). */
    retainUntil: z.string().datetime(),
  })
  .strict();

/** Offsets in [from, to) that hold no record in the backup, and why. */
export const gapSchema = z
  .object({
    from: offset,
    to: offset,
    reason: z.enum(['retention', 'compaction', 'transaction-markers', 'unknown']),
  })
  .strict();

export const partitionBackupSchema = z
  .object({
    partition: z.number().int().min(0),
    /** First offset the backup chain covers (the log start offset when the first backup ran). */
    startOffset: offset,
    /** End offset (exclusive): the partition's high watermark when this backup started. */
    endOffset: offset,
    segments: z.array(segmentRefSchema),
    gaps: z.array(gapSchema),
  })
  .strict();

export const topicBackupSchema = z
  .object({
    name: z.string().min(1),
    partitionCount: z.number().int().min(1),
    /** DescribeConfigs: the settable configurations that differ from the broker's defaults. */
    configs: z.record(z.string(), z.string()),
    partitions: z.array(partitionBackupSchema),
  })
  .strict();

export const groupOffsetsSchema = z
  .object({
    group: z.string().min(1),
    offsets: z.array(z.object({ topic: z.string().min(1), partition: z.number().int().min(0), offset }).strict()),
  })
  .strict();

export const manifestSchema = z
  .object({
    formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
    backupId: backupIdSchema,
    estate: z.string().min(1),
    cluster: z.string().min(1),
    startedAt: z.string().datetime(),
    finishedAt: z.string().datetime(),
    topics: z.array(topicBackupSchema),
    /** Committed offsets of the groups consuming the backed-up topics, read when the backup started. */
    consumerGroups: z.array(groupOffsetsSchema),
  })
  .strict();

export type SegmentRef = z.infer<typeof segmentRefSchema>;
export type Gap = z.infer<typeof gapSchema>;
export type PartitionBackup = z.infer<typeof partitionBackupSchema>;
export type TopicBackup = z.infer<typeof topicBackupSchema>;
export type GroupOffsets = z.infer<typeof groupOffsetsSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

/** A manifest that is not one: which object and every problem, with paths. */
export class CorruptManifestError extends Error {
  constructor(object: string, problems: string) {
    super(`backup manifest ${object} is not a valid kafka-dr manifest: ${problems}. Nothing was restored; choose another backup (kafka-dr backups list)`);
    this.name = 'CorruptManifest';
  }
}

export function manifestKey(backupId: string): string {
  return `backups/${backupId}/manifest.json`;
}

export function segmentKey(cluster: string, topic: string, partition: number, firstOffset: number, backupId: string): string {
  return `segments/${cluster}/${topic}/${partition}/${String(firstOffset).padStart(20, '0')}-${backupId}.kdrs`;
}

export function parseManifest(object: string, text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CorruptManifestError(object, `not JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new CorruptManifestError(object, inputProblems(parsed.error, '(root)').join('; '));
  return parsed.data;
}
