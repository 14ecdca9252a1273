#!/usr/bin/env bash
# Adds the Portcullis servers to Claude Code. Run from the repository root after `npm run build`.
#   bash deploy/clients/claude-code-add.sh            # stdio servers for you (user scope)
#   bash deploy/clients/claude-code-add.sh --http     # the deployed HTTP servers instead
# Tokens are read from the environment at run time, never written into this script (Claude Code
# keeps the header in its own config; deploy/clients/mcp-http.json expands ${VAR} at connect
# time instead). The server name comes first: --env and --header take several values each.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
principal="${PORTCULLIS_PRINCIPAL:-$(id -un)}"
tenant="${PORTCULLIS_TENANT:-acme}"

if [ "${1:-}" = "--http" ]; then
  : "${PORTCULLIS_CRM_TOKEN:?set PORTCULLIS_CRM_TOKEN to a bearer token for the crm server}"
  : "${PORTCULLIS_BILLING_TOKEN:?set PORTCULLIS_BILLING_TOKEN to a bearer token for the billing server}"
  claude mcp add portcullis-crm --transport http --scope user \
    "${PORTCULLIS_CRM_URL:-https://crm.mcp.example.com/mcp}" \
    --header "Authorization: Bearer ${PORTCULLIS_CRM_TOKEN}"
  claude mcp add portcullis-billing --transport http --scope user \
    "${PORTCULLIS_BILLING_URL:-https://billing.mcp.example.com/mcp}" \
    --header "Authorization: Bearer ${PORTCULLIS_BILLING_TOKEN}"
  exit 0
fi

for server in crm billing; do
  cli="${repo}/servers/${server}/dist/cli.js"
  [ -f "${cli}" ] || { echo "missing ${cli}: run npm run build first" >&2; exit 1; }
done

claude mcp add portcullis-crm --transport stdio --scope user \
  --env PORTCULLIS_PRINCIPAL="${principal}" \
  --env PORTCULLIS_ROLES="${PORTCULLIS_CRM_ROLES:-rep,viewer}" \
  --env PORTCULLIS_TENANT="${tenant}" \
  -- node "${repo}/servers/crm/dist/cli.js"

claude mcp add portcullis-billing --transport stdio --scope user \
  --env PORTCULLIS_PRINCIPAL="${principal}" \
  --env PORTCULLIS_ROLES="${PORTCULLIS_BILLING_ROLES:-support,viewer}" \
  --env PORTCULLIS_TENANT="${tenant}" \
  -- node "${repo}/servers/billing/dist/cli.js"

claude mcp list
