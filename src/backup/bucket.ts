// The backup bucket as kafka-dr uses it: every object written once, under Object Lock until
// its retain-until date; manifests are the only index (see manifest.ts for the layout).
import {
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { manifestKey, parseManifest, type Manifest } from './manifest';
import { getObjectIfExists } from './s3-object';

export interface ObjectLockPolicy {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  retentionDays: number;
}

const DAY_MS = 86_400_000;

export interface StoredObject {
  body: Buffer;
  versionId?: string;
  lockMode?: string;
  retainUntil?: Date;
}

export class BackupBucket {
  constructor(
    private readonly s3: S3Client,
    readonly name: string,
    /** How objects are written; absent for a reader (the operator's `backups` commands), which then cannot write. */
    private readonly lockPolicy?: ObjectLockPolicy,
  ) {}

  get lock(): ObjectLockPolicy {
    if (!this.lockPolicy) throw new Error(`backup bucket ${this.name} was opened for reading, without an Object Lock policy: it cannot write or extend locks`);
    return this.lockPolicy;
  }

  /** The retain-until date of an object written (or extended) now. */
  retainUntil(now = Date.now()): Date {
    return new Date(now + this.lock.retentionDays * DAY_MS);
  }

  /** Writes an object under Object Lock; returns its retain-until date. */
  async put(key: string, body: Buffer | string, contentType: string): Promise<Date> {
    return this.write(key, body, contentType);
  }

  /**
   * Like put, but only when no object has the key: undefined (nothing written) when one has.
   * Two writers of one key cannot leave the one whose write lost as the current version.
   */
  async putIfAbsent(key: string, body: Buffer | string, contentType: string): Promise<Date | undefined> {
    try {
      return await this.write(key, body, contentType, '*');
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return undefined;
      throw err;
    }
  }

  private async write(key: string, body: Buffer | string, contentType: string, ifNoneMatch?: '*'): Promise<Date> {
    const until = this.retainUntil();
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.name,
        Key: key,
        Body: body,
        ContentType: contentType,
        ObjectLockMode: this.lock.mode,
        ObjectLockRetainUntilDate: until,
        IfNoneMatch: ifNoneMatch,
      }),
    );
    return until;
  }

  /** The object's bytes; undefined when it does not exist. */
  async get(key: string): Promise<Buffer | undefined> {
    return (await this.read(key))?.body;
  }

  /** The object's current version with its Object Lock state; undefined when it does not exist. */
  async read(key: string): Promise<StoredObject | undefined> {
    const object = await getObjectIfExists(this.s3, this.name, key);
    if (!object) return undefined;
    if (!object.Body) throw new Error(`s3://${this.name}/${key} came back without a body`);
    const bytes = await object.Body.transformToByteArray();
    return {
      // A view, not a copy: segments run to tens of megabytes.
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      versionId: object.VersionId,
      lockMode: object.ObjectLockMode,
      retainUntil: object.ObjectLockRetainUntilDate,
    };
  }

  /** Every version of the object, newest first (a locked original survives as an older version when the key is overwritten). */
  async versions(key: string): Promise<Array<{ versionId: string; lastModified?: Date; size?: number }>> {
    return (await this.versionsUnder(key)).filter((v) => v.key === key && !v.deleteMarker).map(({ versionId, lastModified, size }) => ({ versionId, lastModified, size }));
  }

  /** Every version (delete markers included) of every object under the prefix. */
  async versionsUnder(prefix: string): Promise<Array<{ key: string; versionId: string; lastModified?: Date; size?: number; deleteMarker: boolean }>> {
    const versions: Array<{ key: string; versionId: string; lastModified?: Date; size?: number; deleteMarker: boolean }> = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectVersionsCommand({ Bucket: this.name, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      for (const v of page.Versions ?? []) if (v.Key && v.VersionId) versions.push({ key: v.Key, versionId: v.VersionId, lastModified: v.LastModified, size: v.Size, deleteMarker: false });
      for (const v of page.DeleteMarkers ?? []) if (v.Key && v.VersionId) versions.push({ key: v.Key, versionId: v.VersionId, lastModified: v.LastModified, deleteMarker: true });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.NextVersionIdMarker;
    } while (keyMarker);
    return versions;
  }

  /**
   * Deletes one version for good. Object Lock refuses a version still locked (never bypassed
   * here): false then, and the version stays.
   */
  async deleteVersion(key: string, versionId: string): Promise<boolean> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.name, Key: key, VersionId: versionId }));
      return true;
    } catch (err) {
      if ((err as Error).name === 'AccessDenied') return false;
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
      for (const { Prefix } of page.CommonPrefixes ?? []) if (Prefix) ids.push(Prefix.slice('backups/'.length, -1));
      token = page.NextContinuationToken;
    } while (token);
    return ids.sort();
  }
}
