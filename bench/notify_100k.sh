#!/usr/bin/env bash
# Benchmark: the notification outbox delivering 100,000 emails to a local SMTP sink (postfix's
# smtp-sink), beside the sink's own ceiling measured in the same run with postfix's smtp-source
# (20 sessions, the same message size, connections reused as ebcm reuses them); and the lateness
# of 10,000 open escalation deadlines worked from the store, beside the same deadlines kept in
# memory. Not a test: machines are noisy.
#
#   bench/notify_100k.sh [EMAILS] [ESCALATIONS]    (default 100000 and 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
emails=${1:-100000}
escalations=${2:-10000}
source bench/common.sh
for tool in smtp-sink smtp-source; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { echo "needs postfix's $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
export PATH=$PATH:/usr/sbin
port=${SMTP_PORT:-12525}
smtp-sink -u nobody "127.0.0.1:$port" 1000 2>> "$out/bench.log" &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
sleep 0.5
echo "== the sink's ceiling: smtp-source, $emails messages of 2 KB, 20 sessions"
t0=$(date +%s.%N)
smtp-source -s 20 -m "$emails" -C 100 -l 2000 -f continuity@example.com -t person@example.com "127.0.0.1:$port"
t1=$(date +%s.%N)
awk -v n="$emails" -v a="$t0" -v b="$t1" 'BEGIN { printf "smtp-source: %.2f s, %.0f messages/s\n", b - a, n / (b - a) }'
echo "== ebcm's outbox: $emails emails queued in one round, delivered by the Deliverer"
build/notify_bench email "smtp://127.0.0.1:$port" "$emails" "$out/notify-bench.db"
echo "== escalation deadlines"
build/notify_bench escalate "$escalations" "$out/notify-bench.db"
