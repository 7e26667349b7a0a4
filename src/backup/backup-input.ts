// How a backup step refuses its input: every problem with its path, nothing read or written.
import type * as z from 'zod';
import { inputProblems } from '#src/input-problems';

/** The state machine maps this name to its InvalidInput state: nothing was read or written. */
export class InvalidBackupInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBackupInput';
  }
}

/** The event as `schema` says, or InvalidBackupInput listing every problem with its path. */
export function parseBackupInput<S extends z.ZodType>(schema: S, event: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidBackupInput(`${what} is invalid: ${inputProblems(parsed.error, '(root)').join('; ')}`);
  }
  return parsed.data;
}
