// One lab per Jest worker for the whole run (lab-marker.mjs): reuse a running lab (npm run
// lab:up), or start one and stop it again in global-teardown. Plain ESM: Jest loads global
// setup outside ts-jest.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { labStates, startedMarker } from './lab-marker.mjs';

function ensureLab(state) {
  const env = { ...process.env, LAB_STATE: state };
  if (spawnSync('bash', ['lab/lab.sh', 'status'], { stdio: 'ignore', env }).status === 0) {
    const running = JSON.parse(readFileSync(path.join(state, 'lab.json'), 'utf8')).kafkaVersion;
    const wanted = process.env.KAFKA_VERSION;
    if (wanted && wanted !== running) {
      throw new Error(`KAFKA_VERSION=${wanted} but the running lab in ${state} is Kafka ${running}: run LAB_STATE=${state} npm run lab:down first`);
    }
    return;
  }
  // One after another: the first also fills the shared download cache (Kafka's jars, moto's virtualenv).
  const up = spawnSync('bash', ['lab/lab.sh', 'up'], { stdio: 'inherit', env });
  if (up.status !== 0) throw new Error(`the lab in ${state} did not come up (see the messages above): integration tests cannot run`);
  writeFileSync(startedMarker(state), String(process.pid));
}

export default function globalSetup(globalConfig) {
  for (const state of labStates(globalConfig.maxWorkers)) ensureLab(state);
}
