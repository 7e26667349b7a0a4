// One lab for the whole Jest run: reuse a running lab (npm run lab:up), or start one and
// stop it again in global-teardown. Plain ESM: Jest loads global setup outside ts-jest.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { labState, startedMarker } from './lab-marker.mjs';

export default function globalSetup() {
  if (spawnSync('bash', ['lab/lab.sh', 'status'], { stdio: 'ignore' }).status === 0) {
    const running = JSON.parse(readFileSync(path.join(labState(), 'lab.json'), 'utf8')).kafkaVersion;
    const wanted = process.env.KAFKA_VERSION;
    if (wanted && wanted !== running) {
      throw new Error(`KAFKA_VERSION=${wanted} but the running lab is Kafka ${running}: run npm run lab:down first`);
    }
    return;
  }
  const up = spawnSync('bash', ['lab/lab.sh', 'up'], { stdio: 'inherit' });
  if (up.status !== 0) throw new Error('the lab did not come up (see the messages above): integration tests cannot run');
  writeFileSync(startedMarker(), String(process.pid));
}
