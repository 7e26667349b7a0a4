import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A tool from the lab's Python virtualenv (moto, cfn-lint), installed on first use. */
export function labPythonTool(name: string): string {
  const cache = process.env.LAB_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kafka-dr-lab');
  const tool = path.join(cache, 'venv', 'bin', name);
  if (!existsSync(tool)) {
    const install = spawnSync('bash', ['lab/lab.sh', 'prefetch'], { stdio: 'inherit' });
    if (install.status !== 0) throw new Error(`could not install the lab virtualenv (bash lab/lab.sh prefetch) for ${name}`);
  }
  return tool;
}
