// The drill report for people: what happened when, what it cost, which promises held.
import type { DrillReport } from './run';

function functionsLine(f: DrillReport['functions']): string {
  const inits = f.invoked.flatMap((i) => i.initMs);
  const invocations = f.invoked.reduce((n, i) => n + i.invocations, 0);
  return `  functions           ${f.invoked.length} run from their synthesized bundles (${f.bundlesIn}/asset.*, ${f.runtime}): ${inits.length} cold starts, init ${Math.min(...inits)}-${Math.max(...inits)} ms; ${invocations} invocations`;
}

export function drillSummary(r: DrillReport): string {
  const s = r.seconds;
  const steps = Object.entries(r.failover.stepsMs).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ');
  const lines = [
    '',
    `kafka-dr drill (${r.mode}) on the lab: ${r.estate.flow}, topic ${r.estate.topic}, group ${r.estate.group}`,
    '',
    ...(s.detect !== undefined ? [`  time to detect      ${s.detect.toFixed(1)} s (dc1 killed -> primary-down alarm, evaluated as synthesized)`] : []),
    `  failover            ${s.failover.toFixed(1)} s (${r.failover.status}; ${steps})`,
    `  consumers resumed   ${s.consumersResumed < 0 ? 'NO' : `${s.consumersResumed.toFixed(1)} s after the ${r.mode === 'unplanned' ? 'disaster' : 'switchover began'}`}`,
    `  client switch       ${s.switch.toFixed(1)} s of the failover (dns.mode ${r.switching.mode})`,
    `  RTO                 ${s.rto.toFixed(1)} s = detection + failover + consumers resumed; in AWS add ${r.switching.notMeasured}`,
    '',
    `  records acknowledged ${r.data.acknowledged}, lost ${r.data.lost}` +
      (r.probes.lastBeforeDisaster ? ` (last probe before the disaster: ${r.probes.lastBeforeDisaster.unreplicated} unreplicated, RPO ${r.probes.lastBeforeDisaster.rpoMs === null ? '?' : `${(r.probes.lastBeforeDisaster.rpoMs / 1000).toFixed(1)} s`})` : ''),
    `  re-read after the switch ${r.data.duplicates} (announced windows: ${r.data.announcedWindowRecords} records; outside them: ${r.data.duplicatesOutsideWindows})`,
    ...(r.failback
      ? [
          `  failback            ${r.failback.seconds.failback.toFixed(1)} s over ${r.failback.flow} (${r.failback.status}; ${Object.entries(r.failback.stepsMs).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ')})`,
          `                      source back ${r.failback.seconds.sourceBack.toFixed(1)} s, reverse flow up ${r.failback.seconds.reverseFlow.toFixed(1)} s, consumers home ${r.failback.seconds.consumersHome.toFixed(1)} s`,
          `  at home             ${r.failback.writtenOnTarget} written on the target; ${r.failback.readAfter} read after the failback: ${r.failback.reReadFromTarget} read on the target before, ${r.failback.recovered} lost at the failover and recovered, ${r.failback.reReadFromBeforeDisaster} read before the disaster and never replicated`,
        ]
      : []),
    functionsLine(r.functions),
    ...(r.backup ? [`  backup ${r.backup.backupId} ${r.backup.backupSeconds.toFixed(1)} s; restore to ${r.backup.pointInTime}: ${r.backup.restoredRecords}/${r.backup.expectedRecords} records in ${r.backup.restoreSeconds.toFixed(1)} s`] : []),
    '',
    ...r.promises.map((p) => `  ${p.kept ? 'KEPT  ' : 'BROKEN'} ${p.promise}: ${p.detail}`),
    '',
    r.ok ? 'every promise kept.' : 'PROMISES BROKEN: see above and the JSON report.',
  ];
  return lines.join('\n');
}
