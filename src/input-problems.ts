import type { z } from 'zod';

/** Every problem of a failed parse as "path: message", `root` standing for the value itself. */
export function inputProblems(error: z.ZodError, root = 'input'): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : root}: ${i.message}`);
}

/** A workflow's execution input that failed its checks: every problem listed, nothing changed. Its name is what the state machine catches. */
export class InvalidWorkflowInput extends Error {
  constructor(
    workflow: string,
    name: string,
    readonly problems: string[],
  ) {
    super(`invalid ${workflow} input, nothing was changed: ${problems.join('; ')}`);
    this.name = name;
  }
}
