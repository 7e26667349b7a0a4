# shellcheck shell=bash
# Shared by lab.sh and kafka-run.sh: defaults, paths, and everything that depends on
# the Kafka version (jars, logging backend, tool main classes).

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Newest 3.9.x on Maven Central when this was written; 4.x (e.g. 4.1.1) works too.
DEFAULT_KAFKA_VERSION=3.9.2
LAB_CACHE="${LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-dr-lab}"
LAB_STATE="${LAB_STATE:-$LAB_DIR/.state}"
mkdir -p "$LAB_CACHE"
LAB_CACHE="$(cd "$LAB_CACHE" && pwd)"
# Absolute, so the paths in lab.json and the process markers are unambiguous.
LAB_STATE="$(mkdir -p "$LAB_STATE" && cd "$LAB_STATE" && pwd)"

# Recorded at first `up` (version, ports, ...); present only while the lab exists.
STATE_ENV="$LAB_STATE/state.env"

die() { echo "lab: $*" >&2; exit 1; }
note() { echo "lab: $*" >&2; }

# The version of the lab that exists, else the one asked for, else the default.
effective_kafka_version() {
  if [[ -f $STATE_ENV ]]; then
    (source "$STATE_ENV" && echo "$KAFKA_VERSION")
  else
    echo "${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
  fi
}

kafka_major() { echo "${1%%.*}"; }

libs_dir() { echo "$LAB_CACHE/kafka-$1/libs"; }

# Kafka 3.x logs through slf4j -> reload4j (log4j 1 API); 4.x through log4j2.
logging_backend() {
  if (( $(kafka_major "$1") >= 4 )); then echo log4j2; else echo log4j1; fi
}

# Resolve Kafka's jars from Maven Central once per version into the cache.
# A marker file is written last, so an interrupted download is redone.
ensure_libs() {
  local version=$1 dir
  dir="$LAB_CACHE/kafka-$version"
  [[ -f $dir/.complete ]] && return 0
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "KAFKA_VERSION must look like 3.9.2 or 4.1.1, not '$version'"
  command -v mvn >/dev/null || die "Maven (mvn) is needed to download Kafka $version's jars"
  note "resolving Apache Kafka $version jars from Maven Central (first time only)..."
  rm -rf "$dir" && mkdir -p "$dir"
  if ! mvn -q -B -f "$LAB_DIR/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$version" -Dlab.logging="$(logging_backend "$version")" \
      -DoutputDirectory="$dir/libs" >"$dir/mvn.log" 2>&1; then
    cat "$dir/mvn.log" >&2
    rm -rf "$dir"
    die "could not resolve org.apache.kafka:kafka_2.13:$version from Maven Central (KAFKA_VERSION=$version)"
  fi
  touch "$dir/.complete"
}

# The JVM flag pointing the version's logging backend at our config.
# $1: version, $2: "server" (INFO to stdout) or "tools" (WARN to stderr).
java_log_opts() {
  local kind=$2
  if [[ $(logging_backend "$1") == log4j2 ]]; then
    echo "-Dlog4j2.configurationFile=$LAB_DIR/config/log4j2-$kind.properties"
  else
    echo "-Dlog4j.configuration=file:$LAB_DIR/config/log4j-$kind.properties"
  fi
}

# Short names for the CLI tools; the classes moved between Kafka versions.
tool_main_class() {
  local version=$1 name=$2
  case $name in
    topics) echo org.apache.kafka.tools.TopicCommand ;;
    configs) echo kafka.admin.ConfigCommand ;;
    console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
    consumer-perf-test) echo org.apache.kafka.tools.ConsumerPerformance ;;
    producer-perf-test) echo org.apache.kafka.tools.ProducerPerformance ;;
    storage) echo kafka.tools.StorageTool ;;
    console-producer)
      # Rewritten in Java and moved to the tools module in 4.0.
      if (( $(kafka_major "$version") >= 4 )); then echo org.apache.kafka.tools.ConsoleProducer
      else echo kafka.tools.ConsoleProducer; fi ;;
    *) echo "$name" ;;  # already a class name
  esac
}
