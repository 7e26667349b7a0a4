// Reading an estate file: YAML (a superset of JSON) parsed, then validated by parse.ts.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { EstateConfig } from './schema';
import { EstateConfigError, parseEstateConfig } from './parse';

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
