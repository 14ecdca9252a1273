#!/usr/bin/env bash
# Claude Code: add the Portcullis servers. The server name comes first: --env and --header take
# several values each. Replace the demo identity (alice, agent-7 in tenant acme) with your own.
set -euo pipefail

# From npm, over stdio: the identity is PORTCULLIS_PRINCIPAL, PORTCULLIS_ROLES and PORTCULLIS_TENANT.
claude mcp add portcullis-crm --scope user \
  --env PORTCULLIS_PRINCIPAL=alice \
  --env PORTCULLIS_ROLES=rep,pii_reader \
  --env PORTCULLIS_TENANT=acme \
  --env 'PORTCULLIS_ATTRIBUTES={"team":"east"}' \
  -- npx -y @portcullis/crm

claude mcp add portcullis-billing --scope user \
  --env PORTCULLIS_PRINCIPAL=agent-7 \
  --env PORTCULLIS_ROLES=support \
  --env PORTCULLIS_TENANT=acme \
  -- npx -y @portcullis/billing

claude mcp add portcullis-posture-read --scope user \
  --env PORTCULLIS_PRINCIPAL=sam \
  --env PORTCULLIS_ROLES=analyst \
  --env PORTCULLIS_TENANT=acme \
  -- npx -y @portcullis/posture-read

claude mcp add portcullis-remediation-write --scope user \
  --env PORTCULLIS_PRINCIPAL=riley \
  --env PORTCULLIS_ROLES=responder \
  --env PORTCULLIS_TENANT=acme \
  -- npx -y @portcullis/remediation-write

# A deployed server over Streamable HTTP: the identity is the bearer token (an API key issued by the
# deployment, or an OAuth access token for it), read from your environment here.
claude mcp add portcullis-crm-http --transport http --scope user \
  "${PORTCULLIS_CRM_URL:-http://127.0.0.1:7301/mcp}" \
  --header "Authorization: Bearer ${PORTCULLIS_CRM_TOKEN:?set PORTCULLIS_CRM_TOKEN to your API key or access token}"
