import * as z from 'zod';
import { estateConfigSchema } from './schema';

/** The JSON Schema of the estate file (draft 2020-12), generated from the zod schema. */
export function estateJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(estateConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'kafka-dr estate configuration',
  };
}
