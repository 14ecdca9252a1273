/**
 * The demo cloud of the simulated backend: the accounts of posture-read's demo tenants and the
 * resources its demo story is about (the public bucket acme-prod-exports, the security group
 * sg-0a1b2c3d4e5f60718 open to the internet on 22, ci-deploy's stale access key), plus a few
 * neighbours so every action has a target in a production and a non-production account.
 */
export const SEED_VERSION = 'demo-1';

export interface SeedAccount {
  account: string;
  tenant: string;
  name: string;
  environment: 'production' | 'staging' | 'development';
  change_mode: 'automate' | 'ticket';
}

export type SimKind = 'bucket' | 'security_group' | 'access_key' | 'instance';

export interface SimResource {
  account: string;
  kind: SimKind;
  id: string;
  region: string;
  state: Record<string, unknown>;
}

export const DEMO_STORY = {
  tenant: 'acme',
  account: '111111111111',
  region: 'us-east-1',
  publicBucket: 'acme-prod-exports',
  openSecurityGroup: 'sg-0a1b2c3d4e5f60718',
  quarantineGroup: 'sg-0c0ffee0000000001',
  staleKeyUser: 'ci-deploy',
  staleKey: 'AKIAIOSFODNN7EXAMPLE',
  bastion: 'i-0a1b2c3d4e5f60718',
  staging: '222222222222',
} as const;

export const DEMO_ACCOUNTS: SeedAccount[] = [
  {
    account: '111111111111',
    tenant: 'acme',
    name: 'acme-prod',
    environment: 'production',
    change_mode: 'automate',
  },
  {
    account: '222222222222',
    tenant: 'acme',
    name: 'acme-staging',
    environment: 'staging',
    change_mode: 'automate',
  },
  {
    account: '333333333333',
    tenant: 'acme',
    name: 'acme-dev',
    environment: 'development',
    change_mode: 'automate',
  },
  // Globex's auditors want every production change to go through its own change board.
  {
    account: '444444444444',
    tenant: 'globex',
    name: 'globex-prod',
    environment: 'production',
    change_mode: 'ticket',
  },
];

const open = {
  block_public_acls: false,
  ignore_public_acls: false,
  block_public_policy: false,
  restrict_public_buckets: false,
};
const rule = (protocol: string, from: number, to: number, cidr: string) => ({
  protocol,
  from_port: from,
  to_port: to,
  cidr,
});

export function demoResources(): SimResource[] {
  const p = DEMO_STORY.account;
  const s = DEMO_STORY.staging;
  const r = 'us-east-1';
  return [
    // acme production: the story.
    {
      account: p,
      kind: 'bucket',
      id: DEMO_STORY.publicBucket,
      region: r,
      state: { public_access_block: open, encryption: null },
    },
    {
      account: p,
      kind: 'bucket',
      id: 'acme-prod-logs',
      region: r,
      state: {
        public_access_block: {
          ...open,
          block_public_acls: true,
          ignore_public_acls: true,
          block_public_policy: true,
          restrict_public_buckets: true,
        },
        encryption: { algorithm: 'aws:kms', kms_key_id: 'alias/acme-logs' },
      },
    },
    {
      account: p,
      kind: 'security_group',
      id: DEMO_STORY.openSecurityGroup,
      region: r,
      state: {
        name: 'bastion-prod',
        ingress: [rule('tcp', 22, 22, '0.0.0.0/0'), rule('tcp', 443, 443, '10.0.0.0/8')],
      },
    },
    {
      account: p,
      kind: 'security_group',
      id: 'sg-0b1c2d3e4f5a60729',
      region: r,
      state: {
        name: 'app-prod',
        ingress: [rule('tcp', 443, 443, '0.0.0.0/0'), rule('tcp', 443, 443, '::/0')],
      },
    },
    {
      account: p,
      kind: 'security_group',
      id: DEMO_STORY.quarantineGroup,
      region: r,
      state: { name: 'quarantine', ingress: [] },
    },
    {
      account: p,
      kind: 'access_key',
      id: DEMO_STORY.staleKey,
      region: 'global',
      state: { user: DEMO_STORY.staleKeyUser, status: 'Active' },
    },
    {
      account: p,
      kind: 'instance',
      id: DEMO_STORY.bastion,
      region: r,
      state: { security_groups: [DEMO_STORY.openSecurityGroup] },
    },
    {
      account: p,
      kind: 'instance',
      id: 'i-0123456789abcdef0',
      region: r,
      state: { security_groups: ['sg-0b1c2d3e4f5a60729'] },
    },
    // acme staging: the same kinds of problems where a responder may fix them directly.
    {
      account: s,
      kind: 'bucket',
      id: 'acme-staging-artifacts',
      region: r,
      state: { public_access_block: null, encryption: null },
    },
    {
      account: s,
      kind: 'security_group',
      id: 'sg-0d1e2f3a4b5c60731',
      region: r,
      state: {
        name: 'ci-runners',
        ingress: [
          rule('tcp', 22, 22, '0.0.0.0/0'),
          rule('tcp', 0, 65535, '::/0'),
          rule('tcp', 8080, 8080, '10.1.0.0/16'),
        ],
      },
    },
    {
      account: s,
      kind: 'security_group',
      id: 'sg-0e1f2a3b4c5d60742',
      region: r,
      state: { name: 'quarantine', ingress: [] },
    },
    {
      account: s,
      kind: 'access_key',
      id: 'AKIAI44QH8DHBEXAMPLE',
      region: 'global',
      state: { user: 'deploy-bot', status: 'Active' },
    },
    {
      account: s,
      kind: 'instance',
      id: 'i-0fedcba9876543210',
      region: r,
      state: { security_groups: ['sg-0d1e2f3a4b5c60731'] },
    },
    // acme development.
    {
      account: '333333333333',
      kind: 'bucket',
      id: 'acme-dev-scratch',
      region: 'us-west-2',
      state: { public_access_block: open, encryption: { algorithm: 'AES256' } },
    },
    // globex production (tickets only).
    {
      account: '444444444444',
      kind: 'bucket',
      id: 'globex-prod-reports',
      region: 'eu-west-1',
      state: { public_access_block: open, encryption: null },
    },
    {
      account: '444444444444',
      kind: 'security_group',
      id: 'sg-0f1a2b3c4d5e60753',
      region: 'eu-west-1',
      state: { name: 'globex-admin', ingress: [rule('tcp', 3389, 3389, '0.0.0.0/0')] },
    },
  ];
}
