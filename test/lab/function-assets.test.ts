// Every function asset of the synthesized app, for the annotated example estate and for the
// lab's, run as Lambda runs it (lab/lambda/local-function.ts: the bundle alone in its task
// root, the runtime's AWS SDK, the template's handler, environment, timeout and memory):
// each must get through init and answer an event with its estate configuration loaded.
// This is the test that was red while every Kafka bundle died at import (native.wasm read
// from outside the asset) and every bundle lacked its estate configuration.
import { buildApp } from '../../lib/app';
import { loadEstateConfigFile } from '#src/config/load';
import type { EstateConfig } from '#src/config/schema';
import { projectRoot } from '../../lib/paths';
import { labApp } from '../../lab/lab-app';
import { LambdaInvocationError } from '../../lab/lambda/local-function';
import { localStack, type LocalStack } from '../../lab/local-state-machine';
import { labContext } from '../support/lab';

interface Answer {
  handlerDir: string;
  coldStarts: number;
  result?: unknown;
  error?: { errorType: string; errorMessage: string; trace: string[] };
}

async function answers(config: EstateConfig): Promise<{ local: LocalStack; answers: Answer[] }> {
  const { controlPlane } = buildApp(config, labApp(config));
  const local = await localStack(controlPlane, []);
  const dirs = Object.values(local.template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => String(r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME).replace(/^kafka-dr-/, ''));
  const event = { flow: `${config.flows[0]!.source}->${config.flows[0]!.target}` };
  // One liveness sample, not a scheduled run's minute of them.
  const eventFor = (handlerDir: string) => (handlerDir === 'liveness-probe' ? { ...event, samples: 1 } : event);
  const out: Answer[] = [];
  // One at a time: 18 cold starts at once would measure the machine, not the functions.
  for (const handlerDir of dirs) {
    const answer: Answer = { handlerDir, coldStarts: 0 };
    try {
      answer.result = await local.invoke(handlerDir, eventFor(handlerDir));
    } catch (err) {
      if (!(err instanceof LambdaInvocationError)) throw err;
      answer.error = { errorType: err.payload.errorType, errorMessage: err.payload.errorMessage, trace: err.payload.trace ?? [] };
    }
    answer.coldStarts = (await local.functions()).get(handlerDir)!.coldStarts.length;
    out.push(answer);
  }
  return { local, answers: out };
}

/** Init succeeded and the handler, not the runtime, answered: a result, or an error of ours about the event, with the estate loaded. */
function expectHandlerAnswered(answer: Answer): void {
  // On a failed init the error is part of what is compared, so a red run shows it.
  expect({ handlerDir: answer.handlerDir, coldStarts: answer.coldStarts, ...(answer.coldStarts ? {} : { error: answer.error }) }).toEqual({ handlerDir: answer.handlerDir, coldStarts: 1 });
  if (answer.error) {
    expect({ handlerDir: answer.handlerDir, errorType: answer.error.errorType }).not.toEqual({ handlerDir: answer.handlerDir, errorType: expect.stringMatching(/^(Runtime|Sandbox)\./) });
    expect({ handlerDir: answer.handlerDir, errorMessage: answer.error.errorMessage }).not.toEqual({ handlerDir: answer.handlerDir, errorMessage: expect.stringMatching(/KAFKA_DR_CONFIG|ENOENT|Cannot find (module|package)/) });
  }
}

it('the lab estate: all 23 functions start from their bundles; the probes answer with the lab as it is', async () => {
  const { config } = await labContext();
  const { answers: all } = await answers(config);
  expect(all).toHaveLength(23);
  for (const answer of all) expectHandlerAnswered(answer);
  const by = new Map(all.map((a) => [a.handlerDir, a]));
  expect(by.get('replication-status')!.result).toMatchObject({ flows: [{ flow: 'dc1->dc2', reachable: { dc1: true, dc2: true }, errors: [] }] });
  expect(by.get('lag-probe')!.result).toMatchObject({ flow: 'dc1->dc2', reachable: { source: true, target: true } });
  expect(by.get('liveness-probe')!.result).toMatchObject({ flow: 'dc1->dc2', samples: [{ reachable: { source: true, target: true }, errors: [] }] });
  expect(by.get('audit')!.result).toMatchObject({ flow: 'dc1->dc2', findings: expect.arrayContaining([expect.objectContaining({ id: 'mm2-compression-off', severity: 'warning' })]) });
  expect(by.get('failover-begin')!.error).toMatchObject({ errorType: 'InvalidFailoverInput' });
  expect(by.get('backup-plan')!.error).toMatchObject({ errorType: 'InvalidBackupInput' });
  expect(by.get('restore-plan')!.error).toMatchObject({ errorType: 'InvalidRestoreInput' });
  expect(by.get('batch-failures')!.error).toMatchObject({ errorType: 'InvalidBackupInput', errorMessage: expect.stringMatching(/^batch-failures' input .* is invalid: /) });
  expect(by.get('failover-release')!.error).toMatchObject({ errorType: 'InvalidExecutionEvent' });
  expect(by.get('drift-sync')!.error).toMatchObject({ errorType: 'InvalidSyncRequest', errorMessage: expect.stringMatching(/^invalid sync request, nothing was changed: kind: /) });
  // Source maps ship with the bundles and the template enables them: an error names a TypeScript line.
  expect(by.get('failover-begin')!.error!.trace.join('\n')).toMatch(/functions\/[\w/-]+\.ts:\d+:\d+/);
}, 300_000);

it('the annotated example estate (clusters not in the lab): all its functions start from their bundles with its configuration', async () => {
  const config = loadEstateConfigFile(`${projectRoot}/config/estate.example.yaml`);
  const { answers: all } = await answers(config);
  expect(all.length).toBeGreaterThanOrEqual(23);
  for (const answer of all) expectHandlerAnswered(answer);
  expect(all.find((a) => a.handlerDir === 'failover-begin')!.error).toMatchObject({ errorType: 'InvalidFailoverInput' });
}, 300_000);
