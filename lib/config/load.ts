// Reading and validating an estate file. Errors list every bad field with its JSON path
// and what was expected, so an operator can fix the whole file in one pass.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
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
  return issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
}

/** Validates an already-parsed value (e.g. the JSON a Lambda was bundled with). */
export function parseEstateConfig(value: unknown, source: string): EstateConfig {
  const result = estateConfigSchema.safeParse(value);
  if (!result.success) throw new EstateConfigError(source, describeIssues(result.error.issues));
  return result.data;
}

/** Parses YAML (a superset of JSON) text and validates it. */
export function parseEstateConfigText(text: string, source: string): EstateConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new EstateConfigError(
      source,
      doc.errors.map((e) => ({ path: '$', message: `not valid YAML/JSON: ${e.message.split('\n')[0]}` })),
    );
  }
  return parseEstateConfig(doc.toJS(), source);
}

export function loadEstateConfigFile(file: string): EstateConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EstateConfigError(file, [{ path: '$', message: `cannot read the file: ${(err as Error).message}` }]);
  }
  return parseEstateConfigText(text, file);
}
