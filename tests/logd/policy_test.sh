#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# policy_test.sh VIGIL VIGIL_LOGD VIGIL_CTL LOGD_PRODUCER VIGIL_GEN
#
# vigil-logd's export policy (doc/policy.md) under traffic:
#  - a producer writes a conn and a dns record per connection (same uid,
#    5000 connections/s); `vigil-ctl --logd set log dns sample 0.1` and
#    `policy reload` of an edited file take effect within one second (the
#    drops by sampling start within a second of the answer), a broken file
#    is refused in one line and the running policy stays, the file changing
#    and SIGHUP reload it;
#  - at the end the counts per log (export_stats.log, summed) are exact:
#    offered = what the producer wrote, exported = the rows in the files,
#    the rest dropped by the named reason (256 health checks by CIDR+port);
#  - sampling keeps the logs of a connection together: once both logs sample
#    at 0.1, the uids kept in conn.log and in dns.log are the same;
#  - the sensor itself (vigil -r --logd) under a 0.3 sample: every log's rows
#    are exactly the unsampled run's rows of the kept conn.log uids;
#  - user errors: a bad --export-policy file stops vigil-logd with its
#    file:line; vigil-ctl --logd without a console says so.
# Prints "policy: N checks, M failed".
set -u
vigil=$1
logd=$2
ctl=$3
prod=$4
gen=$5
tmp=$(mktemp -d)
pids=()
shm=vigil-policy-test-$$

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2> /dev/null
	done
	rm -f "/dev/shm/$shm" "/dev/shm/$shm-s" "/dev/shm/$shm-x"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$(dirname "$0")/../check.sh"

sock=$tmp/logd.sock
c() { "$ctl" --logd --socket "$sock" "$@"; }

# One figure of `show logs`: field (offered, exported, drop_filter, drop_sample) of a log.
fig() { # log field
	c show logs | awk -v lg="$1" -v f="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == lg { print $col[f]; exit }'
}
reloads() { c show logs | awk '/^policy / { print $(NF - 3) }'; }

# Sum of a column of export_stats.log (current and rotated) for a log.
stat_sum() { # dir log column
	cat "$1"/export_stats.log "$1"/export_stats.*.log 2> /dev/null | awk -F'\t' -v lg="$2" -v want="$3" '
		/^#fields/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
		/^#/ { next }
		$col["log"] == lg { s += $col[want] }
		END { print s + 0 }'
}
rows() { cat "$1"/"$2".log "$1"/"$2".*.log 2> /dev/null | grep -vc '^#'; }
# Sequence numbers of the rows of a log (uid "L" + 12 digits, column 2).
seqs() { cat "$1"/"$2".log "$1"/"$2".*.log 2> /dev/null | grep -v '^#' | cut -f2 | sed 's/^L0*//; s/^$/0/' | sort -n; }

# ---- user errors ----
printf 'version: 1\nlogs:\n  conn: {sample: 2}\n' > "$tmp/bad.yaml"
out=$("$logd" --shm "$shm" -o "$tmp" --export-policy "$tmp/bad.yaml" --console-socket none 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "bad.yaml:3: 'sample' takes a rate"
check $? "a bad --export-policy: exit 1 and one line with file:line (rc $rc: $out)"
out=$("$logd" --check-policy --export-policy "$tmp/bad.yaml" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "bad.yaml:3: "
check $? "--check-policy refuses the bad file with its line ($out)"
# The shipped default compiles (its keys are real).
"$logd" --check-policy --export-policy "$(dirname "$0")/../../config/policy.yaml" -q
check $? "config/policy.yaml compiles"
# ... and so do its commented examples, uncommented.
sed 's/^\( *\)# \( *\)\(- \|[a-z_]*:\)/\1\2\3/' "$(dirname "$0")/../../config/policy.yaml" > "$tmp/all.yaml"
"$logd" --check-policy --export-policy "$tmp/all.yaml" -q && [ "$(grep -c '^ *- ' "$tmp/all.yaml")" -ge 6 ]
check $? "config/policy.yaml's examples compile"
out=$("$ctl" --logd --socket "$tmp/nosuch.sock" show logs 2>&1)
rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "is vigil-logd running"
check $? "vigil-ctl --logd without a console: exit 2, says so (rc $rc: $out)"

# ---- under traffic ----
pol=$tmp/policy.yaml
cat > "$pol" << 'EOF'
version: 1
logs:
  conn:
    drop_columns: [history, missed_bytes]
    exclude:
      # the load balancer's health checks
      - {orig_cidr: 10.0.0.0/24, resp_port: 443}
EOF
out_dir=$tmp/logs
mkdir -p "$out_dir"
"$logd" --shm "$shm" -o "$out_dir" --export-policy "$pol" --console-socket "$sock" \
	--export-stats-interval 1 --wait 10 2> "$tmp/logd.err" &
lpid=$!
pids+=("$lpid")
# 10 s of traffic, longer than the timed checks below take even on a loaded
# machine; --no-done: vigil-logd is stopped by SIGTERM once it has caught up.
"$prod" --shm "$shm" -n 50000 --rate 5000 --dns --no-done > "$tmp/prod.out" &
ppid=$!
pids+=("$ppid")
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
sleep 1

# set log dns sample 0.1: no sampling drop before, a share of 0.9 within a second after.
d0=$(fig dns drop_sample)
ans=$(c set log dns sample 0.1)
rc=$?
o1=$(fig dns offered)
d1=$(fig dns drop_sample)
[ $rc -eq 0 ] && [ "$ans" = "set log dns sample 0.1" ] && [ "$d0" -eq 0 ]
check $? "set log dns sample 0.1: answered (rc $rc: $ans), nothing sampled before ($d0)"
sleep 1
o2=$(fig dns offered)
d2=$(fig dns drop_sample)
awk -v o=$((o2 - o1)) -v d=$((d2 - d1)) 'BEGIN { exit !(o > 2000 && d > 0.8 * o && d < 0.97 * o) }'
check $? "dns sampled at 0.1 within a second: $((d2 - d1)) of $((o2 - o1)) dropped"

# policy reload of an edited file: conn sampled too.
cat > "$pol" << 'EOF'
version: 1
logs:
  conn:
    sample: 0.1
    drop_columns: [history, missed_bytes]
    exclude:
      - {orig_cidr: 10.0.0.0/24, resp_port: 443}
  dns: {sample: 0.1}
EOF
c0=$(fig conn drop_sample)
ans=$(c policy reload)
rc=$?
c1=$(fig conn drop_sample)
o1=$(fig conn offered)
[ $rc -eq 0 ] && echo "$ans" | grep -q "policy reload (console): .* is the policy now" && [ "$c0" -eq 0 ]
check $? "policy reload: answered (rc $rc: $ans), conn not sampled before ($c0)"
sleep 1
c2=$(fig conn drop_sample)
o2=$(fig conn offered)
awk -v o=$((o2 - o1)) -v d=$((c2 - c1)) 'BEGIN { exit !(o > 2000 && d > 0.8 * o && d < 0.97 * o) }'
check $? "conn sampled at 0.1 within a second of the reload: $((c2 - c1)) of $((o2 - o1)) dropped"

# A broken file: refused in one line with file:line, the running policy stays.
cp "$pol" "$tmp/good.yaml"
printf 'version: 1\nlogs:\n  conn:\n    exclude:\n      - cidr: 10.0.0.0/40\n' > "$pol"
ans=$(c policy reload 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(echo "$ans" | wc -l)" -eq 1 ] &&
	echo "$ans" | grep -q "failed, the running policy stays: .*policy.yaml:5: 'cidr': '10.0.0.0/40'"
check $? "a broken file: refused in one line with file:line (rc $rc: $ans)"
c show policy | grep -q "^conn on sample 0.1 drop_columns missed_bytes,history$"
check $? "a broken file: the running policy stays (conn sample 0.1)"
# The file changing (back to good) is noticed by itself.
r0=$(reloads)
cp "$tmp/good.yaml" "$pol.new" && mv "$pol.new" "$pol"
for _ in $(seq 40); do [ "$(reloads)" -gt "$r0" ] && break; sleep 0.05; done
[ "$(reloads)" -gt "$r0" ]
check $? "the file changing is reloaded within two seconds ($r0 -> $(reloads))"
# SIGHUP: reloads too (and rotates, as before).
r0=$(reloads)
kill -HUP "$lpid"
for _ in $(seq 40); do [ "$(reloads)" -gt "$r0" ] && break; sleep 0.05; done
[ "$(reloads)" -gt "$r0" ]
check $? "SIGHUP reloads the policy ($r0 -> $(reloads))"
ls "$out_dir"/conn.*.log > /dev/null 2>&1
check $? "SIGHUP still rotates the files"

wait "$ppid"
for _ in $(seq 100); do [ "$(fig dns offered)" = 50000 ] && break; sleep 0.05; done
kill -TERM "$lpid"
wait "$lpid"
rc=$?
check $rc "vigil-logd exits 0 on SIGTERM once it has caught up (rc $rc)"
grep -q '^written 50000 dropped 0$' "$tmp/prod.out" && grep -q '^dns_written 50000$' "$tmp/prod.out"
check $? "the producer wrote 50000 conn and 50000 dns records ($(tr '\n' ' ' < "$tmp/prod.out"))"

# Exact counts, per log: export_stats.log against the files.
for log in conn dns; do
	off=$(stat_sum "$out_dir" $log offered)
	exp=$(stat_sum "$out_dir" $log exported)
	dfi=$(stat_sum "$out_dir" $log dropped_filter)
	dsa=$(stat_sum "$out_dir" $log dropped_sample)
	doff=$(stat_sum "$out_dir" $log dropped_off)
	n=$(rows "$out_dir" $log)
	[ "$off" -eq 50000 ] && [ "$exp" -eq "$n" ] && [ $((exp + dfi + dsa + doff)) -eq "$off" ]
	check $? "$log: offered $off = 50000, exported $exp = $n rows, + dropped filter $dfi sample $dsa off $doff = offered"
done
[ "$(stat_sum "$out_dir" conn dropped_filter)" -eq 256 ] && [ "$(stat_sum "$out_dir" dns dropped_filter)" -eq 0 ]
check $? "conn: exactly the 256 health checks (10.0.0.0/24 to 443) dropped by the filter"
seqs "$out_dir" conn | awk '$1 < 256 { bad++ } END { exit bad > 0 }'
check $? "conn: no health check row written"
# drop_columns: every conn file without them, its rows as wide as its #fields.
cat "$out_dir"/conn.log "$out_dir"/conn.*.log | awk -F'\t' '
	/^#fields/ { want = NF - 1; for (i = 2; i <= NF; i++) if ($i == "history" || $i == "missed_bytes") bad++; files++; next }
	/^#/ { next }
	NF != want { bad++ }
	END { exit bad > 0 || files < 2 }'
check $? "conn: history and missed_bytes dropped from every file's #fields and rows"

# Together: from the first conn row sampled out, conn and dns keep the same uids.
first=$(seqs "$out_dir" conn | awk 'BEGIN { want = 256 } $1 != want { print want; exit } { want++ }')
seqs "$out_dir" conn | awk -v f="$first" '$1 > f' > "$tmp/conn.seq"
seqs "$out_dir" dns | awk -v f="$first" '$1 > f' > "$tmp/dns.seq"
n=$(wc -l < "$tmp/conn.seq")
[ -n "$first" ] && [ "$n" -gt 100 ] && cmp -s "$tmp/conn.seq" "$tmp/dns.seq"
check $? "conn and dns keep the same uids once both sample ($n uids after seq $first)"

grep -q 'Reporter::INFO	set log dns sample 0.1	vigil-logd' "$out_dir"/reporter*.log &&
	grep -q 'Reporter::ERROR	policy reload (console) failed' "$out_dir"/reporter*.log &&
	grep -q 'policy: set log dns sample 0.1' "$tmp/logd.err"
check $? "changes and errors in reporter.log and on stderr"

# ---- the sensor writing into the ring ----
"$gen" -o "$tmp/apps.pcap" -n 40000 -f 400 --apps -s 7 -q
mkdir -p "$tmp/ref" "$tmp/smp"
"$vigil" -q -r "$tmp/apps.pcap" -o "$tmp/ref"
printf 'version: 1\ndefaults: {sample: 0.3}\n' > "$tmp/s.yaml"
"$logd" --shm "$shm-s" -o "$tmp/smp" --export-policy "$tmp/s.yaml" --console-socket none \
	--exit-when-done --wait 10 -q &
spid=$!
pids+=("$spid")
"$vigil" -q -r "$tmp/apps.pcap" --logd "$shm-s"
wait "$spid"
check $? "vigil -r --logd with a 0.3 sample: vigil-logd exits 0"
data() { grep -hv '^#' "$1" 2> /dev/null | sort; }
cut -f2 < <(data "$tmp/smp/conn.log") > "$tmp/kept"
nref=$(data "$tmp/ref/conn.log" | wc -l)
nkept=$(wc -l < "$tmp/kept")
awk -v k="$nkept" -v n="$nref" 'BEGIN { exit !(n > 500 && k > 0.2 * n && k < 0.4 * n) }'
check $? "conn.log: $nkept of $nref connections kept at 0.3"
for log in conn http ssl ssh files ftp; do
	[ -f "$tmp/ref/$log.log" ] || continue
	# files.log's uid is its 3rd column (after ts, fuid); the others' 2nd.
	col=2
	[ $log = files ] && col=$(awk -F'\t' '/^#fields/ { for (i = 2; i <= NF; i++) if ($i == "uid") print i - 1; exit }' "$tmp/ref/files.log")
	data "$tmp/ref/$log.log" | awk -F'\t' -v c="$col" 'NR == FNR { k[$1] = 1; next } k[$c]' "$tmp/kept" - > "$tmp/want"
	data "$tmp/smp/$log.log" > "$tmp/got"
	cmp -s "$tmp/want" "$tmp/got"
	check $? "$log.log: exactly the unsampled run's rows of the kept uids ($(wc -l < "$tmp/got") of $(data "$tmp/ref/$log.log" | wc -l))"
done

# The in-process writer (vigil -r --export-policy): the same rows as
# vigil-logd's under the same policy, every log (the hash is the process's
# own: nothing but the uid and the seed).
mkdir -p "$tmp/inproc"
"$vigil" -q -r "$tmp/apps.pcap" -o "$tmp/inproc" --export-policy "$tmp/s.yaml" --stats 2> "$tmp/inproc.err"
check $? "vigil -r --export-policy: exit 0"
for log in conn http ssl ssh files ftp; do
	[ -f "$tmp/ref/$log.log" ] || continue
	cmp -s <(data "$tmp/inproc/$log.log") <(data "$tmp/smp/$log.log")
	check $? "$log.log: vigil -r --export-policy keeps the rows vigil-logd kept"
done
grep -q "^vigil: policy conn offered $nref (.*) exported $nkept (.*) dropped off 0 filter 0 sample $((nref - nkept))$" "$tmp/inproc.err"
check $? "vigil -r --stats: the policy's conn line ($(grep 'policy conn' "$tmp/inproc.err"))"
out=$("$vigil" -q -r "$tmp/apps.pcap" -o "$tmp/inproc" --export-policy "$tmp/bad.yaml" 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "bad.yaml:3: "
check $? "vigil -r with a bad --export-policy: exit 1, one line with file:line (rc $rc: $out)"
out=$("$vigil" -q -r "$tmp/apps.pcap" --logd "$shm-x" --export-policy "$tmp/s.yaml" 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "give it to vigil-logd"
check $? "vigil -r --logd --export-policy: refused in one line (rc $rc: $out)"

echo "policy: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
