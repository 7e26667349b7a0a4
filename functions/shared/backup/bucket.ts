// The backup bucket as kafka-dr uses it: every object written once, under Object Lock until
// its retain-until date; manifests are the only index (see manifest.ts for the layout).
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { manifestKey, parseManifest, type Manifest } from './manifest';

export interface ObjectLockPolicy {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  retentionDays: number;
}

const DAY_MS = 86_400_000;

export class BackupBucket {
  constructor(
    private readonly s3: S3Client,
    readonly name: string,
    readonly lock: ObjectLockPolicy,
  ) {}

  /** The retain-until date of an object written (or extended) now. */
  retainUntil(now = Date.now()): Date {
    return new Date(now + this.lock.retentionDays * DAY_MS);
  }

  /** Writes an object under Object Lock; returns its retain-until date. */
  async put(key: string, body: Buffer | string, contentType: string): Promise<Date> {
    const until = this.retainUntil();
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.name,
        Key: key,
        Body: body,
        ContentType: contentType,
        ObjectLockMode: this.lock.mode,
        ObjectLockRetainUntilDate: until,
      }),
    );
    return until;
  }

  /** The object's bytes; undefined when it does not exist. */
  async get(key: string): Promise<Buffer | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  /** Pushes an object's retain-until date out (Object Lock never allows shortening it). */
  async extendRetention(key: string, until: Date): Promise<void> {
    await this.s3.send(new PutObjectRetentionCommand({ Bucket: this.name, Key: key, Retention: { Mode: this.lock.mode, RetainUntilDate: until } }));
  }

  async putManifest(manifest: Manifest): Promise<void> {
    await this.put(manifestKey(manifest.backupId), JSON.stringify(manifest), 'application/json');
  }

  async readManifest(backupId: string): Promise<Manifest> {
    const key = manifestKey(backupId);
    const body = await this.get(key);
    if (!body) throw new Error(`backup ${backupId} does not exist in s3://${this.name} (no ${key}): kafka-dr backups list shows the backups there are`);
    return parseManifest(`s3://${this.name}/${key}`, body.toString('utf8'));
  }

  /** Ids of the backups whose manifest is written (complete backups), oldest first. */
  async backupIds(): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: 'backups/', Delimiter: '/', ContinuationToken: token }));
      for (const prefix of page.CommonPrefixes ?? []) ids.push(prefix.Prefix!.slice('backups/'.length, -1));
      token = page.NextContinuationToken;
    } while (token);
    return ids.sort();
  }
}
