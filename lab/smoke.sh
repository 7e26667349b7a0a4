#!/usr/bin/env bash
# End-to-end check of a running lab (`lab.sh up` first), with Kafka's own CLI tools:
#   - topic `orders` (3 partitions) on dc1 over SASL_SSL, records with keys and headers
#   - MM2 copies them to `dc1.orders` on dc2, byte for byte (keys and headers too)
#   - heartbeats emitted into dc1 arrive on dc2 as `dc1.heartbeats`
#   - a consumer group g1 committing on dc1 gets a checkpoint in dc2's `dc1.checkpoints.internal`
#   - MM2's offset-syncs topic `mm2-offset-syncs.dc2.internal` exists on dc1
# Safe to re-run: the topic and the group are reused.
set -euo pipefail
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_STATE="${LAB_STATE:-$LAB_DIR/.state}"
[[ -f $LAB_STATE/lab.env ]] || { echo "smoke: the lab is not up (no $LAB_STATE/lab.env)" >&2; exit 1; }
# shellcheck source=/dev/null
source "$LAB_STATE/lab.env"
run() { "$LAB_DIR/kafka-run.sh" "$@"; }
DC1=(--bootstrap-server "$LAB_DC1_BOOTSTRAP")
DC2=(--bootstrap-server "$LAB_DC2_BOOTSTRAP")
step() { echo; echo "== $*"; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

# Consume up to N records, giving up after 60 s; prints them.
consume() {  # cluster-args-name topic count [extra args...]
  local -n where=$1
  local topic=$2 count=$3
  shift 3
  run console-consumer "${where[@]}" --topic "$topic" --from-beginning \
    --max-messages "$count" --timeout-ms 60000 "$@" 2>/dev/null || true
}

step "create topic orders on dc1 (3 partitions)"
run topics "${DC1[@]}" --command-config "$LAB_DC1_CLIENT_PROPERTIES" \
  --create --if-not-exists --topic orders --partitions 3 --replication-factor 1
run topics "${DC1[@]}" --command-config "$LAB_DC1_CLIENT_PROPERTIES" --describe --topic orders

step "produce 10 records to dc1 orders (key, value and a header)"
for i in $(seq 1 10); do printf 'trace:t-%s\torder-%s:{"id":%s}\n' "$i" "$i" "$i"; done |
  run console-producer "${DC1[@]}" --producer.config "$LAB_DC1_CLIENT_PROPERTIES" --topic orders \
    --property parse.key=true --property key.separator=: --property parse.headers=true

step "dc1.orders on dc2 has the records (MirrorSourceConnector)"
out="$(consume DC2 dc1.orders 10 --property print.key=true --property print.headers=true)"
echo "$out"
[[ $(grep -c 'order-' <<<"$out") -ge 10 ]] || fail "dc1.orders on dc2 did not receive 10 records"
grep -q 'trace:t-1' <<<"$out" || fail "headers were not replicated"

step "dc1.heartbeats on dc2 receives heartbeats (MirrorHeartbeatConnector -> dc1, replicated)"
out="$(consume DC2 dc1.heartbeats 3 --formatter org.apache.kafka.connect.mirror.formatters.HeartbeatFormatter)"
echo "$out"
[[ -n $out ]] || fail "no heartbeats in dc1.heartbeats on dc2"

step "consumer group g1 reads orders on dc1 and commits"
run console-consumer "${DC1[@]}" --consumer.config "$LAB_DC1_CLIENT_PROPERTIES" --topic orders \
  --group g1 --from-beginning --max-messages 10 --timeout-ms 60000 >/dev/null 2>&1 || true
run consumer-groups "${DC1[@]}" --command-config "$LAB_DC1_CLIENT_PROPERTIES" --describe --group g1 2>/dev/null

step "checkpoint for g1 in dc1.checkpoints.internal on dc2 (MirrorCheckpointConnector)"
out=""
for _ in 1 2 3; do  # the connector notices new groups every refresh.groups.interval.seconds
  out="$(consume DC2 dc1.checkpoints.internal 3 --formatter org.apache.kafka.connect.mirror.formatters.CheckpointFormatter)"
  grep -q 'g1' <<<"$out" && break
done
echo "$out"
grep -q 'g1' <<<"$out" || fail "no checkpoint for g1"

step "mm2-offset-syncs.dc2.internal exists on dc1"
topics="$(run topics "${DC1[@]}" --command-config "$LAB_DC1_CLIENT_PROPERTIES" --list)"
echo "$topics"
grep -qx 'mm2-offset-syncs.dc2.internal' <<<"$topics" || fail "mm2-offset-syncs.dc2.internal missing on dc1"

step "topics on dc2"
run topics "${DC2[@]}" --list

echo
echo "smoke: OK (Kafka $LAB_KAFKA_VERSION)"
