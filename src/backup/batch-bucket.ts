// The bucket the backup and restore workflows keep their working lists in: batch lists the
// Distributed Map reads, results its map runs write. Nothing in it is a backup; it expires.
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

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
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
      return await object.Body?.transformToString('utf8');
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
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
