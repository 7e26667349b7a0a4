// The failover state table's TTL attribute (epoch seconds), set on items that only an
// execution needs: Finish deletes them, and when an execution ends without Finish (aborted,
// timed out, failed where no Catch reaches Finish) DynamoDB deletes them some time after.
export const EXPIRES_AT = 'expiresAt';

/**
 * Two days: far past the longest an execution can run (its timeout is the drain timeout,
 * at most an hour, plus an hour), so no running execution loses what it saved.
 */
const EXECUTION_ITEM_TTL_SECONDS = 2 * 24 * 3600;

/** The expiry of an item saved now for the running execution. */
export const executionItemExpiry = (now = Date.now()) => Math.floor(now / 1000) + EXECUTION_ITEM_TTL_SECONDS;
