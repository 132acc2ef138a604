#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The in-cluster API client against recorded API transcripts.

No API server runs here: this test makes a CA and a server certificate with
openssl, serves the transcripts of this directory over HTTPS on loopback as
scenario.json says (each request must carry exactly the query and the bearer
token the scenario expects: pages with their continue token, watches from
the right resourceVersion), runs k8s_api_probe against it and checks the
state it ends with: the objects per kind (a relist after an ERROR event and
after 410 Gone drops the pods that vanished), resourceVersions (a BOOKMARK
advances it), the counters (stream cut mid-object, HTTP 500, an object
without a name, a line that is not JSON, relists, retries) and one stderr
line per problem. Then a CA that does not match (a TLS failure, said once,
retried), a writer that falls behind (a full queue: the drop is counted and
the kind lists again) and configuration errors.

Given vigil, vigil-logd and sample.pcap too, vigil-logd --k8s-api end to
end: conn.log's k8s columns from the transcripts' pod and Service, the
client's problem line in reporter.log, its counters in --stats and in the
metrics.

usage: k8s_api_test.py PROBE [VIGIL VIGIL-LOGD SAMPLE.PCAP]
(exit 77: skipped, a tool is missing; under CI=true that is a failure)
"""
import http.server
import json
import os
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from urllib.parse import parse_qsl, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def need_tools():
    if shutil.which("openssl") is None:
        print("k8s-api: openssl is missing (apt-get install openssl)", file=sys.stderr)
        sys.exit(1 if os.environ.get("CI") == "true" else 77)


def make_certs(d):
    def run(*a):
        subprocess.run(a, check=True, capture_output=True, cwd=d)
    for ca in ("ca", "other-ca"):
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", ca + ".key", "-out", ca + ".crt", "-days", "1",
            "-subj", "/CN=vigil test " + ca)
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=kubernetes")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n")
    run("openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "srv.crt", "-days", "1", "-extfile", "san.ext")


class State:
    def __init__(self, scenario, token_file, empty_elsewhere=False):
        self.scenario = {k: v for k, v in scenario.items() if k.startswith("/")}
        # Other paths: an empty List, then a watch that says nothing.
        self.empty_elsewhere = empty_elsewhere
        self.pos = {k: 0 for k in self.scenario}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.token_file = token_file
        self.requests = 0

    def finished(self):
        with self.lock:
            return all(self.pos[k] == len(v) for k, v in self.scenario.items())


def write_token(path, value):
    # As the kubelet does: a new file renamed over the old one.
    with open(path + ".new", "w") as f:
        f.write(value + "\n")
    os.rename(path + ".new", path)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    st = None

    def log_message(self, *a):
        pass

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        st = Handler.st
        u = urlsplit(self.path)
        q = dict(parse_qsl(u.query, keep_blank_values=True))
        step, where = self.next_step(st, u.path, q)
        if step is None:
            self.send_error(404)
            return
        if q != step["query"]:
            fail("%s: query %s, expected %s" % (where, q, step["query"]))
        auth = self.headers.get("Authorization")
        want = "Bearer " + step.get("token", "token-1")
        if auth != want:
            fail("%s: Authorization %r, expected %r" % (where, auth, want))
        if "rotate_token" in step:
            write_token(st.token_file, step["rotate_token"])
        body = step.get("body", b"")
        if "file" in step:
            with open(os.path.join(HERE, step["file"]), "rb") as f:
                body = f.read()
        status = step.get("status", 200)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if not (q.get("watch") == "1" and status == 200):
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        # A watch: one chunk per event line, as the API server flushes them.
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for line in body.splitlines(keepends=True):
            self.chunk(line)
            time.sleep(0.01)
        if step.get("hold"):
            # A watch with nothing more to say, open until the test ends.
            while not st.done.wait(0.1):
                pass
            self.close_connection = True
            return
        if step.get("cut"):
            # The connection dies inside an object: no last chunk.
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")  # the server's timeoutSeconds: a clean end

    @staticmethod
    def next_step(st, path, q):
        """The scenario's answer to this request, and where it stands."""
        with st.lock:
            st.requests += 1
            steps = st.scenario.get(path)
            if steps is None and st.empty_elsewhere:
                return {"query": q, "hold": True} if q.get("watch") == "1" else {
                    "query": q, "body": b'{"kind":"List","apiVersion":"v1","metadata":'
                                        b'{"resourceVersion":"1"},"items":[]}'}, path
            i = st.pos.get(path, 0)
            if steps is None or i >= len(steps):
                fail("unexpected request %s?%s" % (path, q))
                return None, path
            step = steps[i]
            # A repeated step answers as long as its query comes back.
            if step.get("repeat") and q != step["query"] and i + 1 < len(steps):
                i += 1
                step = steps[i]
            st.pos[path] = i if step.get("repeat") else i + 1
            return step, "%s step %d" % (path, i + 1)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # TLS handshakes the client refuses are expected in the second part


def start_server(d, st):
    Handler.st = st
    srv = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "srv.crt"), os.path.join(d, "srv.key"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def parse_output(out):
    objects, kinds, other = set(), {}, {}
    for line in out.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == "object":
            objects.add(" ".join(w[1:]))
        elif w[0] == "kind":
            kinds[w[1]] = dict(zip(w[2::2], w[3::2]))
        elif w[0] == "token":
            other["token_reloads"], other["token_errors"] = w[2], w[4]
        elif w[0] == "messages":
            other["messages"] = w[1]
    return objects, kinds, other


def check_counts(kinds, kind, want):
    got = kinds.get(kind, {})
    for k, v in want.items():
        if got.get(k) != str(v):
            fail("%s: %s is %s, expected %s" % (kind, k, got.get(k), v))


def scenario_part(probe, d, url):
    token = os.path.join(d, "token")
    write_token(token, "token-1")
    with open(os.path.join(HERE, "scenario.json")) as f:
        st = State(json.load(f), token)
    srv = start_server(d, st)
    port = srv.server_address[1]
    p = subprocess.Popen([probe, "--url", "https://127.0.0.1:%d/" % port, "--token", token,
                          "--ca", os.path.join(d, "ca.crt"), "--page-limit", "2",
                          "--watch-timeout", "30", "--backoff-min", "20", "--backoff-max", "200"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline and not st.finished() and p.poll() is None:
        time.sleep(0.05)
    if not st.finished():
        fail("the client did not go through the scenario within 20 s: %s" % st.pos)
    time.sleep(0.3)  # the last answers drained
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail("the client did not stop within 10 s of SIGTERM")
    st.done.set()
    srv.shutdown()
    if p.returncode != 0:
        fail("probe exit status %d" % p.returncode)
    sys.stderr.write(err)
    objects, kinds, other = parse_output(out)
    want = {
        "pods shop/web-5d9c7b8f6-a7x2m 112",  # listed, then MODIFIED
        "pods shop/web-5d9c7b8f6-d4xzr 111",  # ADDED by the watch
        "pods shop/web-5d9c7b8f6-e9lfs 140",  # new in the relist after 410
        # web-...-b2kpq: its DELETED was cut short; gone after the relist (ERROR)
        # db-0: gone after the relist that answered 410 Gone
        "services default/kubernetes 5",
        "services shop/api 57",  # frontend DELETED, api ADDED
        "nodes /node-1 190", "nodes /node-2 195",
        "endpointslices shop/api-x8k2p 299",
        "replicasets shop/web-5d9c7b8f6 398",
        "jobs ops/backup-29410560 497",
    }
    for o in sorted(want - objects):
        fail("missing object: " + o)
    for o in sorted(objects - want):
        fail("unexpected object: " + o)
    check_counts(kinds, "pods", {
        "rv": 141, "lists": 3, "list_pages": 6, "relists": 2, "watches": 3, "retries": 3,
        "events": 3, "bookmarks": 1, "error_events": 1, "gone": 1, "http_errors": 1,
        "tls_errors": 0, "net_errors": 0, "stream_cuts": 1, "bad_lines": 1, "bad_objects": 1,
        "drops": 0, "begins": 3, "ends": 3})
    check_counts(kinds, "services", {
        "rv": 60, "lists": 1, "list_pages": 1, "relists": 0, "watches": 2, "retries": 0,
        "events": 2, "bookmarks": 1, "begins": 1, "ends": 1})
    for kind, rv in (("nodes", 200), ("endpointslices", 300), ("replicasets", 400),
                     ("jobs", 500)):
        check_counts(kinds, kind, {"rv": rv, "lists": 1, "watches": 1, "retries": 0,
                                   "events": 0, "begins": 1, "ends": 1})
    if other.get("token_reloads") != "1" or other.get("token_errors") != "0":
        fail("token reloads %s errors %s, expected 1 and 0" %
             (other.get("token_reloads"), other.get("token_errors")))
    lines = [l for l in err.splitlines() if "k8s-api: pods:" in l]
    for what in ("ended inside an object", "HTTP 500 (etcdserver: request timed out)",
                 "no metadata.name", "not JSON", "ERROR (410 Expired", "410 Gone"):
        if sum(what in l for l in lines) != 1:
            fail("stderr should say '%s' once: %s" % (what, lines))
    n_lines = sum("k8s-api:" in l for l in err.splitlines())
    if other.get("messages") != str(n_lines):
        fail("the sink got %s messages, stderr has %d lines" % (other.get("messages"), n_lines))


def tls_part(probe, d):
    token = os.path.join(d, "token")
    write_token(token, "token-1")
    st = State({"/api/v1/pods": []}, token)
    srv = start_server(d, st)
    port = srv.server_address[1]
    p = subprocess.run([probe, "--url", "https://127.0.0.1:%d" % port, "--token", token,
                        "--ca", os.path.join(d, "other-ca.crt"), "--kinds", "pods",
                        "--backoff-min", "50", "--backoff-max", "200", "--run-secs", "1.5"],
                       capture_output=True, text=True, timeout=20)
    srv.shutdown()
    _, kinds, _ = parse_output(p.stdout)
    pods = kinds.get("pods", {})
    if int(pods.get("tls_errors", 0)) < 2 or int(pods.get("retries", 0)) < 2:
        fail("wrong CA: tls_errors %s retries %s, expected at least 2 each" %
             (pods.get("tls_errors"), pods.get("retries")))
    check_counts(kinds, "pods", {"lists": 0, "events": 0, "rv": "-"})
    tls_lines = [l for l in p.stderr.splitlines() if "TLS failed" in l]
    if len(tls_lines) != 1:
        fail("wrong CA: expected one stderr line about TLS, got %s" % p.stderr.splitlines())
    if st.requests != 0:
        fail("wrong CA: %d requests reached the server" % st.requests)


def drop_part(probe, d):
    """A writer that is behind: the queue (3 events) fills during the LIST,
    the event that finds no room is dropped and counted, and the kind lists
    again once there is room, so nothing is missing in the end."""
    token = os.path.join(d, "token")
    write_token(token, "token-1")
    lst = {"query": {"limit": "2"}, "file": "services-list-1.json", "repeat": True}
    st = State({"/api/v1/services": [lst, {
        "query": {"watch": "1", "resourceVersion": "55", "allowWatchBookmarks": "true",
                  "timeoutSeconds": "30"}, "hold": True}]}, token)
    srv = start_server(d, st)
    port = srv.server_address[1]
    p = subprocess.run([probe, "--url", "https://127.0.0.1:%d" % port, "--token", token,
                        "--ca", os.path.join(d, "ca.crt"), "--kinds", "services",
                        "--page-limit", "2", "--watch-timeout", "30", "--queue-cap", "2",
                        "--backoff-min", "20", "--backoff-max", "50", "--drain-pause", "2.5",
                        "--run-secs", "4"],
                       capture_output=True, text=True, timeout=20)
    st.done.set()
    srv.shutdown()
    objects, kinds, _ = parse_output(p.stdout)
    want = {"services default/kubernetes 5", "services shop/frontend 50"}
    if objects != want:
        fail("queue drop: objects %s, expected %s" % (sorted(objects), sorted(want)))
    # The reader waits 1 s for room: one drop, or two if the BEGIN of the
    # second LIST found the queue still full; each is followed by a retry.
    svc = kinds.get("services", {})
    if svc.get("drops") not in ("1", "2") or svc.get("retries") != svc.get("drops"):
        fail("queue drop: drops %s retries %s, expected 1 or 2 and equal" %
             (svc.get("drops"), svc.get("retries")))
    check_counts(kinds, "services", {"lists": 1, "ends": 1, "watches": 1, "rv": 55})
    if not st.finished():
        fail("queue drop: the scenario was not played to its end: %s" % st.pos)
    said = [l for l in p.stderr.splitlines() if "queue is full" in l]
    if len(said) != 1:
        fail("queue drop: expected one line about the full queue: %s" % p.stderr)


def logd_part(d, vigil, logd, pcap):
    """vigil-logd --k8s-api end to end: the client fills the inventory while
    vigil-logd waits for the sensor, then vigil -r writes sample.pcap through
    it; conn.log's k8s columns name the pod (workload through its
    ReplicaSet's Deployment) and the Service of the transcripts, the watch's
    bad line is in reporter.log, --stats has the client's counters."""
    token = os.path.join(d, "token")
    write_token(token, "token-1")

    def w(rv):
        return {"watch": "1", "resourceVersion": rv, "allowWatchBookmarks": "true",
                "timeoutSeconds": "300"}
    lst = {"limit": "500"}
    st = State({
        "/api/v1/pods": [{"query": lst, "file": "logd-pods-list.json"},
                         {"query": w("1000"), "file": "logd-pods-watch.jsonl", "hold": True}],
        "/api/v1/services": [{"query": lst, "file": "logd-services-list.json"},
                             {"query": w("1000"), "hold": True}],
        "/apis/apps/v1/replicasets": [{"query": lst, "file": "logd-replicasets-list.json"},
                                      {"query": w("1000"), "hold": True}],
    }, token, empty_elsewhere=True)
    srv = start_server(d, st)
    port = srv.server_address[1]
    out = os.path.join(d, "logs")
    os.mkdir(out)
    shm = "vgk8s%d" % os.getpid()
    mport = free_port()
    lp = subprocess.Popen([logd, "--shm", shm, "-o", out, "--exit-when-done", "--wait", "30",
                           "--stats", "--metrics-listen", "127.0.0.1:%d" % mport,
                           "--k8s-api-url", "https://127.0.0.1:%d" % port,
                           "--k8s-token", token, "--k8s-ca", os.path.join(d, "ca.crt")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 15
    while time.time() < deadline and not st.finished() and lp.poll() is None:
        time.sleep(0.05)
    if not st.finished():
        fail("vigil-logd --k8s-api did not list and watch within 15 s: %s" % st.pos)
    time.sleep(0.5)  # the events pumped into the inventory (every 50 ms)
    check_metrics(mport)
    vr = subprocess.run([vigil, "-q", "-r", pcap, "--logd", shm], capture_output=True, text=True,
                        timeout=60)
    if vr.returncode != 0:
        fail("vigil -r --logd: exit %d: %s" % (vr.returncode, vr.stderr))
    try:
        _, err = lp.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        lp.kill()
        _, err = lp.communicate()
        fail("vigil-logd did not exit when the sensor was done")
    st.done.set()
    srv.shutdown()
    if lp.returncode != 0:
        fail("vigil-logd --k8s-api: exit %d: %s" % (lp.returncode, err))
    rows = read_tsv(os.path.join(out, "conn.log"))
    pod = [r for r in rows if r.get("id.orig_h") == "10.1.0.19"]
    svc = [r for r in rows if r.get("id.resp_h") == "10.100.0.190"]
    other = [r for r in rows if r.get("id.orig_h") != "10.1.0.19"]
    if not pod or not svc or not other:
        fail("conn.log: %d rows from the pod, %d to the Service, %d others; expected some of each"
             % (len(pod), len(svc), len(other)))
    want = {"orig_k8s.namespace": "shop", "orig_k8s.pod": "checkout-6f7d8c9b5-xk2lp",
            "orig_k8s.workload": "checkout", "orig_k8s.workload_kind": "Deployment",
            "orig_k8s.node": "node-1", "orig_k8s.type": "pod"}
    for r in pod:
        bad = {k: r.get(k) for k, v in want.items() if r.get(k) != v}
        if bad:
            fail("conn.log row %s from the pod: %s, expected %s" % (r.get("uid"), bad, want))
            break
    for r in svc:
        if r.get("resp_k8s.type") != "service" or r.get("resp_k8s.services") != "payments" \
                or r.get("resp_k8s.namespace") != "shop":
            fail("conn.log row %s to the Service: type %s services %s namespace %s" %
                 (r.get("uid"), r.get("resp_k8s.type"), r.get("resp_k8s.services"),
                  r.get("resp_k8s.namespace")))
            break
    for r in other:
        if r.get("orig_k8s.pod") != "-" or r.get("orig_k8s.type") != "-":
            fail("conn.log row %s from %s: orig_k8s.pod %s type %s, expected unset" %
                 (r.get("uid"), r.get("id.orig_h"), r.get("orig_k8s.pod"), r.get("orig_k8s.type")))
            break
    rep = os.path.join(out, "reporter.log")
    text = open(rep).read() if os.path.exists(rep) else ""
    if text.count("k8s-api: pods: skipped a watch line") != 1:
        fail("reporter.log should hold the watch's bad line once: %r" % text[-500:])
    stats = [l for l in err.splitlines() if l.startswith("vigil-logd: k8s-api lists")]
    if len(stats) != 1:
        fail("vigil-logd --stats: no k8s-api line: %r" % err)
    else:
        f = stats[0].split()
        c = dict(zip(f[2::2], f[3::2]))
        for k, v in (("lists", "6"), ("events", "0"), ("bad-lines", "1"), ("reported", "1"),
                     ("refused", "0"), ("drops", "0"), ("retries", "0")):
            if c.get(k) != v:
                fail("vigil-logd --stats: %s is %s, expected %s (%s)" % (k, c.get(k), v, stats[0]))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_metrics(port):
    """The client's counters per kind in vigil-logd's metrics; a watch is
    counted as soon as its 200 comes (libcurl's progress callback, about once
    a second on a quiet stream)."""
    want = {'vigil_logd_k8s_api_lists_total{kind="pods"}': "1",
            'vigil_logd_k8s_api_lists_total{kind="jobs"}': "1",
            'vigil_logd_k8s_api_bad_lines_total{kind="pods"}': "1",
            'vigil_logd_k8s_api_http_errors_total{kind="pods"}': "0",
            "vigil_logd_k8s_api_token_reloads_total": "0"}
    for kind in ("pods", "services", "nodes", "endpointslices", "replicasets", "jobs"):
        want['vigil_logd_k8s_api_watches_total{kind="%s"}' % kind] = "1"
    got = {}
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                          timeout=5).read().decode()
        except OSError as e:
            text = ""
            got = {"error": str(e)}
        for line in text.splitlines():
            if line.startswith("vigil_logd_k8s_api"):
                k, _, v = line.rpartition(" ")
                got[k] = v
        if all(got.get(k) == v for k, v in want.items()):
            return
        time.sleep(0.2)
    fail("vigil-logd metrics: %s, expected %s" %
         ({k: got.get(k) for k in want}, want))


def read_tsv(path):
    rows, fields = [], None
    if not os.path.exists(path):
        fail("%s is missing" % path)
        return rows
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
        elif not line.startswith("#") and fields:
            rows.append(dict(zip(fields, line.split("\t"))))
    return rows


def config_part(probe, d):
    ca = os.path.join(d, "ca.crt")
    cases = [
        (["--url", "https://127.0.0.1:1", "--token", os.path.join(d, "nope"), "--ca", ca],
         "--k8s-token"),
        (["--url", "http://127.0.0.1:1", "--token", os.path.join(d, "token"), "--ca", ca],
         "must start with https://"),
        (["--url", "https://127.0.0.1:1", "--token", os.path.join(d, "token"), "--ca",
          os.path.join(d, "nope.crt")], "--k8s-ca"),
    ]
    for args, says in cases:
        p = subprocess.run([probe] + args, capture_output=True, text=True, timeout=10)
        if p.returncode != 1 or says not in p.stderr or len(p.stderr.splitlines()) != 1:
            fail("%s: exit %d, stderr %r; expected 1 and one line with %r" %
                 (args, p.returncode, p.stderr, says))
    env = dict(os.environ)
    env.pop("KUBERNETES_SERVICE_HOST", None)
    p = subprocess.run([probe], capture_output=True, text=True, timeout=10, env=env)
    if p.returncode != 1 or "KUBERNETES_SERVICE_HOST" not in p.stderr:
        fail("in-cluster defaults outside a pod: exit %d, stderr %r" % (p.returncode, p.stderr))


def main():
    if len(sys.argv) not in (2, 5):
        print(__doc__, file=sys.stderr)
        return 2
    need_tools()
    probe = sys.argv[1]
    t0 = time.time()
    with tempfile.TemporaryDirectory() as d:
        make_certs(d)
        scenario_part(probe, d, None)
        tls_part(probe, d)
        drop_part(probe, d)
        config_part(probe, d)
        if len(sys.argv) == 5:
            logd_part(d, *sys.argv[2:5])
    print("k8s-api: %d failures, %.1f s" % (len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
