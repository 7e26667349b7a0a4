#!/usr/bin/env -S npx tsx
// The operator CLI. Exit codes: 0 ok, 1 the check failed (bad config, unhealthy flow, an
// invalid backup), 2 usage error.
import { Command } from 'commander';
import { estateJsonSchema } from '../lib/config/json-schema';
import { EstateConfigError, loadEstateConfigFile } from '../lib/config/load';
import { addBackupCommands } from './backups';
import { printStatus, localStatus } from './status';

const program = new Command('kafka-dr').description('Disaster recovery for Kafka estates replicated with MirrorMaker 2').exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

const config = program.command('config').description('check and document the estate configuration');
config
  .command('validate')
  .argument('<file>', 'the estate file (YAML or JSON)')
  .option('--json', 'print the result as JSON')
  .description('validate an estate file; prints every bad field with its JSON path')
  .action((file: string, opts: { json?: boolean }) => {
    try {
      const estate = loadEstateConfigFile(file);
      console.log(opts.json ? JSON.stringify({ valid: true, estate: estate.estate }) : `${file}: valid (estate ${estate.estate})`);
    } catch (err) {
      if (!(err instanceof EstateConfigError)) throw err;
      console.log(opts.json ? JSON.stringify({ valid: false, problems: err.problems }) : err.message);
      process.exitCode = 1;
    }
  });
config
  .command('schema')
  .description('print the JSON Schema of the estate file')
  .action(() => console.log(JSON.stringify(estateJsonSchema(), null, 2)));

program
  .command('status')
  .description('per flow: mirrored topics, newest heartbeat and checkpoint ages')
  .option('--local', 'against the local lab (npm run lab:up)')
  .option('--json', 'print JSON')
  .action(async (opts: { local?: boolean; json?: boolean }) => {
    if (!opts.local) {
      console.error('status against a deployed stack arrives with the probes; use --local for the lab');
      process.exit(2);
    }
    const statuses = await localStatus();
    if (opts.json) console.log(JSON.stringify(statuses, null, 2));
    else printStatus(statuses);
    if (statuses.some((s) => s.errors.length > 0)) process.exitCode = 1;
  });

addBackupCommands(program);

await program.parseAsync();
