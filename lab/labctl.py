#!/usr/bin/env python3
"""Helpers for lab.sh that are easier in Python than in bash: free ports, template
rendering, Kafka protocol probes (TLS + SCRAM login, like kafkajs does), the Connect
REST calls, process ownership checks, health and the lab.json contract.

Inputs come from the environment that lab.sh exports (ports from state.env, paths).
Standard library only: it runs before the lab's virtualenv exists. lab.sh runs it
with `python -S` and it imports ssl/urllib lazily, because it is called in polling loops.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import string
import struct
import sys
import uuid

LAB_DIR = os.path.dirname(os.path.abspath(__file__))

# role -> (connector name, tasks it must have to count as healthy). The checkpoint
# connector legitimately has no task until dc1 has a consumer group to checkpoint.
CONNECTORS = {
    "source": ("mm2-source-dc1-dc2", 1),
    "checkpoint": ("mm2-checkpoint-dc1-dc2", 0),
    "heartbeat": ("mm2-heartbeat-dc1-dc2", 1),
    # The same flow under IdentityReplicationPolicy, for topics "ident-*" only, so tests
    # prove kafka-dr with both of MM2's naming policies.
    "identitySource": ("mm2-identity-source-dc1-dc2", 1),
}
# The reverse flow dc2 -> dc1 that failback needs, on a Connect worker of its own bound to
# dc1; started only on demand (lab.sh reverse-flow up), so it is not part of the lab's health.
REVERSE_CONNECTORS = {
    "source": ("mm2-source-dc2-dc1", 1),
    "checkpoint": ("mm2-checkpoint-dc2-dc1", 0),
    "heartbeat": ("mm2-heartbeat-dc2-dc1", 1),
}
# The fan-in (aggregate) topology's second source: the edge site dc3 copied into dc2 beside
# dc1, on the lab's Connect worker (bound to dc2, the flow's target); started only on demand
# (lab.sh fan-in up).
EDGE_CONNECTORS = {
    "source": ("mm2-source-dc3-dc2", 1),
    "checkpoint": ("mm2-checkpoint-dc3-dc2", 0),
    "heartbeat": ("mm2-heartbeat-dc3-dc2", 1),
}
# flow -> (the Connect worker that runs it, its connectors)
FLOWS = {"forward": ("connect", CONNECTORS), "reverse": ("reverse-connect", REVERSE_CONNECTORS), "edge": ("connect", EDGE_CONNECTORS)}
COMPONENTS = ("dc1", "dc2", "connect", "moto")
OPTIONAL_COMPONENTS = ("reverse-connect", "dc3")
# dc1 and dc2 are one combined (broker + controller) node each, unless `LAB_BROKERS=N up`
# made them N: broker-only nodes "dc1-b2" ... "dc1-bN" join node 1's quorum, so an estate of
# more partitions than one process may hold open files for spreads over several.
CLUSTER_PORTS = {"dc1": "DC1_BROKER_PORTS", "dc2": "DC2_BROKER_PORTS"}
WORKER_PORTS = {"connect": "CONNECT_PORT", "reverse-connect": "REVERSE_CONNECT_PORT"}
# The reverse worker is the lab's Connect worker (config/connect.properties) bound to dc1:
# MM2 runs beside its target cluster (remote consume, local produce), so the worker running
# dc2 -> dc1 belongs to dc1 and its connectors' producers write there. Its internal topics
# are named as dedicated MM2 names them: "*.internal" topics are MM2-internal, so the
# forward flow never copies them to dc2.
REVERSE_WORKER = {
    "group.id": "kafka-dr-lab-reverse-connect",
    "config.storage.topic": "mm2-configs.dc2.internal",
    "offset.storage.topic": "mm2-offsets.dc2.internal",
    "status.storage.topic": "mm2-status.dc2.internal",
    "listeners": "http://127.0.0.1:${REVERSE_CONNECT_PORT}",
    "rest.advertised.port": "${REVERSE_CONNECT_PORT}",
}
MARKER_STATE = "KAFKA_DR_LAB_STATE"
MARKER_COMPONENT = "KAFKA_DR_LAB_COMPONENT"


def extra_brokers():
    """component -> (cluster, port) of the broker-only nodes, in node-id order."""
    out = {}
    for cluster, var in CLUSTER_PORTS.items():
        for node, port in enumerate(os.environ.get(var, "").split(), start=2):
            out[f"{cluster}-b{node}"] = (cluster, int(port))
    return out


def components():
    return COMPONENTS[:2] + tuple(extra_brokers()) + COMPONENTS[2:]


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"labctl: {name} is not set (lab.sh sets it)")
    return value


# ---------------------------------------------------------------- small utilities

def cmd_free_ports(args):
    """Ask the kernel for N distinct free ports (all held open until every one is chosen)."""
    socks = []
    for _ in range(args.count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def cmd_cluster_id(_args):
    """A KRaft cluster id like kafka-storage random-uuid, without a JVM start."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):  # would be read as a CLI flag
            print(cid)
            return


def render(path):
    """${VAR} substitution from the environment; a missing variable is an error."""
    with open(path) as f:
        return string.Template(f.read()).substitute(os.environ)


def cmd_render(args):
    sys.stdout.write(render(args.template))


def properties(text):
    """key -> value of a .properties text (the lab's templates use no line continuations)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def cmd_extra_brokers(_args):
    print("\n".join(extra_brokers()))


def cmd_broker_config(args):
    """Print a broker-only node's properties: its cluster's node 1 config with its own id,
    listener and log dir appended (a later key wins in a .properties file)."""
    brokers = extra_brokers()
    if args.component not in brokers:
        sys.exit(f"labctl: no broker-only node {args.component} in this lab: {', '.join(brokers) or 'none'}")
    cluster, port = brokers[args.component]
    protocol = "SASL_SSL" if cluster == "dc1" else "PLAINTEXT"
    for template in (f"{cluster}.properties", "kafka-common.properties"):
        sys.stdout.write(render(os.path.join(LAB_DIR, "config", template)))
    node = args.component.rsplit("-b", 1)[1]
    print(f"# {args.component}: broker-only node {node} of {cluster} (LAB_BROKERS)")
    for key, value in {"node.id": node, "process.roles": "broker", "listeners": f"{protocol}://127.0.0.1:{port}",
                       "advertised.listeners": f"{protocol}://127.0.0.1:{port}",
                       "log.dirs": os.path.join(env("STATE_DIR"), "data", args.component)}.items():
        print(f"{key}={value}")


def cmd_reverse_worker_config(_args):
    """Print the reverse flow's worker properties, derived from the lab's own templates."""
    dc1 = properties(render(os.path.join(LAB_DIR, "config", "dc1-client.properties")))
    worker = properties(render(os.path.join(LAB_DIR, "config", "connect.properties")))
    # The worker's own clients (group membership, internal topics, admin) log in to dc1,
    worker.update(dc1)
    # and so do its connectors' producers, which Connect configures from "producer.*" only.
    worker.update({f"producer.{k}": v for k, v in dc1.items() if k != "bootstrap.servers"})
    worker.update({k: string.Template(v).substitute(os.environ) for k, v in REVERSE_WORKER.items()})
    print("# Generated by lab.sh reverse-flow up: config/connect.properties bound to dc1 (labctl.py REVERSE_WORKER).")
    for key, value in worker.items():
        print(f"{key}={value}")


# ---------------------------------------------------------------- our processes

def marker_component(pid):
    """The component name if pid is a live process lab.sh started for this state dir.

    lab.sh starts every process with marker variables in its environment, so a
    recycled PID or somebody else's java is never mistaken for ours."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            entries = f.read().split(b"\0")
    except OSError:
        return None
    if f"{MARKER_STATE}={env('STATE_DIR')}".encode() not in entries:
        return None
    prefix = f"{MARKER_COMPONENT}=".encode()
    return next((e[len(prefix):].decode() for e in entries if e.startswith(prefix)), "?")


def is_ours(pid, component):
    return marker_component(pid) == component


def recorded_pid(component):
    try:
        with open(os.path.join(env("STATE_DIR"), "pids", component + ".pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def live_pid(component):
    pid = recorded_pid(component)
    return pid if pid and is_ours(pid, component) else None


def cmd_pids(args):
    """Print our live PIDs for the components (default: all): the recorded ones, and with
    --orphans also any process carrying our marker (PID file lost or stale)."""
    wanted = set(args.components) if args.components else None
    found = {live_pid(c) for c in (wanted or components() + OPTIONAL_COMPONENTS)} - {None}
    if args.orphans:
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                component = marker_component(int(entry))
                if component and (wanted is None or component in wanted):
                    found.add(int(entry))
    print(" ".join(str(p) for p in sorted(found)))


def cmd_alive(args):
    sys.exit(0 if live_pid(args.component) else 1)


# ---------------------------------------------------------------- Kafka protocol probe

def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return buf


class KafkaConn:
    """Just enough of the Kafka wire protocol for ApiVersions and a SCRAM login."""

    def __init__(self, host, port, cafile=None, timeout=5.0):
        sock = socket.create_connection((host, port), timeout=timeout)
        if cafile:
            import ssl

            ctx = ssl.create_default_context(cafile=cafile)  # verifies the SAN too
            sock = ctx.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.correlation = 0

    def request(self, api_key, api_version, body=b""):
        self.correlation += 1
        client_id = b"kafka-dr-lab-probe"
        header = struct.pack(">hhih", api_key, api_version, self.correlation, len(client_id)) + client_id
        msg = header + body
        self.sock.sendall(struct.pack(">i", len(msg)) + msg)
        (size,) = struct.unpack(">i", _recv_exact(self.sock, 4))
        resp = _recv_exact(self.sock, size)
        (correlation,) = struct.unpack(">i", resp[:4])
        if correlation != self.correlation:
            raise ConnectionError("unexpected correlation id")
        return resp[4:]

    def api_versions(self):
        (error,) = struct.unpack(">h", self.request(18, 0)[:2])
        if error:
            raise ConnectionError(f"ApiVersions error code {error}")

    def _sasl_authenticate(self, payload):
        resp = self.request(36, 0, struct.pack(">i", len(payload)) + payload)
        error, msg_len = struct.unpack(">hh", resp[:4])
        pos = 4
        message = ""
        if msg_len >= 0:
            message = resp[pos:pos + msg_len].decode()
            pos += msg_len
        if error:
            raise PermissionError(f"SASL authentication failed (error {error}): {message}")
        (n,) = struct.unpack(">i", resp[pos:pos + 4])
        return resp[pos + 4:pos + 4 + n]

    def scram_sha512_login(self, user, password):
        mechanism = b"SCRAM-SHA-512"
        (error,) = struct.unpack(">h", self.request(17, 1, struct.pack(">h", len(mechanism)) + mechanism)[:2])
        if error:
            raise PermissionError(f"SaslHandshake for SCRAM-SHA-512 refused (error {error})")
        client_nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        first_bare = f"n={user},r={client_nonce}"
        server_first = self._sasl_authenticate(("n,," + first_bare).encode()).decode()
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        nonce, salt, iterations = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
        if not nonce.startswith(client_nonce):
            raise PermissionError("SCRAM: server nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
        client_key = hmac.new(salted, b"Client Key", "sha512").digest()
        without_proof = f"c=biws,r={nonce}"
        auth_message = f"{first_bare},{server_first},{without_proof}".encode()
        signature = hmac.new(hashlib.sha512(client_key).digest(), auth_message, "sha512").digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
        server_final = self._sasl_authenticate(f"{without_proof},p={proof}".encode()).decode()
        server_key = hmac.new(salted, b"Server Key", "sha512").digest()
        expected = base64.b64encode(hmac.new(server_key, auth_message, "sha512").digest()).decode()
        if server_final != "v=" + expected:
            raise PermissionError("SCRAM: bad server signature")

    def close(self):
        self.sock.close()


def probe_cluster(name, port=None):
    """Raise unless the cluster's broker (default: node 1) answers like a client expects
    (dc1: TLS + SCRAM login)."""
    port = port or int(env(f"{name.upper()}_PORT"))
    if name == "dc1":
        conn = KafkaConn("127.0.0.1", port, cafile=os.path.join(env("CERTS_DIR"), "ca.pem"))
        try:
            conn.api_versions()
            conn.scram_sha512_login("admin", env("DC1_PASSWORD"))
        finally:
            conn.close()
    else:
        conn = KafkaConn("127.0.0.1", port)
        try:
            conn.api_versions()
        finally:
            conn.close()


# ---------------------------------------------------------------- HTTP (Connect, moto)

def http(method, url, body=None, timeout=10):
    import urllib.error
    import urllib.request
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def worker_url(component):
    return f"http://127.0.0.1:{env(WORKER_PORTS[component])}"


def moto_url():
    return f"http://127.0.0.1:{env('MOTO_PORT')}"


def probe_worker(component):
    status, _ = http("GET", worker_url(component) + "/connectors", timeout=5)
    if status != 200:
        raise ConnectionError(f"GET /connectors returned HTTP {status}")


def probe_moto():
    status, _ = http("GET", moto_url() + "/moto-api/", timeout=5)
    if status != 200:
        raise ConnectionError(f"GET /moto-api/ returned HTTP {status}")


PROBES = {"dc1": lambda: probe_cluster("dc1"), "dc2": lambda: probe_cluster("dc2"), "dc3": lambda: probe_cluster("dc3"),
          "connect": lambda: probe_worker("connect"), "moto": probe_moto,
          "reverse-connect": lambda: probe_worker("reverse-connect")}


def probe(component):
    extra = extra_brokers().get(component)
    if extra:
        probe_cluster(*extra)
    else:
        PROBES[component]()


def cmd_probe(args):
    if args.component not in components() + OPTIONAL_COMPONENTS:
        sys.exit(f"labctl: no component {args.component} in this lab: {', '.join(components() + OPTIONAL_COMPONENTS)}")
    try:
        probe(args.component)
    except Exception as e:  # any failure just means "not ready (yet)"
        if args.verbose:
            print(f"{args.component}: {e}", file=sys.stderr)
        sys.exit(1)


# ---------------------------------------------------------------- connectors

def connector_config(name):
    return json.loads(render(os.path.join(LAB_DIR, "connectors", name + ".json")))


def cmd_connectors_apply(args):
    """Bring each connector of the flow back to the lab's standard state: PUT its config
    where it is missing or differs (an unchanged PUT would still restart it), resume it in
    case a test or a failover left it paused or stopped, restart it if it failed. Exit 1
    (retry later) while the worker is still joining its group and answers 409/500."""
    component, connectors = FLOWS[args.flow]
    url = worker_url(component)
    for name, min_tasks in connectors.values():
        wanted = connector_config(name)
        status, body = http("GET", f"{url}/connectors/{name}/config")
        if status != 200 or json.loads(body) != dict(wanted, name=name):
            status, body = http("PUT", f"{url}/connectors/{name}/config", wanted, timeout=70)
            if status not in (200, 201):
                print(f"connector {name}: PUT config returned HTTP {status}: {body[:300]}", file=sys.stderr)
                sys.exit(1)
            print(f"connector {name}: {'created' if status == 201 else 'config updated'}", file=sys.stderr)
            continue
        st = connector_status(url, name, min_tasks)
        # Resume whatever the status says: a connector stopped while its cluster was down
        # can report RUNNING long after its target state became STOPPED, and resuming a
        # started connector changes nothing.
        status, body = http("PUT", f"{url}/connectors/{name}/resume")
        if st["state"] in ("PAUSED", "STOPPED"):
            print(f"connector {name}: was {st['state']}, resume -> HTTP {status}", file=sys.stderr)
        if status < 300 and st["failed"]:
            status, body = http("POST", f"{url}/connectors/{name}/restart?includeTasks=true&onlyFailed=true")
            print(f"connector {name}: had FAILED, restart -> HTTP {status}", file=sys.stderr)
        if status >= 300:
            sys.exit(1)


def cmd_connectors_delete(args):
    """DELETE the flow's connectors (an absent one is fine). Exit 1 (retry later) while the
    worker answers 409/500 or cannot be reached."""
    component, connectors = FLOWS[args.flow]
    for name, _ in connectors.values():
        try:
            status, body = http("DELETE", f"{worker_url(component)}/connectors/{name}", timeout=70)
        except OSError as e:
            print(f"connector {name}: DELETE failed: {e}", file=sys.stderr)
            sys.exit(1)
        if status not in (204, 404):
            print(f"connector {name}: DELETE returned HTTP {status}: {body[:300]}", file=sys.stderr)
            sys.exit(1)
        if status == 204:
            print(f"connector {name}: deleted", file=sys.stderr)


def connector_status(url, name, min_tasks):
    """-> dict(state, tasks, healthy, failed, trace)."""
    try:
        status, body = http("GET", f"{url}/connectors/{name}/status", timeout=5)
    except OSError as e:
        return {"state": "UNREACHABLE", "tasks": [], "healthy": False, "failed": False, "trace": str(e)}
    if status != 200:
        return {"state": "MISSING" if status == 404 else f"HTTP {status}", "tasks": [],
                "healthy": False, "failed": False, "trace": ""}
    doc = json.loads(body)
    state = doc["connector"]["state"]
    tasks = [{"id": t["id"], "state": t["state"]} for t in doc.get("tasks", [])]
    traces = [doc["connector"].get("trace", "")] + [t.get("trace", "") for t in doc.get("tasks", [])]
    failed = state == "FAILED" or any(t["state"] == "FAILED" for t in tasks)
    healthy = (state == "RUNNING" and len(tasks) >= min_tasks
               and all(t["state"] == "RUNNING" for t in tasks))
    return {"state": state, "tasks": tasks, "healthy": healthy, "failed": failed,
            "trace": "\n".join(t for t in traces if t)}


def cmd_connectors_check(args):
    """Exit 0 when all the flow's connectors and their tasks run, 1 while not yet, 3 if one FAILED."""
    component, connectors = FLOWS[args.flow]
    ok = True
    for name, min_tasks in connectors.values():
        st = connector_status(worker_url(component), name, min_tasks)
        if st["failed"]:
            if args.verbose:
                print(f"connector {name} FAILED:\n{st['trace'][:3000]}", file=sys.stderr)
            sys.exit(3)
        ok = ok and st["healthy"]
    sys.exit(0 if ok else 1)


# ---------------------------------------------------------------- health, status, contract

def health():
    comps = {}
    for name in components():
        pid = live_pid(name)
        up = False
        error = None if pid else "not running"
        if pid:
            try:
                probe(name)
                up = True
            except Exception as e:
                error = str(e) or type(e).__name__
        comps[name] = {"up": up, "pid": pid, "error": error}
    connectors = flow_connectors("forward", comps["connect"]["up"])
    healthy = all(c["up"] for c in comps.values()) and all(c["healthy"] for c in connectors.values())
    return {"healthy": healthy, "components": comps, "connectors": connectors, "reverseFlow": reverse_flow_health()}


def flow_connectors(flow, worker_up):
    component, connectors = FLOWS[flow]
    out = {}
    for role, (name, min_tasks) in connectors.items():
        if worker_up:
            st = connector_status(worker_url(component), name, min_tasks)
        else:
            st = {"state": "UNKNOWN", "tasks": [], "healthy": False}
        out[name] = {"role": role, "state": st["state"], "tasks": st["tasks"], "healthy": st["healthy"]}
    return out


def probed(component):
    """-> (pid, up, error) of an optional component: one PID check while it is off."""
    pid = live_pid(component)
    if not pid:
        return None, False, "not running"
    try:
        probe(component)
        return pid, True, None
    except Exception as e:
        return pid, False, str(e) or type(e).__name__


def reverse_flow_health():
    """The on-demand reverse flow: "running" once its worker was started, "healthy" when the
    worker answers and every connector and task runs. Costs one PID check while it is off."""
    pid, up, error = probed("reverse-connect")
    connectors = flow_connectors("reverse", up) if pid else {}
    healthy = up and all(c["healthy"] for c in connectors.values())
    return {"running": bool(pid), "healthy": healthy, "pid": pid, "error": error, "connectors": connectors}


def print_connectors(connectors):
    for cname, cs in connectors.items():
        tasks = " ".join(f"{t['id']}={t['state']}" for t in cs["tasks"]) or "(none yet)"
        print(f"    {cname:<26} {cs['state']:<9} tasks: {tasks}")


def print_reverse_flow(rf):
    if not rf["running"]:
        print(f"  {'reverse-connect':<16} off   dc2 -> dc1 flow for failback; start it with: lab.sh reverse-flow up")
        return
    extra = f"pid {rf['pid']}" + (f", {rf['error']}" if rf["error"] else "")
    print(f"  {'reverse-connect':<16} {'up' if rf['error'] is None else 'DOWN':<5} {worker_url('reverse-connect'):<37} {extra}")
    print_connectors(rf["connectors"])


def endpoints():
    return {
        "dc1": f"127.0.0.1:{env('DC1_PORT')} (SASL_SSL, SCRAM-SHA-512)",
        "dc2": f"127.0.0.1:{env('DC2_PORT')} (PLAINTEXT)",
        "connect": worker_url("connect"),
        "moto": moto_url(),
    } | {name: f"127.0.0.1:{port} ({cluster}, broker only)" for name, (cluster, port) in extra_brokers().items()}


def cmd_status(args):
    h = health()
    if args.json:
        doc = {}
        path = os.path.join(env("STATE_DIR"), "lab.json")
        if os.path.exists(path):
            with open(path) as f:
                doc = json.load(f)
        doc["health"] = h
        print(json.dumps(doc, indent=2))
    elif not args.quiet:
        print(f"kafka-dr lab: Kafka {env('KAFKA_VERSION')}, state {env('STATE_DIR')}")
        where = endpoints()
        for name, c in h["components"].items():
            word = "up" if c["up"] else "DOWN"
            extra = f"pid {c['pid']}" if c["pid"] else ""
            if c["error"]:
                extra += (", " if extra else "") + c["error"]
            print(f"  {name:<8} {word:<5} {where[name]:<45} {extra}")
            if name == "connect":
                print_connectors(h["connectors"])
        print_reverse_flow(h["reverseFlow"])
        print("healthy" if h["healthy"] else "NOT healthy")
    sys.exit(0 if h["healthy"] else 1)


def cmd_edge_status(_args):
    """The fan-in edge site dc3 and its flow's connectors; exit 0 only if all of them run."""
    pid, up, error = probed("dc3")
    if not pid:
        print(f"  {'dc3':<16} off   fan-in edge site (dc3 -> dc2); start it with: lab.sh fan-in up")
        print("fan-in dc3 -> dc2: off")
        sys.exit(1)
    print(f"  {'dc3':<16} {'up' if up else 'DOWN':<5} 127.0.0.1:{env('DC3_PORT'):<27} pid {pid}" + (f", {error}" if error else ""))
    connectors = flow_connectors("edge", True)
    print_connectors(connectors)
    healthy = up and all(c["healthy"] for c in connectors.values())
    print("fan-in dc3 -> dc2: " + ("healthy" if healthy else "NOT healthy"))
    sys.exit(0 if healthy else 1)


def cmd_reverse_status(_args):
    """The reverse flow's worker and connectors; exit 0 only if all of them run."""
    rf = reverse_flow_health()
    print_reverse_flow(rf)
    print("reverse flow dc2 -> dc1: " + ("healthy" if rf["healthy"] else "off" if not rf["running"] else "NOT healthy"))
    sys.exit(0 if rf["healthy"] else 1)


def cmd_write_contract(_args):
    """Write lab.json (read by the TypeScript side) and lab.env (same, as shell exports)."""
    state, certs, logs = env("STATE_DIR"), env("CERTS_DIR"), os.path.join(env("STATE_DIR"), "logs")
    dc1 = f"127.0.0.1:{env('DC1_PORT')}"
    dc2 = f"127.0.0.1:{env('DC2_PORT')}"
    lab = {
        "kafkaVersion": env("KAFKA_VERSION"),
        "clusters": {
            "dc1": {
                "bootstrapServers": dc1,
                "brokers": 1 + len(os.environ.get("DC1_BROKER_PORTS", "").split()),
                "securityProtocol": "SASL_SSL",
                "saslMechanism": "SCRAM-SHA-512",
                "username": "admin",
                "password": env("DC1_PASSWORD"),
                "caPemPath": os.path.join(certs, "ca.pem"),
                "logFile": os.path.join(logs, "dc1.log"),
                # For Java clients (CLI tools, MM2 configs):
                "clientPropertiesFile": os.path.join(state, "dc1-client.properties"),
                "truststorePath": os.path.join(certs, "truststore.p12"),
                "truststoreType": "PKCS12",
                "truststorePassword": env("STORE_PASSWORD"),
            },
            "dc2": {
                "bootstrapServers": dc2,
                "brokers": 1 + len(os.environ.get("DC2_BROKER_PORTS", "").split()),
                "securityProtocol": "PLAINTEXT",
                "logFile": os.path.join(logs, "dc2.log"),
                "clientPropertiesFile": os.path.join(state, "dc2-client.properties"),
            },
        },
        "connect": {
            "url": worker_url("connect"),
            "logFile": os.path.join(logs, "connect.log"),
            "connectors": {role: name for role, (name, _) in CONNECTORS.items()},
            # Where the worker group persists its connectors' target states (config/connect.properties).
            "configTopic": {"cluster": "dc2", "topic": "connect-configs"},
        },
        # Present whether or not the reverse flow runs (lab.sh reverse-flow up|down).
        "reverseConnect": {
            "url": worker_url("reverse-connect"),
            "connectors": {role: name for role, (name, _) in REVERSE_CONNECTORS.items()},
            "configTopic": {"cluster": "dc1", "topic": REVERSE_WORKER["config.storage.topic"]},
        },
        # Present whether or not the fan-in edge site runs (lab.sh fan-in up|down).
        "edge": {
            "cluster": {
                "bootstrapServers": f"127.0.0.1:{env('DC3_PORT')}",
                "securityProtocol": "PLAINTEXT",
                "logFile": os.path.join(logs, "dc3.log"),
                "clientPropertiesFile": os.path.join(state, "dc3-client.properties"),
            },
            "connectors": {role: name for role, (name, _) in EDGE_CONNECTORS.items()},
        },
        "moto": {"endpoint": moto_url(), "logFile": os.path.join(logs, "moto.log")},
        "libsDir": env("LIBS_DIR"),
        "stateDir": state,
        "kafkaRun": os.path.join(LAB_DIR, "kafka-run.sh"),
    }
    with open(os.path.join(state, "lab.json.tmp"), "w") as f:
        json.dump(lab, f, indent=2)
        f.write("\n")
    os.replace(os.path.join(state, "lab.json.tmp"), os.path.join(state, "lab.json"))

    exports = {
        "LAB_KAFKA_VERSION": lab["kafkaVersion"],
        "LAB_DC1_BOOTSTRAP": dc1,
        "LAB_DC1_SECURITY_PROTOCOL": "SASL_SSL",
        "LAB_DC1_SASL_MECHANISM": "SCRAM-SHA-512",
        "LAB_DC1_USERNAME": "admin",
        "LAB_DC1_PASSWORD": env("DC1_PASSWORD"),
        "LAB_DC1_CA_PEM": lab["clusters"]["dc1"]["caPemPath"],
        "LAB_DC1_CLIENT_PROPERTIES": lab["clusters"]["dc1"]["clientPropertiesFile"],
        "LAB_DC2_BOOTSTRAP": dc2,
        "LAB_DC2_CLIENT_PROPERTIES": lab["clusters"]["dc2"]["clientPropertiesFile"],
        "LAB_CONNECT_URL": lab["connect"]["url"],
        "LAB_REVERSE_CONNECT_URL": lab["reverseConnect"]["url"],
        "LAB_DC3_BOOTSTRAP": lab["edge"]["cluster"]["bootstrapServers"],
        "LAB_MOTO_ENDPOINT": lab["moto"]["endpoint"],
        # The AWS SDK talks to moto; moto accepts any credentials but the SDK wants some.
        "AWS_ENDPOINT_URL": lab["moto"]["endpoint"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "LAB_LIBS_DIR": lab["libsDir"],
        "LAB_STATE_DIR": state,
        "LAB_JSON": os.path.join(state, "lab.json"),
    }
    with open(os.path.join(state, "lab.env"), "w") as f:
        f.write("# Generated by lab/lab.sh up; `source` it to point tools at the lab.\n")
        for k, v in exports.items():
            f.write(f"export {k}='{v}'\n")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("free-ports"); s.add_argument("count", type=int); s.set_defaults(fn=cmd_free_ports)
    s = sub.add_parser("cluster-id"); s.set_defaults(fn=cmd_cluster_id)
    s = sub.add_parser("render"); s.add_argument("template"); s.set_defaults(fn=cmd_render)
    s = sub.add_parser("pids"); s.add_argument("components", nargs="*")
    s.add_argument("--orphans", action="store_true"); s.set_defaults(fn=cmd_pids)
    s = sub.add_parser("alive"); s.add_argument("component"); s.set_defaults(fn=cmd_alive)
    s = sub.add_parser("probe"); s.add_argument("component")
    s.add_argument("-v", "--verbose", action="store_true"); s.set_defaults(fn=cmd_probe)
    s = sub.add_parser("reverse-worker-config"); s.set_defaults(fn=cmd_reverse_worker_config)
    s = sub.add_parser("extra-brokers"); s.set_defaults(fn=cmd_extra_brokers)
    s = sub.add_parser("broker-config"); s.add_argument("component"); s.set_defaults(fn=cmd_broker_config)
    flow = {"choices": FLOWS, "default": "forward", "help": "forward: dc1 -> dc2 on connect; reverse: dc2 -> dc1 on reverse-connect; edge: dc3 -> dc2 on connect"}
    s = sub.add_parser("connectors-apply"); s.add_argument("--flow", **flow); s.set_defaults(fn=cmd_connectors_apply)
    s = sub.add_parser("connectors-check"); s.add_argument("--flow", **flow)
    s.add_argument("-v", "--verbose", action="store_true"); s.set_defaults(fn=cmd_connectors_check)
    s = sub.add_parser("connectors-delete"); s.add_argument("--flow", **flow); s.set_defaults(fn=cmd_connectors_delete)
    s = sub.add_parser("reverse-status"); s.set_defaults(fn=cmd_reverse_status)
    s = sub.add_parser("edge-status"); s.set_defaults(fn=cmd_edge_status)
    s = sub.add_parser("status"); s.add_argument("--json", action="store_true")
    s.add_argument("--quiet", action="store_true"); s.set_defaults(fn=cmd_status)
    s = sub.add_parser("write-contract"); s.set_defaults(fn=cmd_write_contract)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
