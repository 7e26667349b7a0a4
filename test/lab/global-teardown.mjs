import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { startedMarker } from './lab-marker.mjs';

/** Stops the lab only if this run started it; LAB_KEEP=1 leaves it up for inspection. */
export default function globalTeardown() {
  const marker = startedMarker();
  if (!existsSync(marker) || process.env.LAB_KEEP === '1') return;
  rmSync(marker);
  spawnSync('bash', ['lab/lab.sh', 'down'], { stdio: 'inherit' });
}
