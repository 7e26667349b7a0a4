// The bucket the backup and restore workflows keep their working lists in: batch lists the
// Distributed Map reads, results its map runs write. Nothing in it is a backup; it expires.
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getObjectIfExists } from './s3-object';

export class BatchBucket {
  constructor(
    private readonly s3: S3Client,
    readonly name: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ContentType: contentType }));
  }

  /** The object's text; undefined when it does not exist. */
  async get(key: string): Promise<string | undefined> {
    return (await getObjectIfExists(this.s3, this.name, key))?.Body?.transformToString('utf8');
  }

  /** Keys of the objects under the prefix. */
  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, ContinuationToken: token }));
      for (const { Key } of page.Contents ?? []) if (Key) keys.push(Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }
}
