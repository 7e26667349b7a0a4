#!/usr/bin/env -S npx tsx
// The operator CLI, against a deployed control plane (--config FILE, AWS credentials as
// usual) or the local lab's (--local). Exit codes: 0 ok; 1 the check or the workflow failed
// (bad config, a problem in status, an invalid backup, an execution that did not succeed);
// 2 usage error.
import { Command } from 'commander';
import { estateJsonSchema } from '#src/config/json-schema';
import { loadEstateConfigFile } from '#src/config/load';
import { EstateConfigError } from '#src/config/parse';
import { addAuditCommand } from './cli/audit';
import { addSyncCommand } from './cli/sync';
import { addBackupCommands } from './cli/backups';
import { controlPlaneOf, controlPlaneOptions, UsageError } from './cli/control-plane';
import { estateStatus, printStatus } from './cli/status';
import { addWorkflowCommands } from './cli/workflows';

const program = new Command('kafka-dr')
  .description('Disaster recovery for Kafka estates replicated with MirrorMaker 2')
  .addHelpText('after', '\nExit codes: 0 ok; 1 the check or workflow failed (bad config, a problem in status, an invalid backup, an execution that did not succeed); 2 usage error.')
  .exitOverride((err) => {
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

controlPlaneOptions(program.command('status').description('where clients are (the bootstrap record), the last failover, and per flow the RPO, lag, heartbeat age and headroom the probes last published, with the alarms in ALARM; exit 1 on any problem')).action(
  async (opts: { config?: string; local?: boolean; json?: boolean }) => {
    const status = await estateStatus(await controlPlaneOf(opts));
    if (opts.json) console.log(JSON.stringify(status, null, 2));
    else printStatus(status);
    if (status.problems.length) process.exitCode = 1;
  },
);

addAuditCommand(program);
addSyncCommand(program);
addWorkflowCommands(program);
addBackupCommands(program);

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`kafka-dr: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof EstateConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  console.error(`kafka-dr: ${(err as Error).message}`);
  process.exit(1);
}
// The local control plane's clients keep sockets open; the command is done.
process.exit(process.exitCode ?? 0);
