#!/usr/bin/env bash
# The TAXII 2.1 read side under a full read: a fresh deployment's database is
# filled with REPORTS reports on one feed (build/bench/fill_store), weftd is
# started with TAXII on, and an independent client (tests/interop/taxii_client.py,
# one kept-alive mutual-TLS connection) pages through the whole collection with
# LIMIT objects per page; every report goes through the subscriber's policy,
# becomes STIX and is recorded in the audit log. Then curl times single pages.
# Prints:
#   taxii reports=<n> objects=<m> pages=<p> seconds=<t> objects_per_s=<r> reports_per_s=<q>
#   taxii curl_page limit=<LIMIT> p50_ms=<a> max_ms=<b> (of 20 first pages)
#
#   bench/taxii.sh                     REPORTS=5000 LIMIT=100
# Everything runs in a temp folder on 127.0.0.1; weftd is stopped by PID on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
REPORTS=${REPORTS:-5000}
LIMIT=${LIMIT:-100}

source "$root/bench/deployment.sh" taxii
"$root/build/bench/fill_store" --dir "$deployment" --reports "$REPORTS" --feeds 1 --publisher bench-pub >&2
echo 'taxii { listen: "127.0.0.1:0" max_page: 1000 }' >>"$deployment/weftd.conf"

start_weftd
port=$(grep -o '"taxii_port":[0-9]*' "$deployment/ready.json" | cut -d: -f2)
org=$deployment/orgs/bench-sub
tls=(--ca "$deployment/ca/ca.pem" --cert "$org/cert.pem" --key "$org/key.pem")

started=${EPOCHREALTIME/./}
/usr/bin/python3 "$root/tests/interop/taxii_client.py" --port "$port" "${tls[@]}" \
  objects --collection phishing --limit "$LIMIT" >"$work/objects.txt"
finished=${EPOCHREALTIME/./}
objects=$(grep -vc '^pages ' "$work/objects.txt")
pages=$(sed -n 's/^pages //p' "$work/objects.txt")
awk -v n="$REPORTS" -v m="$objects" -v p="$pages" -v us=$((finished - started)) 'BEGIN {
  printf "taxii reports=%d objects=%d pages=%d seconds=%.2f objects_per_s=%.0f reports_per_s=%.0f\n",
         n, m, p, us / 1e6, m / (us / 1e6), n / (us / 1e6) }'

collection=$(/usr/bin/python3 "$root/tests/interop/taxii_client.py" --port "$port" "${tls[@]}" collections |
  awk '$2 == "phishing" { print $1 }')
for _ in $(seq 20); do
  curl -s -o /dev/null -w '%{time_total}\n' --cacert "$deployment/ca/ca.pem" --cert "$org/cert.pem" \
    --key "$org/key.pem" -H 'Accept: application/taxii+json;version=2.1' \
    "https://127.0.0.1:$port/weft/api/collections/$collection/objects/?limit=$LIMIT"
done | sort -n | awk -v limit="$LIMIT" '{ t[NR] = $1 } END {
  printf "taxii curl_page limit=%d p50_ms=%.1f max_ms=%.1f (of %d first pages, each a new TLS connection)\n",
         limit, t[int((NR + 1) / 2)] * 1000, t[NR] * 1000, NR }'
