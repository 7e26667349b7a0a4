// Caught by the backup and restore workflows when their map run of batches fails: reads the
// run's results for the failed batches' own errors and partitions, and returns the failure in
// Step Functions' shape for the workflow's Fail state.
import { explainBatchFailures, parseBatchFailuresEvent } from '#src/backup/batch-failures';
import { lambdaHandler } from '../runtime/powertools';
import { batchBucket } from '../runtime/s3';

export const handler = lambdaHandler(async (event: unknown) => explainBatchFailures(parseBatchFailuresEvent(event), batchBucket()));
