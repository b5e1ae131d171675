#!/usr/bin/env bash
# weft end to end on this machine (loopback only): a national CERT shares
# phishing reports through a weft broker; a bank receives them with the
# victims' personal data removed by its data-protection policy, while a peer
# CERT under another policy receives the contacts it needs. Installs what is
# missing and builds first.
# Then the bank's SOC goes offline, the broker crashes and restarts, and the
# SOC catches up with what it missed, once and in order. An auditor verifies
# the signed log; the CERT shares a STIX 2.1 bundle and the bank's TIP and
# firewall take it as STIX, a block list and over TAXII 2.1.
#   scripts/demo.sh            (keeps nothing; set WEFT_DEMO_DIR to keep the deployment)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -t 1 ]; then bold=$'\033[1m'; plain=$'\033[0m'; else bold=""; plain=""; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '   %s\n' "$*"; }

say "Preparing: installing missing packages and building weft (first run takes a few minutes)"
"$root/scripts/build.sh" >/dev/null
weft="$root/build/bin/weft"
weftd="$root/build/bin/weftd"

demo_dir=${WEFT_DEMO_DIR:-$(mktemp -d /tmp/weft-demo.XXXXXX)}
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  if [ -z "${WEFT_DEMO_DIR:-}" ]; then
    rm -rf "$demo_dir"
  fi
}
trap cleanup EXIT

# A free loopback port for the broker.
port=7443
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
done
# And one for its TAXII 2.1 endpoint.
taxii_port=$((port + 1))
while (exec 3<>"/dev/tcp/127.0.0.1/$taxii_port") 2>/dev/null; do
  taxii_port=$((taxii_port + 1))
done
deployment="$demo_dir/deployment"

say "1. The broker operator sets up a deployment"
note "A deployment CA, the broker's certificate and an empty organisation registry."
"$weft" admin init --dir "$deployment" --listen "127.0.0.1:$port" --broker-id weft-demo | sed 's/^/   /'
note "The broker also serves TAXII 2.1 on 127.0.0.1:$taxii_port, for threat-intelligence platforms."
echo "taxii { listen: \"127.0.0.1:$taxii_port\" }" >>"$deployment/weftd.conf"

say "2. The operator registers four organisations"
note "Each gets its own key and certificate; the broker knows them by the key's fingerprint."
"$weft" admin org add --dir "$deployment" --name ncsc-nl --display-name "National CERT (NL)" \
  --roles publisher,subscriber --jurisdiction NL --sector government | sed 's/^/   /'
"$weft" admin org add --dir "$deployment" --name acme-bank --display-name "ACME Bank SOC" \
  --roles subscriber --jurisdiction NL --sector finance --read-feeds phishing,sector.finance | sed 's/^/   /'
"$weft" admin org add --dir "$deployment" --name cert-be --display-name "CERT.be (peer CERT)" \
  --roles subscriber --jurisdiction BE --sector csirt | sed 's/^/   /'
"$weft" admin org add --dir "$deployment" --name dpo-audit --display-name "Data-protection auditor" \
  --roles auditor --jurisdiction DE --sector government | sed 's/^/   /'
"$weft" admin org list --dir "$deployment" | sed 's/^/   /'

start_broker() {
  rm -f "$demo_dir/ready.json"
  "$weftd" --config "$deployment/weftd.conf" --ready-file "$demo_dir/ready.json" 2>>"$demo_dir/weftd.log" &
  broker_pid=$!
  for _ in $(seq 1 200); do
    [ -s "$demo_dir/ready.json" ] && return 0
    kill -0 "$broker_pid" 2>/dev/null || { cat "$demo_dir/weftd.log"; echo "weftd did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "weftd did not get ready within 20 s" >&2
  exit 1
}

say "3. The broker starts (mutual TLS 1.3 on 127.0.0.1:$port)"
start_broker
note "weftd is running (pid $broker_pid); its log: $demo_dir/weftd.log"
note "Reports are stored encrypted in $deployment/data/weft.db before they are acknowledged."

say "4. ACME Bank's SOC and the peer CERT subscribe to the 'phishing' feed"
note "Each recipient gets one data-protection policy, chosen by its registry entry:"
note "acme-bank (NL, finance) -> eu-baseline; cert-be (BE, csirt) -> cert-peer."
note "The bank's SOC uses a durable subscription named 'soc': the broker keeps its place."
"$weft" --profile "$deployment/orgs/acme-bank/profile.conf" subscribe --feed phishing --durable soc --count 3 --timeout 30 \
  >"$demo_dir/received.jsonl" 2>"$demo_dir/subscriber.err" &
subscriber_pid=$!
"$weft" --profile "$deployment/orgs/cert-be/profile.conf" subscribe --feed phishing --count 3 --timeout 30 \
  >"$demo_dir/peer.jsonl" 2>"$demo_dir/peer.err" &
peer_pid=$!
for _ in $(seq 1 100); do
  [ "$(grep -c "subscribe.accepted" "$demo_dir/weftd.log")" -ge 2 ] && break
  sleep 0.1
done
note "Both are connected and waiting for reports."

say "5. The national CERT publishes three reports from examples/sample-reports.json"
"$weft" --profile "$deployment/orgs/ncsc-nl/profile.conf" publish "$root/examples/sample-reports.json" \
  | sed 's/^/   acknowledged: /'

say "6. What ACME Bank received"
if ! wait "$subscriber_pid" || ! wait "$peer_pid"; then
  cat "$demo_dir/subscriber.err" "$demo_dir/peer.err" >&2
  echo "a subscriber did not receive the reports" >&2
  exit 1
fi
while IFS= read -r line; do
  title=$(printf '%s' "$line" | grep -o '"title":"[^"]*"' | head -1 | cut -d'"' -f4)
  tlp=$(printf '%s' "$line" | grep -o '"tlp":"[^"]*"' | head -1 | cut -d'"' -f4)
  source=$(printf '%s' "$line" | grep -o '"source_organisation":"[^"]*"' | cut -d'"' -f4)
  indicators=$(printf '%s' "$line" | grep -o '"value":"[^"]*"' | cut -d'"' -f4 | paste -sd' ' -)
  note "TLP:$tlp  \"$title\""
  note "         from $source (asserted by the broker from the certificate, not from the report)"
  note "         indicators: $indicators"
done <"$demo_dir/received.jsonl"
description_of() { grep -o '"description":"[^"]*"' "$1" | head -1 | cut -d'"' -f4; }
summary_of() { grep -o '"redaction":{[^}]*' "$1" | head -1 | grep -o '"policy":"[^"]*"' | cut -d'"' -f4; }
note ""
note "The first report as the bank's SIEM reads it (policy $(summary_of "$demo_dir/received.jsonl")):"
description_of "$demo_dir/received.jsonl" | fold -s -w 100 | sed 's/^/     /'
note "The victim's name, e-mail, phone and IBAN were removed; her workstation's IP became a"
note "pseudonym only this bank can correlate; the attacker's indicators are intact."
note "The bank's client checked the CERT's signature and the broker's attestation of each report:"
grep -o 'verified: .*' "$demo_dir/subscriber.err" | head -3 | sed 's/^/     /'
if ! grep -q "verified: signed by ncsc-nl" "$demo_dir/subscriber.err"; then
  cat "$demo_dir/subscriber.err" >&2
  echo "the bank could not verify what it received" >&2
  exit 1
fi

say "7. What the peer CERT received for the same report"
note "Policy $(summary_of "$demo_dir/peer.jsonl"): contacts kept for incident handling, payment data still removed:"
description_of "$demo_dir/peer.jsonl" | fold -s -w 100 | sed 's/^/     /'
if grep -q "Maria Rossi" "$demo_dir/received.jsonl" || ! grep -q "Maria Rossi" "$demo_dir/peer.jsonl"; then
  echo "the policies did not apply as expected" >&2
  exit 1
fi

say "8. The SOC box goes down for patches; meanwhile the broker is killed (SIGKILL) and restarted"
kill -KILL "$broker_pid"
{ wait "$broker_pid"; } 2>/dev/null || true  # quiet: bash would announce "Killed"
start_broker
note "weftd restarted (pid $broker_pid) from its database."
update_id=$(cat /proc/sys/kernel/random/uuid)
printf '%s\n' "{\"id\":\"$update_id\",\"feed\":\"phishing\",\"tlp\":\"GREEN\",\"title\":\"Update: the phishing kit moved to a new domain\",\"description\":\"The kit now posts credentials to a new host.\",\"indicators\":[{\"type\":\"DOMAIN\",\"value\":\"secure-login-update.example\"}]}" \
  >"$demo_dir/update.json"
note "The CERT publishes an update while the SOC is away; its script retries after a network"
note "hiccup, and the broker recognises the second copy by its id:"
"$weft" --profile "$deployment/orgs/ncsc-nl/profile.conf" publish "$demo_dir/update.json" | sed 's/^/   acknowledged: /'
"$weft" --profile "$deployment/orgs/ncsc-nl/profile.conf" publish "$demo_dir/update.json" | sed 's/^/   acknowledged: /'
note "The SOC comes back and resumes its subscription:"
"$weft" --profile "$deployment/orgs/acme-bank/profile.conf" subscribe --feed phishing --durable soc --count 1 --timeout 20 \
  >"$demo_dir/caught-up.jsonl" 2>"$demo_dir/caught-up.err"
sed 's/^weft: /   /' "$demo_dir/caught-up.err"
note "received: \"$(grep -o '"title":"[^"]*"' "$demo_dir/caught-up.jsonl" | cut -d'"' -f4)\" (sequence $(grep -o '"sequence":"[0-9]*"' "$demo_dir/caught-up.jsonl" | cut -d'"' -f4) of the feed)"
if ! grep -q "$update_id" "$demo_dir/caught-up.jsonl"; then
  echo "the SOC did not catch up after the restart" >&2
  exit 1
fi
status=0
"$weft" --profile "$deployment/orgs/acme-bank/profile.conf" subscribe --feed phishing --durable soc --count 1 --timeout 1 \
  >"$demo_dir/more.jsonl" 2>/dev/null || status=$?
if [ "$status" -ne 4 ] || [ -s "$demo_dir/more.jsonl" ]; then
  echo "the SOC was sent more than it missed" >&2
  exit 1
fi
note "Asked again, the broker has nothing more for it: caught up, no duplicate."

say "9. The auditor tries to publish: its role does not allow that"
if "$weft" --profile "$deployment/orgs/dpo-audit/profile.conf" publish "$root/examples/sample-reports.json" \
  >/dev/null 2>"$demo_dir/auditor.err"; then
  echo "the auditor was able to publish: that must not happen" >&2
  exit 1
fi
sed 's/^/   refused: /' "$demo_dir/auditor.err" | head -1

say "10. The data-protection auditor verifies the signed audit log and asks who received e-mail addresses"
auditor=("$weft" --profile "$deployment/orgs/dpo-audit/profile.conf" audit)
"${auditor[@]}" verify 2>/dev/null | sed 's/^/   /'
"${auditor[@]}" report --format md --out "$demo_dir/audit-report.md" 2>/dev/null
"${auditor[@]}" report --format html --out "$demo_dir/audit-report.html" 2>/dev/null
note "What each policy did with personal data (the whole report: $demo_dir/audit-report.html):"
awk '/^\| Policy \| Version \| Category/ { on = 1 } !/^\|/ { on = 0 } on' "$demo_dir/audit-report.md" | sed 's/^/   /'
"${auditor[@]}" query --category EMAIL --action KEEP >"$demo_dir/emails-kept.jsonl"
note "Deliveries where an e-mail address went out unredacted:"
sed -n 's/.*"recipient": *"\([^"]*\)".*"recipient_jurisdiction": *"\([^"]*\)".*"policy": *{[^}]*"name": *"\([^"]*\)".*/\1 (\2), policy \3/p' \
  "$demo_dir/emails-kept.jsonl" | sort | uniq -c | sed 's/^ */   /'
note "The auditor trusts no one's word: the log is a Merkle tree whose checkpoints the broker signs;"
note "an edited, deleted or rolled-back entry makes 'weft audit verify' fail and weftd refuse to start."

say "11. The CERT shares a STIX 2.1 bundle from its tooling; the bank's tools read their own formats"
bank=("$weft" --profile "$deployment/orgs/acme-bank/profile.conf")
note "The bank's threat-intelligence platform and its firewall each keep a durable subscription"
note "(the first export creates it at the feed's end):"
"${bank[@]}" export --feed phishing --durable tip --format stix --out "$demo_dir/tip-bundle.json" --idle 1 2>&1 |
  sed 's/^weft: /   /'
"${bank[@]}" export --feed phishing --durable firewall --format values --type domain --out "$demo_dir/blocklist.txt" \
  --idle 1 2>&1 | sed 's/^weft: /   /'
note "The CERT publishes examples/phishing-campaign.stix.json as it came out of its tooling:"
"$weft" --profile "$deployment/orgs/ncsc-nl/profile.conf" publish --format stix --feed phishing \
  "$root/examples/phishing-campaign.stix.json" 2>"$demo_dir/stix-publish.err" | sed 's/^/   acknowledged: /'
sed -e 's/^weft: [^:]*: /   /' "$demo_dir/stix-publish.err"
note "(What weft does not carry is named, never dropped silently.)"
"${bank[@]}" export --feed phishing --durable tip --format stix --out "$demo_dir/tip-bundle.json" --idle 1 2>&1 |
  grep -v -e '^weft: report' -e 'resumes after' | sed 's/^weft: /   /'
"${bank[@]}" export --feed phishing --durable firewall --format values --type domain --out "$demo_dir/blocklist.txt" \
  --idle 1 2>&1 | grep -v -e '^weft: report' -e 'resumes after' | sed 's/^weft: /   /'
note "The firewall's block list ($demo_dir/blocklist.txt):"
sed 's/^/     /' "$demo_dir/blocklist.txt"
note "The TIP's STIX bundle holds $(grep -o '"type":"indicator"' "$demo_dir/tip-bundle.json" | wc -l) indicators, the TLP:GREEN marking, the CERT as creator and"
note "the redaction summary as a note; the victim's e-mail and phone are not in it."
if ! grep -q "bank-login-check.example" "$demo_dir/blocklist.txt" || grep -q "devries" "$demo_dir/tip-bundle.json" ||
  grep -q "23456789" "$demo_dir/tip-bundle.json"; then
  echo "the exports are not what the bank's policy allows" >&2
  exit 1
fi
note "A TIP can also pull over TAXII 2.1 with the bank's certificate (curl here):"
taxii=(curl -sS --cacert "$deployment/ca/ca.pem" --cert "$deployment/orgs/acme-bank/cert.pem"
  --key "$deployment/orgs/acme-bank/key.pem" -H 'Accept: application/taxii+json;version=2.1')
collections=$("${taxii[@]}" "https://127.0.0.1:$taxii_port/weft/api/collections/")
collection=$(printf '%s' "$collections" | python3 -c \
  'import json, sys; print(next(c["id"] for c in json.load(sys.stdin)["collections"] if c["title"] == "phishing"))')
"${taxii[@]}" "https://127.0.0.1:$taxii_port/weft/api/collections/$collection/objects/?match%5Btype%5D=indicator" \
  >"$demo_dir/taxii-indicators.json"
note "GET .../collections/$collection/objects/?match[type]=indicator:"
python3 -c 'import json, sys
for o in json.load(open(sys.argv[1]))["objects"]:
    print("     " + o["pattern"])' "$demo_dir/taxii-indicators.json"
note "Each object went through the bank's policy and is in the audit log, like any delivery."

say "12. The operator revokes ACME Bank's access"
"$weft" admin org revoke --dir "$deployment" acme-bank | sed 's/^/   /'
sleep 0.5
if "$weft" --profile "$deployment/orgs/acme-bank/profile.conf" whoami >/dev/null 2>"$demo_dir/revoked.err"; then
  echo "a revoked organisation could still connect" >&2
  exit 1
fi
sed 's/^/   /' "$demo_dir/revoked.err"

say "13. The broker stops gracefully"
kill -TERM "$broker_pid"
wait "$broker_pid"
broker_pid=""
grep "broker.stopped" "$demo_dir/weftd.log" | sed 's/^.*broker.stopped /   /'

say "Done: 5 reports shared over mutual TLS (one as a STIX bundle), each recipient's copy filtered by its own policy; the SOC caught up after a broker crash without a duplicate; the bank's TIP and firewall took STIX, a block list and TAXII; every delivery is in a signed log the auditor verified; an unauthorised publish and a revoked organisation were refused."
