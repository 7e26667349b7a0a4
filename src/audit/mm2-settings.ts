// The checklist items MM2's own connector settings decide, read from Connect's REST API
// (GET /connectors/<name>/config): what a setting left at Kafka's default costs in a failover.
// Defaults are MirrorMaker 2's (MirrorSourceConfig, MirrorCheckpointConfig, Kafka 3.x).
import type { Flow } from '#src/flow';
import type { Finding } from './finding';

export type ConnectorConfig = Record<string, string>;

export interface Mm2Configs {
  source: ConnectorConfig;
  checkpoint: ConnectorConfig;
}

/** Codecs the design advises on the replication producer: cheap on CPU, good on text. */
const ADVISED_COMPRESSION = ['lz4', 'zstd'];
/** MM2 emits an offset sync when the source and target offsets drift this far (offset.lag.max, default 100): at most this many records re-read per partition. */
const OFFSET_LAG_MAX_DEFAULT = 100;
/** A checkpoint older than this after an unplanned failover means that much consumption read again. */
const CHECKPOINT_INTERVAL_WARNING_S = 60;
/** Below this the interval costs little; between the two, say so. */
const CHECKPOINT_INTERVAL_INFO_S = 10;
const GROUP_SYNC_INTERVAL_INFO_S = 60;
const PLAINTEXT = ['PLAINTEXT', 'SASL_PLAINTEXT'];

/** A numeric setting, MM2's default when the connector leaves it out. */
const numberOf = (config: ConnectorConfig, key: string, fallback: number) => Number(config[key] ?? fallback);

export function mm2SettingFindings(flow: Flow, connectors: Flow['mm2']['connectors'], configs: Mm2Configs): Finding[] {
  const findings: Finding[] = [];
  const add = (f: Omit<Finding, 'flow'>) => findings.push({ flow: flow.name, ...f });
  const { source, checkpoint } = configs;

  const compression = source['producer.override.compression.type'];
  if (!compression || compression === 'none') {
    add({
      id: 'mm2-compression-off',
      severity: 'warning',
      subject: connectors.source,
      evidence: compression ? 'producer.override.compression.type=none' : "producer.override.compression.type is not set: the Connect worker's producer.compression.type applies (Kafka's default: none)",
      fix: `set producer.override.compression.type=zstd (or lz4) on connector ${connectors.source}, or producer.compression.type on the Connect workers: the link carries fewer bytes at the same rate`,
    });
  } else if (!ADVISED_COMPRESSION.includes(compression)) {
    add({
      id: 'mm2-compression-slow',
      severity: 'info',
      subject: connectors.source,
      evidence: `producer.override.compression.type=${compression}`,
      fix: `prefer ${ADVISED_COMPRESSION.join(' or ')}: they compress about as well for less CPU`,
    });
  }

  const protocol = source['source.cluster.security.protocol'] ?? 'PLAINTEXT';
  if (PLAINTEXT.includes(protocol)) {
    add({
      id: 'mm2-cross-dc-plaintext',
      severity: 'critical',
      subject: connectors.source,
      evidence: `source.cluster.security.protocol=${protocol}${source['source.cluster.security.protocol'] ? '' : ' (the default)'}: records cross between datacenters unencrypted`,
      fix: `serve ${flow.source}'s listener over TLS and set source.cluster.security.protocol=SSL or SASL_SSL on connector ${connectors.source}`,
    });
  }

  const offsetLagMax = numberOf(source, 'offset.lag.max', OFFSET_LAG_MAX_DEFAULT);
  if (offsetLagMax > OFFSET_LAG_MAX_DEFAULT) {
    add({
      id: 'mm2-offset-syncs-coarse',
      severity: 'warning',
      subject: connectors.source,
      evidence: `offset.lag.max=${offsetLagMax}: offset syncs as far as ${offsetLagMax} records apart`,
      fix: `lower offset.lag.max on connector ${connectors.source} to ${OFFSET_LAG_MAX_DEFAULT} or less: a translated group may re-read up to that many records per partition`,
    });
  }

  if (checkpoint['emit.checkpoints.enabled'] === 'false') {
    add({
      id: 'mm2-checkpoints-off',
      severity: 'critical',
      subject: connectors.checkpoint,
      evidence: 'emit.checkpoints.enabled=false: no group is checkpointed on the target',
      fix: `set emit.checkpoints.enabled=true on connector ${connectors.checkpoint}: an unplanned failover translates offsets from checkpoints and has nothing to move groups to`,
    });
  } else {
    const interval = numberOf(checkpoint, 'emit.checkpoints.interval.seconds', 60);
    if (interval > CHECKPOINT_INTERVAL_INFO_S) {
      add({
        id: 'mm2-checkpoint-interval',
        severity: interval > CHECKPOINT_INTERVAL_WARNING_S ? 'warning' : 'info',
        subject: connectors.checkpoint,
        evidence: `emit.checkpoints.interval.seconds=${interval}${checkpoint['emit.checkpoints.interval.seconds'] ? '' : ' (the default)'}`,
        fix: `lower emit.checkpoints.interval.seconds on connector ${connectors.checkpoint} (to ${CHECKPOINT_INTERVAL_INFO_S} or less): after an unplanned failover, groups may re-read up to ${interval} s of what they had consumed`,
      });
    }
  }

  const groupSync = numberOf(checkpoint, 'sync.group.offsets.interval.seconds', 60);
  if (checkpoint['sync.group.offsets.enabled'] === 'true' && groupSync > GROUP_SYNC_INTERVAL_INFO_S) {
    add({
      id: 'mm2-group-sync-interval',
      severity: 'info',
      subject: connectors.checkpoint,
      evidence: `sync.group.offsets.enabled=true, sync.group.offsets.interval.seconds=${groupSync}`,
      fix: `kafka-dr syncs groups itself at failover; if clients move without it, lower sync.group.offsets.interval.seconds on connector ${connectors.checkpoint}`,
    });
  }
  return findings;
}
