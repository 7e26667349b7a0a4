// The backup workflow's handlers called in the order its state machine calls them (Plan,
// Copy until done per batch, Finish), against a bucket and table named by the caller: what
// two processes share when one runs a backup and is killed and the other re-runs it
// (backupRig's emulator resources are per process). Everything else runs through backupRig.
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { readLabInfo, useLabAws } from '../../lab/estate';
import { ESTATE_CONFIG_ENV } from '../../lib/config/env';
import type { EstateConfig } from '../../lib/config/schema';
import { createTable } from './tables';

export interface HandlerRun {
  status: 'SUCCEEDED' | 'FAILED';
  /** Plan's result. */
  plan?: { backupId: string; resumed: boolean };
  output?: any;
  error?: string;
  cause?: string;
  copies: number;
}

function context(timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), functionName: 'dev', awsRequestId: randomUUID() } as unknown as Context;
}

export async function backupByHandlers(config: EstateConfig, names?: { bucket: string; table: string }) {
  useLabAws(readLabInfo());
  const bucket = names?.bucket ?? `bk-dev-${randomUUID().slice(0, 8)}`;
  const table = names?.table ?? `bk-dev-${randomUUID().slice(0, 8)}`;
  if (!names) {
    await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await createTable(table, 'pk');
  }
  Object.assign(process.env, { [ESTATE_CONFIG_ENV]: JSON.stringify(config), BACKUP_BUCKET: bucket, BACKUP_STATE_TABLE: table, POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'WARN' });
  const plan = (await import('../../functions/backup-plan/handler')).handler as any;
  const copy = (await import('../../functions/backup-copy/handler')).handler as any;
  const finish = (await import('../../functions/backup-finish/handler')).handler as any;
  return {
    bucket,
    table,
    finish: (backupId: string): Promise<unknown> => finish({ backupId }, context(300)),
    async run(input: unknown, options: { name?: string; functionTimeoutSeconds?: number } = {}): Promise<HandlerRun> {
      const name = options.name ?? randomUUID();
      let copies = 0;
      let p: any;
      try {
        p = await plan({ input, execution: { name, startedAt: new Date().toISOString() } }, context(300));
        await Promise.all(
          p.batches.map(async (b: any) => {
            for (;;) {
              copies++;
              const r = await copy({ backupId: p.backupId, partitions: b.partitions }, context(options.functionTimeoutSeconds ?? 900));
              if (r.done) return;
            }
          }),
        );
        const output = await finish({ backupId: p.backupId }, context(300));
        return { status: 'SUCCEEDED', plan: p, output, copies };
      } catch (err) {
        return { status: 'FAILED', plan: p, error: (err as Error).name, cause: (err as Error).message, copies };
      }
    },
  };
}
