// Reading an estate file: YAML (a superset of JSON) parsed, then validated by parse.ts.
// Whatever goes wrong on the way (no file, bad YAML, an alias bomb, a document that is not
// a mapping) ends as an EstateConfigError with a path and what to do, like a bad field:
// the CLI prints it (as JSON with --json) and synth exits with it instead of a stack trace.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLError } from 'yaml';
import type { EstateConfig } from './schema';
import { EstateConfigError, parseEstateConfig, type ConfigProblem } from './parse';

/**
 * Aliases that may be expanded while converting the document. An estate file needs a few
 * at most; a "billion laughs" document nests them to expand exponentially.
 */
const MAX_ALIAS_COUNT = 100;

const EXAMPLE = 'config/estate.example.yaml';

/** Parses YAML (a superset of JSON) text and validates it. */
export function parseEstateConfigText(text: string, source: string): EstateConfig {
  return parseEstateConfig(yamlValue(text, source), source);
}

export function loadEstateConfigFile(file: string): EstateConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EstateConfigError(file, [{ path: '$', message: readProblem(file, err as NodeJS.ErrnoException) }]);
  }
  return parseEstateConfigText(text, file);
}

function readProblem(file: string, err: NodeJS.ErrnoException): string {
  const resolved = path.resolve(file);
  switch (err.code) {
    case 'ENOENT':
      return `cannot read the file: ${resolved} does not exist: check the path (relative paths start at ${process.cwd()})`;
    case 'EISDIR':
      return `cannot read the file: ${resolved} is a directory: name the estate file itself, such as ${EXAMPLE}`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read the file: permission denied on ${resolved}: make it readable by this user`;
    default:
      return `cannot read the file ${resolved}: ${err.message}`;
  }
}

/** The document as a plain value, or an EstateConfigError saying why there is none. */
function yamlValue(text: string, source: string): unknown {
  const invalid = (message: string) => new EstateConfigError(source, [{ path: '$', message }]);
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { prettyErrors: true });
  } catch (err) {
    throw invalid(`not valid YAML/JSON: ${(err as Error).message}`);
  }
  // Warnings are problems too: an unknown tag (!Ref, !Sub) would be dropped silently.
  const yamlProblems = [...doc.errors, ...doc.warnings].map(yamlProblem);
  if (yamlProblems.length > 0) throw new EstateConfigError(source, yamlProblems);
  const { contents } = doc;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    throw invalid(`the file has no settings (it is empty or only comments): expected a mapping of the estate's settings, as in ${EXAMPLE}`);
  }
  if (!isMap(contents)) {
    throw invalid(`the document is ${isSeq(contents) ? 'a list' : 'a single value'}: expected a mapping of the estate's settings (estate: NAME, controlPlane: ..., clusters: ...), as in ${EXAMPLE}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw invalid(conversionProblem(err as Error));
  }
}

/** Hints for the YAML mistakes people make, keyed by the yaml library's error codes. */
const YAML_HINTS: Partial<Record<YAMLError['code'], string>> = {
  DUPLICATE_KEY: 'give each key once per mapping',
  MULTIPLE_DOCS: 'an estate file holds one document: remove the second "---" and what follows, or merge it into the first',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  TAG_RESOLVE_FAILED: 'remove the tag: the estate file takes plain values (CloudFormation tags such as !Ref mean nothing here)',
};

function yamlProblem(error: YAMLError): ConfigProblem {
  // prettyErrors appends the offending line and a caret after the first line.
  const message = (error.message.split('\n')[0] ?? error.code).replace(/:$/, '').replace(/; please use YAML\.parseAllDocuments\(\)/, '');
  const hint = YAML_HINTS[error.code];
  return { path: '$', message: `not valid YAML/JSON: ${message}${hint ? `: ${hint}` : ''}` };
}

function conversionProblem(err: Error): string {
  if (/excessive alias count/i.test(err.message)) {
    return 'too many aliases (*name) to expand: aliases of anchors that hold aliases grow the document exponentially (a "billion laughs" document): write the values out, or use fewer aliases';
  }
  const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec(err.message);
  if (unresolved) return `the alias *${unresolved[1]} refers to no anchor: define &${unresolved[1]} on a value before the alias`;
  return `cannot read the YAML document: ${err.message}`;
}
