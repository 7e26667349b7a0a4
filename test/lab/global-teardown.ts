import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { labStateDir } from '../../lab/estate';
import { STARTED_MARKER } from './global-setup';

/** Stops the lab only if this run started it; LAB_KEEP=1 leaves it up for inspection. */
export default function globalTeardown(): void {
  const marker = path.join(labStateDir(), STARTED_MARKER);
  if (!existsSync(marker) || process.env.LAB_KEEP === '1') return;
  rmSync(marker);
  spawnSync('bash', ['lab/lab.sh', 'down'], { stdio: 'inherit' });
}
