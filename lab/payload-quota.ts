// Step Functions' payload quota, which the local library does not enforce: a state whose output
// is over 256 KiB fails the execution, in AWS, whatever its Catch says.
import type { ExecutionEvent } from './local-state-machine';

/** Step Functions' quota on what a state passes on: 256 KiB of JSON. */
const PAYLOAD_QUOTA_BYTES = 256 * 1024;

/**
 * The failure Step Functions reports when a state's output is over the payload quota:
 * States.DataLimitExceeded, terminal (a Catch of States.ALL does not stop it). The harness sees
 * the output when the state exits and aborts there; the next state may already have begun.
 */
export function dataLimitExceeded(event: ExecutionEvent): { error: string; cause: string } | undefined {
  if (event.type !== 'StateExited' || event.state.output === undefined) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(event.state.output));
  if (bytes <= PAYLOAD_QUOTA_BYTES) return undefined;
  return { error: 'States.DataLimitExceeded', cause: `The state/task '${event.state.name}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} bytes; the quota is ${PAYLOAD_QUOTA_BYTES}).` };
}

