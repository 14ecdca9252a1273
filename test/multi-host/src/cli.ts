#!/usr/bin/env node
// CRM and billing on one host: the kit's multi-system entry point, as the broker will use it.
import { runServerCli } from '@portcullis/core';
import { server as billing } from '@portcullis/billing';
import { server as crm } from '@portcullis/crm';

await runServerCli([crm, billing], process.argv.slice(2), process.env, {
  name: 'host',
  defaultPort: 7300,
  title: 'Portcullis CRM + billing',
});
