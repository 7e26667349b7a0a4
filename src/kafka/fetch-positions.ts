// One group-less Fetch, as kafka-dr's readers send it. A partition whose offset is out of
// range (before the log start or past the end) fails the client's whole response, though
// every partition of it still says what it holds: readers asking for exact offsets take
// that as "no record there". Other failures the client gave up on after its own retries
// are the state machine's to retry when the client says they can be.
import type { Consumer } from '@platformatic/kafka';
import { TransientStepError } from '#src/transient-error';

export const OFFSET_OUT_OF_RANGE = 1;

type FetchRequest = Parameters<Consumer['fetch']>[0];
export type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

export async function fetchPositions(fetcher: Consumer, request: FetchRequest): Promise<FetchResponse> {
  try {
    return await fetcher.fetch(request);
  } catch (err) {
    const partial = (err as { response?: FetchResponse }).response;
    if (partial?.responses.every((t) => t.partitions.every((p) => p.errorCode === 0 || p.errorCode === OFFSET_OUT_OF_RANGE))) return partial;
    const { canRetry, errors } = err as { canRetry?: boolean; errors?: { canRetry?: boolean }[] };
    if (canRetry === true || (errors?.length && errors.every((e) => e.canRetry === true))) throw new TransientStepError(err as Error);
    throw err;
  }
}
