// MM2's toString() of its records, which its console formatters print: decoded records
// rendered this way compare line for line with MM2's own output.
import type { Checkpoint, Heartbeat, OffsetSync } from '#src/mm2/records';

export const formatCheckpoint = (c: Checkpoint) =>
  `Checkpoint{consumerGroupId=${c.group}, topicPartition=${c.topic}-${c.partition}, upstreamOffset=${c.upstreamOffset}, downstreamOffset=${c.downstreamOffset}, metadata=${c.metadata}}`;

export const formatOffsetSync = (s: OffsetSync) =>
  `OffsetSync{topicPartition=${s.topic}-${s.partition}, upstreamOffset=${s.upstreamOffset}, downstreamOffset=${s.downstreamOffset}}`;

export const formatHeartbeat = (h: Heartbeat) => `Heartbeat{sourceClusterAlias=${h.sourceAlias}, targetClusterAlias=${h.targetAlias}, timestamp=${h.timestamp}}`;

