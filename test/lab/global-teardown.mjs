import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { labStates, startedMarker } from './lab-marker.mjs';

/** Stops the labs this run started; LAB_KEEP=1 leaves them up for inspection. */
export default function globalTeardown(globalConfig) {
  if (process.env.LAB_KEEP === '1') return;
  for (const state of labStates(globalConfig.maxWorkers)) {
    const marker = startedMarker(state);
    if (!existsSync(marker)) continue;
    rmSync(marker);
    spawnSync('bash', ['lab/lab.sh', 'down'], { stdio: 'inherit', env: { ...process.env, LAB_STATE: state } });
  }
}
