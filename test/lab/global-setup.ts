// One lab for the whole Jest run: reuse a running lab (npm run lab:up), or start one and
// stop it again in global-teardown.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { labStateDir } from '../../lab/estate';

export const STARTED_MARKER = 'started-by-jest';

export default function globalSetup(): void {
  const status = spawnSync('bash', ['lab/lab.sh', 'status'], { stdio: 'ignore' });
  if (status.status === 0) return;
  const up = spawnSync('bash', ['lab/lab.sh', 'up'], { stdio: 'inherit' });
  if (up.status !== 0) throw new Error('the lab did not come up (see the messages above): integration tests cannot run');
  writeFileSync(path.join(labStateDir(), STARTED_MARKER), String(process.pid));
}
