// cfn-lint over synthesized templates, from the lab's Python virtualenv.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { labPythonTool } from './lab-tools';

/** What cfn-lint says of `templates` (files in `directory`): its findings, or "exit <status>" ("exit 0": clean). */
export function cfnLint(directory: string, templates: string[]): string {
  const lint = spawnSync(labPythonTool('cfn-lint'), templates.map((t) => path.join(directory, t)), { encoding: 'utf8' });
  return `${lint.stdout}${lint.stderr}`.trim() || `exit ${lint.status}`;
}
