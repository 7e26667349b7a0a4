#!/usr/bin/env bash
# kafka-dr local lab: real Kafka, Kafka Connect + MirrorMaker 2 and moto on 127.0.0.1.
#
#   lab.sh up              start what is not running (idempotent), write $LAB_STATE/lab.json
#   lab.sh status [--json] health of every component; exit 0 only if all healthy
#   lab.sh down [--purge]  stop everything and delete the clusters' data, so the next
#                          `up` starts clean; --purge also deletes certificates and logs
#   lab.sh prefetch        only download the jars and the virtualenv (e.g. for CI caches)
#   lab.sh reverse-flow up|down|status
#                          the MM2 flow dc2 -> dc1 that failback needs, on a second Connect
#                          worker bound to dc1; off unless started (`down` stops it too)
#   lab.sh fan-in up|down|status
#                          the fan-in (aggregate) topology's edge site dc3, copied into dc2
#                          beside dc1 by MM2 on the lab's Connect worker; off unless started
#
# Environment: KAFKA_VERSION (default below), LAB_CACHE (downloads), LAB_STATE (runtime
# state, default lab/.state), LAB_DC1_PORT, LAB_DC1_CONTROLLER_PORT, LAB_DC2_PORT,
# LAB_DC2_CONTROLLER_PORT, LAB_CONNECT_PORT, LAB_MOTO_PORT, LAB_REVERSE_CONNECT_PORT, LAB_DC3_PORT,
# LAB_DC3_CONTROLLER_PORT (else
# free ports are picked at first `up` and kept until `down`), LAB_READY_TIMEOUT (seconds
# per component, 90), LAB_BROKERS (brokers in dc1 and in dc2, default 1; fixed at first
# `up` until `down`). See lab/README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

READY_TIMEOUT="${LAB_READY_TIMEOUT:-90}"
STOP_TIMEOUT=20
# Keystore/truststore password. Lab only: the stores protect a throwaway CA on loopback.
STORE_PASSWORD=kafka-dr-lab
CERTS_DIR="$LAB_STATE/certs"
LOGS_DIR="$LAB_STATE/logs"
PIDS_DIR="$LAB_STATE/pids"
CONFIG_DIR="$LAB_STATE/config"
DATA_DIR="$LAB_STATE/data"
VENV="$LAB_CACHE/venv"
# Small heaps and the serial collector: three JVMs share two cores. C1-only JIT makes
# them start faster; the lab's traffic never needs C2's peak throughput.
JAVA_OPTS=(-Xms64m -XX:+UseSerialGC -Djava.awt.headless=true)
# LAB_FULL_JIT=1 keeps C2 for load work (benchmarks): with C1 only, TLS on dc1 saturates a
# core once MM2 fetches thousands of partitions.
[[ ${LAB_FULL_JIT:-0} == 1 ]] || JAVA_OPTS+=(-XX:TieredStopAtLevel=1)
# LAB_JVM_HEAP (default 512m) for estates past 10,000 partitions: a broker's 512 MB heap runs
# out creating 15,000.

export STATE_DIR="$LAB_STATE" CERTS_DIR STORE_PASSWORD

# The interpreter itself, not a version-manager shim (pyenv's costs ~0.2 s a call):
# labctl.py runs in polling loops.
PYTHON="${LAB_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}"
labctl() { "$PYTHON" -S "$LAB_DIR/labctl.py" "$@"; }

# ---------------------------------------------------------------- state

# Pick the version, the ports and the broker count once; they stay fixed until `down`.
init_state() {
  local version=$1 free brokers=${LAB_BROKERS:-1}
  [[ $brokers =~ ^[1-9]$ ]] || die "LAB_BROKERS must be 1 to 9 (brokers in dc1 and in dc2), not '$brokers'"
  read -r -a free <<<"$(labctl free-ports $((9 + 2 * (brokers - 1))))"
  cat >"$STATE_ENV.tmp" <<EOF
KAFKA_VERSION=$version
DC1_PORT=${LAB_DC1_PORT:-${free[0]}}
DC1_CONTROLLER_PORT=${LAB_DC1_CONTROLLER_PORT:-${free[1]}}
DC2_PORT=${LAB_DC2_PORT:-${free[2]}}
DC2_CONTROLLER_PORT=${LAB_DC2_CONTROLLER_PORT:-${free[3]}}
CONNECT_PORT=${LAB_CONNECT_PORT:-${free[4]}}
MOTO_PORT=${LAB_MOTO_PORT:-${free[5]}}
REVERSE_CONNECT_PORT=${LAB_REVERSE_CONNECT_PORT:-${free[6]}}
DC3_PORT=${LAB_DC3_PORT:-${free[7]}}
DC3_CONTROLLER_PORT=${LAB_DC3_CONTROLLER_PORT:-${free[8]}}
DC1_BROKER_PORTS="${free[*]:9:brokers-1}"
DC2_BROKER_PORTS="${free[*]:8+brokers:brokers-1}"
EOF
  mv "$STATE_ENV.tmp" "$STATE_ENV"
}

# A lab created before the reverse flow or the fan-in edge site existed has no ports for
# them: add them, so such a lab gains both without a restart. Callers hold the lock.
ensure_on_demand_ports() {
  local var wanted
  for var in REVERSE_CONNECT_PORT DC3_PORT DC3_CONTROLLER_PORT; do
    [[ -n ${!var:-} ]] && continue
    wanted="LAB_$var"
    printf -v "$var" '%s' "${!wanted:-$(labctl free-ports 1)}"
    echo "$var=${!var}" >>"$STATE_ENV"
    export "${var?}"
  done
}

# Export the recorded state for labctl.py and the templates.
load_state() {
  set -a
  # shellcheck source=/dev/null
  source "$STATE_ENV"
  set +a
  LIBS_DIR="$(libs_dir "$KAFKA_VERSION")"
  DC1_PASSWORD="$(cat "$CERTS_DIR/dc1-admin.password" 2>/dev/null || echo not-generated-yet)"
  export LIBS_DIR DC1_PASSWORD
}

# The broker-only nodes of dc1 and dc2 (components dc1-b2, ...), when LAB_BROKERS > 1.
extra_brokers() { labctl extra-brokers; }

# Ports are fixed while the lab exists; say so when the environment asks for others.
warn_port_overrides() {
  local var brokers
  brokers=$((1 + $(wc -w <<<"${DC1_BROKER_PORTS:-}")))
  if [[ -n ${LAB_BROKERS:-} && $LAB_BROKERS != "$brokers" ]]; then
    note "ignoring LAB_BROKERS=$LAB_BROKERS: this lab has $brokers broker(s) per cluster until 'lab.sh down'"
  fi
  for var in DC1_PORT DC1_CONTROLLER_PORT DC2_PORT DC2_CONTROLLER_PORT CONNECT_PORT MOTO_PORT REVERSE_CONNECT_PORT DC3_PORT DC3_CONTROLLER_PORT; do
    local wanted="LAB_$var"
    if [[ -n ${!wanted:-} && ${!wanted} != "${!var}" ]]; then
      note "ignoring $wanted=${!wanted}: this lab uses ${!var} until 'lab.sh down'"
    fi
  done
}

# A running lab of another version is never touched; a stopped one is discarded.
check_version() {
  local requested=$1 recorded
  [[ -f $STATE_ENV ]] || return 0
  recorded="$(effective_kafka_version)"
  [[ $recorded == "$requested" ]] && return 0
  if [[ -n $(labctl pids --orphans) ]]; then
    die "the running lab is Kafka $recorded but KAFKA_VERSION is $requested: run 'npm run lab:down' first"
  fi
  note "discarding the stopped Kafka $recorded lab's state for Kafka $requested"
  remove_runtime_state
}

remove_runtime_state() {
  rm -rf "$DATA_DIR" "$CONFIG_DIR" "$PIDS_DIR" "$STATE_ENV" \
    "$LAB_STATE/lab.json" "$LAB_STATE/lab.env" "$LAB_STATE"/dc?-client.properties
}

# ---------------------------------------------------------------- downloads

# Fail early and clearly rather than in a component's log.
require_tools() {
  local tool java_major
  for tool in java openssl keytool setsid; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (needed: Java 17+, OpenSSL, util-linux)"
  done
  java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  ((${java_major%%.*} >= 17)) || die "Java 17 or newer is needed (Kafka 4 brokers require it); found $java_major"
}

# moto (AWS APIs) and cfn-lint, in a virtualenv reinstalled when requirements.txt changes.
ensure_venv() {
  local want
  want="$(sha256sum "$LAB_DIR/requirements.txt" | cut -c1-16)"
  if [[ -x $VENV/bin/moto_server && $(cat "$VENV/.lab-requirements" 2>/dev/null) == "$want" ]]; then
    return 0
  fi
  note "installing moto[server] and cfn-lint into $VENV (first time only)..."
  [[ -x $VENV/bin/pip ]] || "$PYTHON" -m venv "$VENV"
  if ! "$VENV/bin/pip" install -q -r "$LAB_DIR/requirements.txt" >"$LAB_CACHE/pip.log" 2>&1; then
    tail -n 30 "$LAB_CACHE/pip.log" >&2
    die "pip install into $VENV failed (full log: $LAB_CACHE/pip.log)"
  fi
  echo "$want" >"$VENV/.lab-requirements"
}

# Run commands (each a function call in one string) concurrently; fail if any failed.
# Each reports its own error before exiting.
in_parallel() {
  local pids=() cmd pid rc=0
  for cmd in "$@"; do
    $cmd &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  ((rc == 0)) || exit 1
}

# Both downloads are network-bound and independent: a cold start does them together.
prefetch() { in_parallel "ensure_libs $1" ensure_venv; }

# ---------------------------------------------------------------- certificates

# A throwaway CA and a server certificate for dc1 (SAN localhost + 127.0.0.1), as
# PEM for Node (kafkajs `ssl: { ca: [pem] }`) and PKCS12 stores for Java. Built in a
# temporary directory and moved into place, so a half-made set is never used.
ensure_certs() {
  [[ -f $CERTS_DIR/.complete ]] && return 0
  note "generating the lab CA, dc1's certificate and the admin SCRAM password..."
  local tmp
  tmp="$(mktemp -d "$LAB_STATE/certs.tmp.XXXXXX")"
  if ! (
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kafka-dr lab CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout dc1.key -out dc1.csr
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
      "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth,clientAuth" >dc1.ext
    openssl x509 -req -in dc1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile dc1.ext -out dc1.pem
    openssl pkcs12 -export -name dc1 -in dc1.pem -inkey dc1.key -certfile ca.pem \
      -out dc1-server.p12 -passout "pass:$STORE_PASSWORD"
    # keytool, not openssl: Java only trusts PKCS12 certificate entries it marked itself.
    keytool -importcert -noprompt -alias kafka-dr-lab-ca -file ca.pem \
      -keystore truststore.p12 -storetype PKCS12 -storepass "$STORE_PASSWORD"
    openssl rand -hex 16 >dc1-admin.password
  ) >"$LAB_STATE/certs.log" 2>&1; then
    cat "$LAB_STATE/certs.log" >&2
    rm -rf "$tmp"
    die "could not generate the lab certificates (openssl/keytool output above)"
  fi
  rm -rf "$CERTS_DIR" "$DATA_DIR"  # the old data has the old admin password
  mv "$tmp" "$CERTS_DIR"
  touch "$CERTS_DIR/.complete"
  load_state
}

# ---------------------------------------------------------------- configs

render() { labctl render "$LAB_DIR/config/$1"; }

write_configs() {
  mkdir -p "$CONFIG_DIR" "$LOGS_DIR" "$PIDS_DIR" "$DATA_DIR"
  { render dc1.properties; render kafka-common.properties; } >"$CONFIG_DIR/dc1.properties"
  { render dc2.properties; render kafka-common.properties; } >"$CONFIG_DIR/dc2.properties"
  { render dc3.properties; render kafka-common.properties; } >"$CONFIG_DIR/dc3.properties"
  render connect.properties >"$CONFIG_DIR/connect.properties"
  render dc1-client.properties >"$LAB_STATE/dc1-client.properties"
  render dc2-client.properties >"$LAB_STATE/dc2-client.properties"
  render dc3-client.properties >"$LAB_STATE/dc3-client.properties"
  local broker
  # Broker-only nodes: in node 1's controller quorum, with an id, listener and log dir of their own.
  for broker in $(extra_brokers); do labctl broker-config "$broker" >"$CONFIG_DIR/$broker.properties"; done
}

# ---------------------------------------------------------------- processes

java_tool() {
  java "${JAVA_OPTS[@]}" -Xmx256m "$(java_log_opts "$KAFKA_VERSION" tools)" -cp "$LIBS_DIR/*" "$@"
}

# KRaft storage is formatted once per data dir. dc1's admin SCRAM credential goes into
# the bootstrap metadata here, so no broker has to be up to create it.
# A broker-only node takes its cluster's id from node 1's storage, formatted before it.
format_cluster() {
  local name=$1 dir="$DATA_DIR/$1" log="$LOGS_DIR/$1.log" args cluster_id
  [[ -f $dir/meta.properties ]] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  if [[ $name == *-b* ]]; then
    cluster_id="$(sed -n 's/^cluster.id=//p' "$DATA_DIR/${name%%-b*}/meta.properties")"
  else
    cluster_id="$(labctl cluster-id)"
  fi
  args=(format --cluster-id "$cluster_id" --config "$CONFIG_DIR/$name.properties")
  if [[ $name == dc1 ]]; then
    args+=(--add-scram "SCRAM-SHA-512=[name=admin,password=$DC1_PASSWORD]")
  fi
  echo "===== $(date '+%F %T') lab.sh: formatting $name storage =====" >>"$log"
  java_tool kafka.tools.StorageTool "${args[@]}" >>"$log" 2>&1 \
    || fail_component "$name" "kafka-storage format failed"
}

# Start detached in its own session, output to its log, PID recorded. The marker
# variables let labctl.py tell our processes from anything else (marker_component).
launch() {
  local name=$1; shift
  echo "===== $(date '+%F %T') lab.sh: starting $name (Kafka $KAFKA_VERSION) =====" >>"$LOGS_DIR/$name.log"
  KAFKA_DR_LAB_STATE="$LAB_STATE" KAFKA_DR_LAB_COMPONENT="$name" \
    setsid nohup "$@" >>"$LOGS_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS_DIR/$name.pid"
}

start_java() {
  local name=$1 main=$2; shift 2
  # The -D only makes `ps` show which JVM is which.
  launch "$name" java "${JAVA_OPTS[@]}" "-Xmx${LAB_JVM_HEAP:-512m}" "-Dkafka.dr.lab.component=$name" \
    "$(java_log_opts "$KAFKA_VERSION" server)" -cp "$LIBS_DIR/*" "$main" "$@"
}

start_component() {
  local name=$1
  if labctl alive "$name"; then return 0; fi
  case $name in
    dc1 | dc2 | dc3 | dc[12]-b*) start_java "$name" kafka.Kafka "$CONFIG_DIR/$name.properties" ;;
    connect | reverse-connect) start_java "$name" org.apache.kafka.connect.cli.ConnectDistributed "$CONFIG_DIR/$name.properties" ;;
    # Its request recorder (off until asked: the cost model turns it on) writes into the lab's state.
    moto) MOTO_RECORDER_FILEPATH="$LAB_STATE/moto-recording.jsonl" launch moto "$VENV/bin/python" "$LAB_DIR/moto_server.py" -H 127.0.0.1 -p "$MOTO_PORT" ;;
  esac
}

fail_component() {
  local name=$1 reason=$2 log="$LOGS_DIR/$1.log"
  {
    echo "lab: $name failed to start: $reason"
    # A dying JVM logs its shutdown last; the cause is usually the first ERROR.
    if [[ -f $log ]] && awk '/===== .* lab.sh: /{n=NR} END{exit !n}' "$log"; then
      awk '/===== .* lab.sh: /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$log" |
        grep -E ' (ERROR|FATAL) ' | head -n 5 | cut -c1-400 | sed 's/^/lab: first errors: /' || true
    fi
    echo "lab: read its log: $log (last 30 lines below)"
    tail -n 30 "$log" 2>/dev/null | sed 's/^/    /'
    echo "lab: other components may still be running: 'npm run lab:status', 'npm run lab:down'"
  } >&2
  exit 1
}

# Poll a readiness probe until it passes, the process dies, or the timeout.
wait_ready() {
  local name=$1 deadline=$((SECONDS + READY_TIMEOUT))
  until labctl probe "$name" 2>/dev/null; do
    labctl alive "$name" || fail_component "$name" "the process exited"
    if ((SECONDS >= deadline)); then
      labctl probe -v "$name" || true
      fail_component "$name" "not ready after ${READY_TIMEOUT}s"
    fi
    sleep 1
  done
}

# Create/update a flow's MM2 connectors over the REST API of its worker (and resume or
# restart them if a test left them paused or failed), then wait until they and their
# tasks run. The worker answers 409 while it is still joining its group: retry.
# $1: forward (dc1 -> dc2, worker `connect`), reverse (dc2 -> dc1, `reverse-connect`) or edge (dc3 -> dc2, `connect`).
ensure_connectors() {
  local flow=$1 worker=connect deadline=$((SECONDS + READY_TIMEOUT)) rc failed_for=0
  [[ $flow == reverse ]] && worker=reverse-connect
  until labctl connectors-apply --flow "$flow"; do
    ((SECONDS < deadline)) || fail_component "$worker" "the Connect REST API kept refusing the MM2 connector configs"
    sleep 2
  done
  while true; do
    rc=0
    labctl connectors-check --flow "$flow" || rc=$?
    ((rc == 0)) && return 0
    # FAILED can linger for a moment after a restart; fail only if it persists.
    if ((rc == 3)) && ((++failed_for >= 5)); then
      labctl connectors-check --flow "$flow" -v || true
      fail_component "$worker" "an MM2 connector or task FAILED (trace above)"
    fi
    ((rc == 3)) || failed_for=0
    ((SECONDS < deadline)) || { labctl status || true; fail_component "$worker" "MM2 connectors not all RUNNING after ${READY_TIMEOUT}s"; }
    sleep 1
  done
}

# Stop our processes: SIGTERM, then SIGKILL after STOP_TIMEOUT. Arguments go to
# `labctl pids`, which only ever lists processes carrying this lab's marker.
stop_processes() {
  local pids deadline=$((SECONDS + STOP_TIMEOUT))
  pids="$(labctl pids "$@")"
  [[ -n $pids ]] || return 0
  local what=() arg
  for arg in "$@"; do [[ $arg == --orphans ]] || what+=("$arg"); done
  note "stopping ${what[*]:-all lab processes} (pid $pids)"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  while pids="$(labctl pids "$@")" && [[ -n $pids ]]; do
    if ((SECONDS >= deadline)); then
      note "still running after ${STOP_TIMEOUT}s, killing pid $pids"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local requested="${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}" t0=$SECONDS
  check_version "$requested"
  if [[ ! -f $STATE_ENV ]]; then
    # Processes without a state.env cannot be reused (their ports are unknown).
    stop_processes --orphans
    remove_runtime_state
    init_state "$requested"
  fi
  load_state
  ensure_on_demand_ports
  warn_port_overrides
  if labctl status --quiet; then  # already up and healthy: nothing to do
    labctl write-contract
    labctl status
    return 0
  fi
  require_tools
  prefetch "$KAFKA_VERSION"
  ensure_certs
  write_configs
  in_parallel "format_cluster dc1" "format_cluster dc2"
  local broker extra formats=()
  extra="$(extra_brokers)"
  for broker in $extra; do formats+=("format_cluster $broker"); done
  ((${#formats[@]} == 0)) || in_parallel "${formats[@]}"
  # The brokers and moto are independent: start them together, then wait.
  for broker in dc1 dc2 $extra; do start_component "$broker"; done
  start_component moto
  for broker in dc1 dc2 $extra; do wait_ready "$broker"; done
  start_component connect  # its internal topics live on dc2
  wait_ready connect
  ensure_connectors forward
  wait_ready moto
  labctl write-contract
  labctl status || true
  note "up in $((SECONDS - t0))s; contract: $LAB_STATE/lab.json (shell: source $LAB_STATE/lab.env)"
}

cmd_status() {
  if [[ ! -f $STATE_ENV ]]; then
    if [[ ${1:-} == --json ]]; then
      echo '{"health": {"healthy": false, "error": "the lab is down"}}'
    else
      echo "kafka-dr lab: down (nothing in $LAB_STATE); start it with 'npm run lab:up'"
    fi
    exit 1
  fi
  load_state
  labctl status "$@"
}

cmd_down() {
  local purge=false
  case ${1:-} in
    --purge) purge=true ;;
    "") ;;
    *) die "usage: lab.sh down [--purge]" ;;
  esac
  # --orphans: also ours by marker whose PID file was lost. The Connect workers go first,
  # so they do not spend their shutdown retrying brokers that are already gone.
  stop_processes --orphans connect reverse-connect
  # Broker-only nodes before node 1: their controlled shutdown needs its controller.
  if [[ -f $STATE_ENV ]]; then
    load_state
    local brokers
    brokers="$(extra_brokers)"
    # shellcheck disable=SC2086
    [[ -z $brokers ]] || stop_processes --orphans $brokers
  fi
  stop_processes --orphans moto dc1 dc2 dc3
  stop_processes --orphans
  remove_runtime_state
  if $purge; then
    rm -rf "$LAB_STATE"
    note "down; state purged ($LAB_STATE)"
  else
    note "down; cluster data deleted (certificates and logs kept in $LAB_STATE)"
  fi
}

# An on-demand part's command (up|down|status) on this lab: with the lab down there is
# nothing to stop and nothing running (exits), and nothing can start.
on_demand_state() {
  local action=$1 usage=$2 what=$3
  case $action in up | down | status) ;; *) die "usage: $usage" ;; esac
  if [[ ! -f $STATE_ENV ]]; then
    [[ $action == down ]] && exit 0
    [[ $action == status ]] && { echo "$what: off (the lab is down)"; exit 1; }
    die "the lab is down: start it first with 'npm run lab:up'"
  fi
  load_state
}

# The reverse flow dc2 -> dc1 (failback), on demand: a Connect worker of its own, bound to
# dc1 because MM2 runs beside its target cluster, with the connectors of
# lab/connectors/*-dc2-dc1.json. `down` deletes the connectors, then stops the worker.
cmd_reverse_flow() {
  local action=${1:-}
  on_demand_state "$action" "lab.sh reverse-flow up|down|status" "reverse flow dc2 -> dc1"
  case $action in
    up)
      local t0=$SECONDS
      ensure_on_demand_ports
      { labctl probe dc1 && labctl probe dc2; } || die "dc1 or dc2 does not answer: check 'npm run lab:status', then 'npm run lab:up'"
      labctl reverse-worker-config >"$CONFIG_DIR/reverse-connect.properties"
      start_component reverse-connect
      wait_ready reverse-connect
      ensure_connectors reverse
      labctl write-contract
      note "reverse flow dc2 -> dc1 up in $((SECONDS - t0))s ($LAB_STATE/lab.json: reverseConnect)"
      ;;
    down)
      if labctl alive reverse-connect; then
        local deadline=$((SECONDS + READY_TIMEOUT))
        # Deleted, not only stopped with their worker: the worker's config topic on dc1
        # would bring them back at its next start.
        until labctl connectors-delete --flow reverse; do
          ((SECONDS < deadline)) || { note "could not delete the reverse flow's connectors; stopping their worker anyway"; break; }
          sleep 2
        done
      fi
      stop_processes --orphans reverse-connect
      ;;
    status) labctl reverse-status ;;
  esac
}

# The fan-in edge site dc3, on demand: its broker (formatted fresh, so every `up` starts
# from an empty dc3) and the connectors of lab/connectors/*-dc3-dc2.json on the lab's
# Connect worker. `down` deletes the connectors, stops dc3 and deletes its data; the
# replicas it left on dc2 ("dc3.*") are the caller's to delete.
cmd_fan_in() {
  local action=${1:-}
  on_demand_state "$action" "lab.sh fan-in up|down|status" "fan-in dc3 -> dc2"
  case $action in
    up)
      local t0=$SECONDS
      ensure_on_demand_ports
      { labctl probe dc2 && labctl probe connect; } || die "dc2 or its Connect worker does not answer: check 'npm run lab:status', then 'npm run lab:up'"
      write_configs
      format_cluster dc3
      start_component dc3
      wait_ready dc3
      ensure_connectors edge
      labctl write-contract
      note "fan-in edge site dc3 -> dc2 up in $((SECONDS - t0))s ($LAB_STATE/lab.json: edge)"
      ;;
    down)
      if labctl alive connect; then
        local deadline=$((SECONDS + READY_TIMEOUT))
        # Deleted, not left behind: the worker's config topic would bring them back.
        until labctl connectors-delete --flow edge; do
          ((SECONDS < deadline)) || { note "could not delete the fan-in flow's connectors; stopping dc3 anyway"; break; }
          sleep 2
        done
      fi
      stop_processes --orphans dc3
      rm -rf "${DATA_DIR:?}/dc3"
      ;;
    status) labctl edge-status ;;
  esac
}

cmd_prefetch() {
  local version="${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
  prefetch "$version"
  note "cached: $(libs_dir "$version") and $VENV"
}

# One `up`/`down` at a time per state dir (test runners may start several at once).
# Launched processes get fd 9 closed, so they never hold the lock.
lock() {
  exec 9>"$LAB_STATE/.lock"
  if ! flock -w 300 9; then die "another lab.sh up/down still runs on $LAB_STATE"; fi
}

case ${1:-} in
  up) shift; lock; cmd_up "$@" ;;
  status) shift; cmd_status "$@" ;;
  down) shift; lock; cmd_down "$@" ;;
  prefetch) shift; cmd_prefetch "$@" ;;
  reverse-flow)
    shift
    # status only reads; up and down change what runs: one at a time, like up and down.
    [[ ${1:-} == status ]] || lock
    cmd_reverse_flow "$@" ;;
  fan-in)
    shift
    [[ ${1:-} == status ]] || lock
    cmd_fan_in "$@" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
