import type { z } from 'zod';

/** Every problem of a failed parse as "path: message", `root` standing for the value itself. */
export function inputProblems(error: z.ZodError, root = 'input'): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : root}: ${i.message}`);
}
