#!/usr/bin/env -S npx tsx
// `npm start`: the DR drill on the built-in lab. Brings the lab up (two Kafka clusters, MM2
// on Connect, the AWS emulator; nothing is deployed to AWS), runs a sample estate, kills
// dc1 (or switches over, planned) and fails over with the synthesized workflow, optionally
// fails back, then reports times, loss and re-reads against what kafka-dr announced.
// `--topology active-active`: both datacenters' applications run, dc1's clients fail over
// while dc2's go on (lab/drill/active-active.ts).
// Exit codes: 0 every promise kept, 1 a promise broken or the drill could not run, 2 usage.
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DNS_MODES } from '#src/config/schema';
import type { DnsMode } from '#src/dns/client-switch';
import { labSh } from '../lab/estate';
import { display } from '../lab/drill/display';
import { activeActiveSummary, runActiveActiveDrill } from '../lab/drill/active-active';
import { runDrill } from '../lab/drill/run';
import { drillSummary } from '../lab/drill/summary';

const program = new Command('drill')
  .description('rehearse a Kafka DR failover on the local lab, end to end, and check its promises')
  .addOption(new Option('--planned', 'a planned switchover (drain, no loss, no re-read) instead of losing dc1'))
  .option('--with-backup', 'back up the sample topic before the disaster and restore it to a point in time after')
  .option('--failback', 'after the failover, work on the target for a while, then fail back (planned, over the reverse flow) and check that too')
  .addOption(new Option('--dns-mode <mode>', 'how the failover switches clients: the record UPSERTed, ARC routing controls (the lab runs an ARC cluster of its own), or the ActiveSide metric its health checks follow (the lab evaluates the alarms and stands in for the health checkers)').choices(Object.keys(DNS_MODES)).default('upsert'))
  .addOption(new Option('--topology <topology>', "active-passive: one application, clients all on dc1; active-active: an application in each datacenter, each on its own bootstrap record, flows both ways, dc1's clients fail over while dc2's go on").choices(['active-passive', 'active-active']).default('active-passive'))
  .option('--short', 'a smaller warm-up (CI)')
  .option('--keep-lab', 'leave the lab up afterwards, as the drill left it (dc1 down after an unplanned drill)')
  .option('--report <file>', 'where to write the JSON report', 'drill-report.json')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .parse();
const opts = program.opts<{ planned?: boolean; withBackup?: boolean; failback?: boolean; dnsMode: DnsMode; topology: 'active-passive' | 'active-active'; short?: boolean; keepLab?: boolean; report: string }>();
if (opts.topology === 'active-active') {
  const unsupported = [opts.withBackup && '--with-backup', opts.failback && '--failback', opts.dnsMode !== 'upsert' && `--dns-mode ${opts.dnsMode}`].filter(Boolean);
  if (unsupported.length) {
    console.error(`drill: --topology active-active does not take ${unsupported.join(', ')}: per-datacenter records are switched by UPSERT, and its failback is shown by test/lab/active-active.test.ts`);
    process.exit(2);
  }
}

const show = display();
let exitCode = 1;
try {
  show.event('bringing the lab up (first run downloads Kafka and moto, cached after)...');
  await labSh('up');
  const mode = opts.planned ? 'planned' : 'unplanned';
  const report =
    opts.topology === 'active-active'
      ? await runActiveActiveDrill({ mode, short: Boolean(opts.short) }, show)
      : await runDrill({ mode, withBackup: Boolean(opts.withBackup), failback: Boolean(opts.failback), short: Boolean(opts.short), dnsMode: opts.dnsMode }, show);
  writeFileSync(opts.report, `${JSON.stringify(report, null, 2)}\n`);
  console.log('topology' in report ? activeActiveSummary(report) : drillSummary(report));
  console.log(`\nJSON report: ${opts.report}`);
  exitCode = report.ok ? 0 : 1;
} catch (err) {
  console.error(`\nthe drill could not finish: ${(err as Error).message}`);
} finally {
  if (opts.keepLab) console.log('the lab is still up: npm run lab:status; npm run lab:down when done');
  else await labSh('down').catch((err: Error) => console.error(err.message));
}
process.exit(exitCode);
