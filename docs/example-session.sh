#!/usr/bin/env bash
# The README's example session, run as is by a test (test/integration/example-session.test.ts).
# With `npm start` running, give it what npm start printed:
#   EST=<établissement> ADMIN_LOGIN=<identifiant> ADMIN_PASSWORD=<mot de passe> bash docs/example-session.sh
# Needs curl and node (no jq, no uuidgen). Other addresses: API=… MAILBOX=… OPERATOR_TOKEN=…
set -euo pipefail
API=${API:-http://localhost:3000}
MAILBOX=${MAILBOX:-http://127.0.0.1:3025}
OPERATOR_TOKEN=${OPERATOR_TOKEN:-dev-operator-token-change-me}
: "${EST:?EST = the establishment id printed by npm start}" "${ADMIN_LOGIN:?}" "${ADMIN_PASSWORD:?}"
for tool in curl node; do command -v $tool >/dev/null || { echo "$tool is needed" >&2; exit 1; }; done

# json 'expression of it': reads JSON on stdin, prints the value (text as is, the rest as JSON).
json() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const v = new Function("it", "return " + process.argv[1])(JSON.parse(s));
  console.log(typeof v === "string" ? v : JSON.stringify(v)); })' "$1"; }
# call METHOD PATH [curl options…]: the API with the session token; fails on an HTTP error.
call() { local method=$1 path=$2; shift 2
  curl -sS --fail-with-body -X "$method" "$API$path" -H "authorization: Bearer ${TOKEN:-}" "$@"; }
JSON=(-H 'content-type: application/json')
# links: the password-creation links the holder received, newest first (the mailbox's JSON API).
links() { curl -sS "$MAILBOX/api/messages?to=$EMAIL" | json 'it.filter((m) => m.subject === "Vous pouvez créer votre mot de passe")
  .map((m) => m.text.match(/http\S*password\?token=\S+/)[0]).join(" ")'; }
# wait_links N: waits until N links arrived (the worker sends them within seconds), prints the newest.
wait_links() { local found; for _ in $(seq 150); do found=($(links)); [ ${#found[@]} -ge "$1" ] && echo "${found[0]}" && return; sleep 0.2; done
  echo "$1 email(s) did not arrive in $MAILBOX" >&2; return 1; }

echo '## the admin logs in: a bearer token, valid SESSION_TTL_MINUTES'
TOKEN=$(call POST /auth/login "${JSON[@]}" -d "{\"loginId\":\"$ADMIN_LOGIN\",\"password\":\"$ADMIN_PASSWORD\"}" | json it.token)
call GET /me | json '({ account: it.account.loginId, establishment: it.establishment.name, notices: it.notices.length })'
call GET /services | json 'it.themes.map((t) => t.label)'

echo '## creates an account (steps 1 and 2 of the guide); the login id comes back (step 3)'
EMAIL="jean.louty.$RANDOM@mairie.test"
KEY=$(node -p 'crypto.randomUUID()')   # Idempotency-Key: the same key replays the first answer
CREATED=$(call POST "/establishments/$EST/accounts" "${JSON[@]}" -H "Idempotency-Key: $KEY" -d "{
  \"profile\": \"user\", \"civility\": \"monsieur\", \"lastName\": \"Louty\", \"firstName\": \"Jean\",
  \"email\": \"$EMAIL\", \"emailConfirmation\": \"$EMAIL\",
  \"phone\": \"0241051938\", \"serviceFunction\": \"Ressources humaines\",
  \"rights\": { \"affiliation-cnracl\": \"write\", \"validations-periodes-cnracl\": \"read\" } }")
ACC=$(echo "$CREATED" | json it.id)
LOGIN=$(echo "$CREATED" | json it.loginId)
echo "$CREATED" | json '({ id: it.id, loginId: it.loginId, statusLabel: it.statusLabel, linkExpiresAt: it.activationLinkExpiresAt })'

echo '## the list: accent-insensitive search, filters, grouping, pages of 25 (50, 100)'
call GET "/establishments/$EST/accounts?q=louty&status=pending_activation&groupBy=status&pageSize=25" | json 'it.groups'
wait_links 1 >/dev/null   # the creation email first: a resend before it goes out is folded into it
call POST "/establishments/$EST/accounts/$ACC/resend-activation" | json it.message   # new link, old one dead
call PATCH "/establishments/$EST/accounts/$ACC" "${JSON[@]}" -d '{"rights": {"estimation-pension-cnracl": "write"}}' \
  | json 'it.rights["estimation-pension-cnracl"]'

echo '## the holder: two emails (creation, resend) in the local mailbox, whose JSON API lists the newest first'
LINK=$(wait_links 2)   # only the newest link lives
LINK_TOKEN=${LINK#*token=}
curl -sS -o /dev/null -w 'the link opens the page: %{http_code}\n' "$API/password?token=$LINK_TOKEN"
curl -sS --fail-with-body "$API/auth/password" "${JSON[@]}" \
  -d "{\"token\":\"$LINK_TOKEN\",\"password\":\"Soleil-2026\",\"passwordConfirmation\":\"Soleil-2026\"}" | json it.message
# then logs in with the login id the admin handed over (it is never shown by the link's page)
HOLDER=$(curl -sS --fail-with-body "$API/auth/login" "${JSON[@]}" -d "{\"loginId\":\"$LOGIN\",\"password\":\"Soleil-2026\"}" | json it.token)
TOKEN=$HOLDER call GET /me | json '({ loginId: it.account.loginId, status: it.account.statusLabel })'

echo '## forgotten password: `identifier` is a login id or an email; the answer never says whether it exists'
curl -sS --fail-with-body "$API/auth/forgot-password" "${JSON[@]}" -d "{\"identifier\":\"$LOGIN\"}" | json it.message

echo '## the admin again: renewal, export, history, deletion'
call POST "/establishments/$EST/accounts/bulk-renew" "${JSON[@]}" -d "{\"ids\": [\"$ACC\"]}" | json 'it.results.map((r) => r.outcome)'
call GET "/establishments/$EST/accounts/export.csv" -o comptes.csv && echo "export: $(wc -l < comptes.csv) lines in comptes.csv" && rm comptes.csv
call GET "/establishments/$EST/history?accountId=$ACC" | json 'it.items.map((e) => e.actionLabel)'
call DELETE "/establishments/$EST/accounts/$ACC" -o /dev/null -w 'deleted: %{http_code}\n'

echo '## the operator (DRS) lists the establishments'
TOKEN=$OPERATOR_TOKEN call GET /operator/establishments | json 'it.items.length'
