// Runs one backup in a process of its own (a test SIGKILLs it mid-copy), against the bucket
// and table the test names: BACKUP_CHILD = {"bucket","table","input"}.
import { labContext } from './lab';
import { backupByHandlers } from './backup-handlers';

const { bucket, table, input } = JSON.parse(process.env.BACKUP_CHILD ?? '{}') as { bucket: string; table: string; input: unknown };
const ctx = await labContext();
const run = await (await backupByHandlers(ctx.config, { bucket, table })).run(input);
process.stdout.write(`${JSON.stringify(run)}\n`);
process.exit(run.status === 'SUCCEEDED' ? 0 : 1);
