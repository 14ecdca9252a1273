/**
 * The Portcullis systems the broker can mount in-process (`local: <name>` in broker.yaml): one
 * map from the name to the server package's definition. Adding a system is one line here.
 */
import type { ServerDefinition } from '@portcullis/core';
import { server as billing } from '@portcullis/billing';
import { server as crm } from '@portcullis/crm';
import { server as postureRead } from '@portcullis/posture-read';
import { server as remediationWrite } from '@portcullis/remediation-write';

// Definitions of different systems differ in their backend types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const LOCAL_SYSTEMS: Readonly<Record<string, ServerDefinition<any>>> = {
  crm,
  billing,
  'posture-read': postureRead,
  'remediation-write': remediationWrite,
};
