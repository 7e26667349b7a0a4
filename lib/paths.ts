import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, for locating handler entries and the example configuration. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
