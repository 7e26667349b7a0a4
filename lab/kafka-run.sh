#!/usr/bin/env bash
# Run a Kafka CLI tool with the lab's jars (the version of the lab in $LAB_STATE, else
# KAFKA_VERSION, else the default). CLASS is a main class or one of these short names,
# which map to the right class for the version:
#   topics, configs, console-producer, console-consumer, consumer-groups, get-offsets, storage,
#   consumer-perf-test, producer-perf-test
# KAFKA_RUN_JVM_OPTS replaces the JVM flags (default: C1-only JIT, 256 MB heap; a benchmark
# of the Java clients wants the full JIT).
#
#   lab/kafka-run.sh topics --bootstrap-server 127.0.0.1:PORT \
#       --command-config lab/.state/dc1-client.properties --create --topic orders --partitions 3
#   lab/kafka-run.sh console-consumer --bootstrap-server 127.0.0.1:PORT \
#       --topic dc1.checkpoints.internal --from-beginning \
#       --formatter org.apache.kafka.connect.mirror.formatters.CheckpointFormatter
#
# Client settings for dc1 (SASL_SSL): $LAB_STATE/dc1-client.properties, written by `lab.sh up`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if (($# == 0)); then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
version="$(effective_kafka_version)"
ensure_libs "$version"
main="$(tool_main_class "$version" "$1")"
shift
# C1-only JIT and a small heap: CLI tools are short-lived.
read -r -a jvm_opts <<<"${KAFKA_RUN_JVM_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
exec java "${jvm_opts[@]}" "$(java_log_opts "$version" tools)" \
  -cp "$(libs_dir "$version")/*" "$main" "$@"
