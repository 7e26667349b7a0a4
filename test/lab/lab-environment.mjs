// The lab project's test environment: points the worker at its own lab (lab-marker.mjs)
// before the test's sandbox copies the environment, so that the lab's helpers and every
// process a test spawns (lab.sh, the CLI) find the same lab.
import { TestEnvironment } from 'jest-environment-node';
import { labStateOf } from './lab-marker.mjs';

export default class LabEnvironment extends TestEnvironment {
  constructor(config, context) {
    process.env.KAFKA_DR_FIRST_LAB_STATE ??= process.env.LAB_STATE ?? 'lab/.state';
    process.env.LAB_STATE = labStateOf(Number(process.env.JEST_WORKER_ID ?? 1));
    super(config, context);
  }
}
