// Validating an estate configuration already parsed into a value (the JSON a Lambda is
// bundled with, or a YAML document read by load.ts). Errors list every bad field
// with its JSON path and what was expected, so an operator can fix the whole file in one pass.
// No YAML here: the functions bundle this module.
import type { z } from 'zod';
import { estateConfigSchema, type EstateConfig } from './schema';

export interface ConfigProblem {
  /** JSON path of the bad field, e.g. `$.flows[0].source`. */
  path: string;
  message: string;
}

export class EstateConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid estate configuration ${source}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'EstateConfigError';
  }
}

export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_$][\w$]*$/.test(name) ? `${acc}.${name}` : `${acc}[${JSON.stringify(name)}]`;
  }, '$');
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue) => {
    // zod reports a bad key of a mapping (dns.values) as "Invalid key in record"; what the
    // key should be is in the nested issues.
    if (issue.code === 'invalid_key') {
      const key = JSON.stringify(String(issue.path.at(-1)));
      return issue.issues.map((inner) => ({ path: jsonPath(issue.path), message: `the key ${inner.message.startsWith(key) ? inner.message : `${key}: ${inner.message}`}` }));
    }
    return [{ path: jsonPath(issue.path), message: issue.message }];
  });
}

/** Validates an already-parsed value (e.g. the JSON a Lambda was bundled with). */
export function parseEstateConfig(value: unknown, source: string): EstateConfig {
  const result = estateConfigSchema.safeParse(value);
  if (!result.success) throw new EstateConfigError(source, describeIssues(result.error.issues));
  return result.data;
}
