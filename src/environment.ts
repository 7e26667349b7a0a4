// The environment a kafka-dr Lambda reads, as the CDK constructs set it: each setting named
// once, here, for both sides, so that a rename cannot leave a function reading a variable
// nobody sets. `what` is how an error names the setting when it is missing.

export interface LambdaSetting {
  readonly name: string;
  readonly what: string;
  /** Used when the variable is not set. */
  readonly fallback?: string;
}

/** The estate configuration (JSON), put into each bundle at synth by esbuild's define. */
export const ESTATE_CONFIG = { name: 'KAFKA_DR_CONFIG', what: 'the estate configuration' } as const satisfies LambdaSetting;
export const ESTATE_NAME = { name: 'KAFKA_DR_ESTATE', what: 'the estate name' } as const satisfies LambdaSetting;

export const FAILOVER_STATE_TABLE = { name: 'FAILOVER_STATE_TABLE', what: 'the failover state table (lock, active side)' } as const satisfies LambdaSetting;
export const FAILOVER_TOPIC_ARN = { name: 'FAILOVER_TOPIC_ARN', what: 'the SNS topic for failover outcomes' } as const satisfies LambdaSetting;
export const FAILOVER_EVENT_BUS = { name: 'FAILOVER_EVENT_BUS', what: 'the event bus for failover outcomes', fallback: 'default' } as const satisfies LambdaSetting;
export const FAILOVER_STATE_MACHINE_ARN = { name: 'FAILOVER_STATE_MACHINE_ARN', what: 'the failover state machine to start' } as const satisfies LambdaSetting;

export const BACKUP_BUCKET = { name: 'BACKUP_BUCKET', what: 'the backup bucket' } as const satisfies LambdaSetting;
export const BATCH_BUCKET = { name: 'BATCH_BUCKET', what: "the bucket of the backup and restore workflows' batch lists and map run results" } as const satisfies LambdaSetting;
export const BACKUP_STATE_TABLE = { name: 'BACKUP_STATE_TABLE', what: 'the backup state table (runs, progress, heads, restores)' } as const satisfies LambdaSetting;

export const PROBE_STATE_TABLE = { name: 'PROBE_STATE_TABLE', what: "the bandwidth probe's state table (its snapshots between runs)" } as const satisfies LambdaSetting;

/**
 * With dns.mode arc-routing-control: JSON {"endpoints": [{"url", "region"}], "routingControls": {"<cluster>": "<arn>"}},
 * from the estate file or from what the stack created (src/dns/routing-controls.ts reads it).
 */
export const ARC_ROUTING_CONTROLS = { name: 'ARC_ROUTING_CONTROLS', what: "the ARC cluster's endpoints and the routing control of each cluster" } as const satisfies LambdaSetting;

/**
 * With dns.mode health-check: JSON {"<cluster>": "<health check id>"}, the CLOUDWATCH_METRIC
 * health check of each cluster's failover record, as the stack created them
 * (src/dns/health-check-status.ts reads it).
 */
export const ACTIVE_SIDE_HEALTH_CHECKS = { name: 'ACTIVE_SIDE_HEALTH_CHECKS', what: "the health check id of each cluster's failover record" } as const satisfies LambdaSetting;
