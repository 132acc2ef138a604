#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# manifests_test.sh VIGIL VIGIL_LOGD VIGIL_TAP
#
# The deployment files under config/ must stay true to the programs: every
# Kubernetes manifest parses as YAML with the fields a controller needs, and
# every long option the manifests and the systemd units pass to vigil,
# vigil-logd or vigil-tap is one that program's --help lists.
set -u
. "$(dirname "$0")/../check.sh"
vigil=$1 logd=$2 tap=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
python3 -c 'import yaml' 2> /dev/null || skip "manifests: no python3-yaml (apt-get install python3-yaml)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$vigil" --help > "$tmp/vigil" 2>&1
"$logd" --help > "$tmp/vigil-logd" 2>&1
"$tap" --help > "$tmp/vigil-tap" 2>&1

# Per manifest file: "OK" lines, or "BAD what" lines; then "USE program --option"
# for each long option a container passes to one of the three programs.
python3 - "$root"/config/k8s/*.yaml > "$tmp/k8s" 2>&1 <<'PY'
import re, sys, yaml
for path in sys.argv[1:]:
    name = path.rsplit('/', 1)[1]
    try:
        docs = [d for d in yaml.safe_load_all(open(path)) if d]
    except yaml.YAMLError as e:
        print("BAD", name, "does not parse:", str(e).splitlines()[0]); continue
    for d in docs:
        if not all(k in d for k in ("apiVersion", "kind", "metadata")):
            print("BAD", name, "an object without apiVersion, kind or metadata"); continue
        spec = d.get("spec", {})
        pod = spec.get("template", {}).get("spec") if d["kind"] in ("DaemonSet", "Deployment") else spec if d["kind"] == "Pod" else None
        if d["kind"] in ("DaemonSet", "Deployment"):
            sel = spec.get("selector", {}).get("matchLabels", {})
            lab = spec.get("template", {}).get("metadata", {}).get("labels", {})
            if not sel or any(lab.get(k) != v for k, v in sel.items()):
                print("BAD", name, d["kind"], "selector does not match the template's labels")
        if pod is None:
            print("OK", name, d["kind"]); continue
        vols = {v["name"] for v in pod.get("volumes", [])}
        for c in pod.get("containers", []):
            for m in c.get("volumeMounts", []):
                if m["name"] not in vols:
                    print("BAD", name, c["name"], "mounts an undeclared volume", m["name"])
            words = " ".join(str(w) for w in c.get("command", []) + c.get("args", []))
            prog = None
            for p in ("vigil-logd", "vigil-tap", "vigil"):
                if re.search(r"(^|[\s/])" + p + r"(\s|$)", words) or c["name"] == p:
                    prog = p; break
            if prog is None:
                continue
            # vigil's own options come after "--" (EAL's before it).
            if prog == "vigil" and " -- " in words:
                words = words.split(" -- ", 1)[1]
            for o in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", words):
                print("USE", prog, o)
        print("OK", name, d["kind"])
PY
bad=$(grep -c '^BAD' "$tmp/k8s")
[ "$bad" -eq 0 ] && grep -q '^OK vigil-daemonset.yaml DaemonSet' "$tmp/k8s"
check $? "Kubernetes manifests parse and hang together ($(grep '^BAD' "$tmp/k8s" | head -n 3 | tr '\n' ';'))"
uses=$(grep -c '^USE' "$tmp/k8s")
[ "$uses" -ge 10 ]
check $? "the manifests' options were found ($uses)"
# The systemd units: vigil's options after the " -- " of ExecStart, vigil-logd's.
for u in "$root"/config/*.service.in; do
	prog=vigil
	case $u in *vigil-logd*) prog=vigil-logd ;; esac
	grep '^ExecStart=' "$u" | sed 's/.* -- //' | grep -o -- '--[a-z][a-z0-9-]*' |
		sed "s/^/USE $prog /" >> "$tmp/k8s"
done
unknown=0
while read -r _ prog opt; do
	if ! grep -q -- "$opt\\b" "$tmp/$prog"; then
		echo "unknown option: $prog $opt" >&2
		unknown=$((unknown + 1))
	fi
done < <(grep '^USE' "$tmp/k8s" | sort -u)
[ "$unknown" -eq 0 ]
check $? "every option the manifests and units pass is in its program's --help ($unknown unknown)"
echo "manifests: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
