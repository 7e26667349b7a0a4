// The operator CLI's backup commands, run as an operator runs them (a process of their own)
// against a real backup in the lab's bucket: list, describe, validate — and validate's
// exit code and report when a segment is damaged.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { backupRig } from '../support/backup';
import { cli } from '../support/cli';
import { ensureTopic, sendRecords, spacedRecords, uniqueName } from '../support/lab';

it('lists, describes and validates a backup; a flipped byte fails validate with exit 1 naming the object', async () => {
  const rig = await backupRig();
  const topic = uniqueName('bk-cli');
  const kafka = await rig.ctx.kafkaFor('dc1');
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, 2);
  await sendRecords(kafka, topic, spacedRecords(40, Date.now() - 10_000, 10));
  const run = await rig.run('backup', { topics: [topic] });
  expect(run.status).toBe('SUCCEEDED');
  const { backupId } = run.output as { backupId: string };
  const bucket = ['--local', '--bucket', rig.bucketName];

  expect(await cli('backups', 'list')).toMatchObject({ code: 2, stderr: expect.stringContaining('name the backup bucket (--bucket NAME), the estate file') });
  const list = await cli('backups', 'list', ...bucket, '--json');
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout).backups).toEqual([expect.objectContaining({ backupId, topics: [topic], records: 40, partitions: 2 })]);

  const described = await cli('backups', 'describe', backupId, ...bucket);
  expect(described.stdout).toContain(`${topic}-0: offsets [0, 20), 20 records`);
  expect(described.stdout).toContain(`${topic}-1: offsets [0, 20), 20 records`);

  const valid = await cli('backups', 'validate', backupId, ...bucket);
  expect(valid).toMatchObject({ code: 0, stdout: expect.stringContaining(`${backupId}: valid; checked 2 segments, 40 records`) });

  const manifest = await rig.bucket.readManifest(backupId);
  const segment = manifest.topics[0]!.partitions[1]!.segments[0]!;
  const body = (await rig.bucket.get(segment.key))!;
  body[body.length - 10]! ^= 0x01;
  await new S3Client({ forcePathStyle: true }).send(new PutObjectCommand({ Bucket: rig.bucketName, Key: segment.key, Body: body }));
  const invalid = await cli('backups', 'validate', backupId, ...bucket);
  expect(invalid.code).toBe(1);
  expect(invalid.stdout).toContain(`${backupId}: INVALID`);
  expect(invalid.stdout).toMatch(new RegExp(`${topic}-1 .*${segment.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*CRC32`));
});
