import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wholeSetOracle } from '@portcullis/test-support/cedar-oracle';
import { z } from 'zod';
import { ConfigError } from '../src/errors.js';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { actionScopeOf, attributesReadBy, PolicyEngine, policyShapeOf, toCedarValue } from '../src/policy.js';
import type { PolicyResource, Principal } from '../src/tool.js';
import type { PolicyTool } from '../src/tool-entry.js';

const SCHEMA = `
entity Tenant { tenant: String };
entity User { id: String, tenant: String, roles: Set<String>, team?: String };
entity Order { tenant: String, owner: String, paid: Long };
`;
const POLICIES = `
@id("tenant-isolation")
forbid (principal, action, resource) unless { resource.tenant == principal.tenant };

@id("read")
permit (principal, action == Action::"t_get_order", resource) when { principal.roles.contains("viewer") };

@id("refund-small")
permit (principal, action == Action::"t_refund", resource is Order)
when { principal.roles.contains("support") && context.args.amount <= 20000 };

@id("refund-approval")
@approval("required")
permit (principal, action == Action::"t_refund", resource is Order)
when { principal.roles.contains("support") && context.args.amount > 20000 && context.args.amount <= 50000 };

@id("refund-cap")
forbid (principal, action == Action::"t_refund", resource) when { context.args.amount > 50000 };
`;

const tools = [
  { name: 't_get_order', input: z.object({ id: z.string() }), resourceType: 'Order' },
  {
    name: 't_refund',
    input: z.object({ id: z.string(), amount: z.number().int(), reason: z.string().optional() }),
    resourceType: 'Order',
  },
  { name: 't_list', input: z.object({ limit: z.number().int().default(10) }) },
];

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'policy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const who = (roles: string[], tenant = 'acme', id = 'u1'): Principal => ({
  id,
  roles,
  tenant,
  attributes: {},
  onBehalfOf: null,
  via: 'stdio',
});
const order = (tenant = 'acme') => ({
  type: 'Order',
  id: 'o1',
  attributes: { tenant, owner: 'u1', paid: 45000 },
});

describe('PolicyEngine', () => {
  const engine = new PolicyEngine({
    serverName: 't',
    policyDir: dir({ 'schema.cedarschema': SCHEMA, 'main.cedar': POLICIES }),
    tools,
  });

  it("explains a decision in the deciding policies' own @reason annotations", () => {
    const explained = new PolicyEngine({
      serverName: 't-reasons',
      policyDir: dir({
        'schema.cedarschema': SCHEMA,
        'main.cedar': `${POLICIES}
@id("refund-unpaid")
@reason("The order has not been paid.")
forbid (principal, action == Action::"t_refund", resource is Order) when { resource.paid == 0 };
`,
      }),
      tools,
    });
    expect(explained.reasonOf('refund-unpaid')).toBe('The order has not been paid.');
    expect(explained.reasonOf('read')).toBeUndefined();
    const unpaid = { ...order(), attributes: { tenant: 'acme', owner: 'u1', paid: 0 } };
    const d = explained.authorize({
      principal: who(['support']),
      action: 't_refund',
      resource: unpaid,
      context: { args: { id: 'o1', amount: 100 }, now: 1 },
    });
    expect(d).toEqual({
      effect: 'deny',
      policies: ['refund-unpaid'],
      errors: [],
      reasons: { 'refund-unpaid': 'The order has not been paid.' },
    });
    // A policy without @reason adds nothing: the decision only names it.
    const read = explained.authorize({
      principal: who(['viewer']),
      action: 't_get_order',
      resource: order(),
      context: { args: { id: 'o1' }, now: 1 },
    });
    expect(read).toEqual({ effect: 'allow', policies: ['read'], errors: [] });
  });

  it('permits and names the deciding policy', () => {
    const d = engine.authorize({
      principal: who(['viewer']),
      action: 't_get_order',
      resource: order(),
      context: { args: { id: 'o1' }, now: 1 },
    });
    expect(d).toMatchObject({ effect: 'allow', policies: ['read'] });
  });

  it('lets a forbid win over a permit and names it', () => {
    const d = engine.authorize({
      principal: who(['viewer']),
      action: 't_get_order',
      resource: order('globex'),
      context: { args: { id: 'o1' }, now: 1 },
    });
    expect(d).toEqual({ effect: 'deny', policies: ['tenant-isolation'], errors: [] });
  });

  it('denies by default with no deciding policy', () => {
    const d = engine.authorize({
      principal: who(['support']),
      action: 't_get_order',
      resource: order(),
      context: { args: { id: 'o1' }, now: 1 },
    });
    expect(d).toEqual({ effect: 'deny', policies: [], errors: [] });
  });

  it('turns an annotated permit into approval_required, and into allow once approved', () => {
    const req = {
      principal: who(['support']),
      action: 't_refund',
      resource: order(),
      context: { args: { id: 'o1', amount: 30000 }, now: 1 },
    };
    expect(engine.authorize(req)).toMatchObject({
      effect: 'approval_required',
      policies: ['refund-approval'],
    });
    expect(engine.authorize({ ...req, approved: true })).toMatchObject({
      effect: 'allow',
      policies: ['refund-approval'],
    });
    expect(
      engine.authorize({ ...req, context: { args: { id: 'o1', amount: 15000 }, now: 1 } }),
    ).toMatchObject({ effect: 'allow', policies: ['refund-small'] });
    expect(
      engine.authorize({ ...req, context: { args: { id: 'o1', amount: 60000 }, now: 1 } }),
    ).toMatchObject({ effect: 'deny', policies: ['refund-cap'] });
  });

  it('hides only what a principal can never be permitted (partial evaluation)', () => {
    expect(engine.mayEverPermit(who(['viewer']), 't_get_order')).toBe(true);
    expect(engine.mayEverPermit(who(['viewer']), 't_refund')).toBe(false);
    expect(engine.mayEverPermit(who(['support']), 't_refund')).toBe(true);
    expect(engine.mayEverPermit(who([]), 't_get_order')).toBe(false);
    expect(engine.mayEverPermit(who(['admin']), 't_list')).toBe(false);
  });

  it('never allows on an evaluation error', () => {
    // `paid` missing from the resource makes no difference to these policies, but a wrong-typed tenant errors.
    const d = engine.authorize({
      principal: who(['viewer']),
      action: 't_get_order',
      resource: { type: 'Order', id: 'o1', attributes: { tenant: 'acme', owner: 'u1', paid: 1 } },
      context: { args: {}, now: 1 },
    });
    expect(d.effect).toBe('allow');
    const bad = engine.authorize({
      principal: who(['viewer']),
      action: 't_get_order',
      resource: { type: 'Order', id: 'o1', attributes: { tenant: 5 as unknown as string } },
      context: { args: {}, now: 1 },
    });
    expect(bad.effect).toBe('deny');
  });

  it('stops start-up on a policy that does not parse', () => {
    expect(
      () =>
        new PolicyEngine({
          serverName: 't',
          policyDir: dir({ 'schema.cedarschema': SCHEMA, 'a.cedar': 'permit (principal, action, resource' }),
          tools,
        }),
    ).toThrow(ConfigError);
  });

  it('stops start-up on a policy that does not validate against the schema, naming it', () => {
    const bad =
      '@id("typo") permit (principal, action == Action::"t_get_order", resource) when { resource.tenantt == "x" };';
    expect(
      () =>
        new PolicyEngine({
          serverName: 't',
          policyDir: dir({ 'schema.cedarschema': SCHEMA, 'a.cedar': bad }),
          tools,
        }),
    ).toThrow(/typo/);
  });

  it('stops start-up on an action that is not a tool, a missing schema, or a duplicate id', () => {
    const unknownAction = '@id("x") permit (principal, action == Action::"t_nope", resource);';
    expect(
      () =>
        new PolicyEngine({
          serverName: 't',
          policyDir: dir({ 'schema.cedarschema': SCHEMA, 'a.cedar': unknownAction }),
          tools,
        }),
    ).toThrow(ConfigError);
    expect(
      () => new PolicyEngine({ serverName: 't', policyDir: dir({ 'a.cedar': POLICIES }), tools }),
    ).toThrow(/schema/);
    const dup =
      '@id("x") permit (principal, action, resource);\n@id("x") forbid (principal, action, resource);';
    expect(
      () =>
        new PolicyEngine({
          serverName: 't',
          policyDir: dir({ 'schema.cedarschema': SCHEMA, 'a.cedar': dup }),
          tools,
        }),
    ).toThrow(/twice/);
    expect(
      () =>
        new PolicyEngine({ serverName: 't', policyDir: join(tmpdir(), 'does-not-exist-portcullis'), tools }),
    ).toThrow(/PORTCULLIS_POLICY_DIR/);
  });

  it('types context.args from the zod input schema (a wrong comparison fails validation)', () => {
    const bad =
      '@id("x") permit (principal, action == Action::"t_refund", resource) when { context.args.amount == "lots" };';
    expect(
      () =>
        new PolicyEngine({
          serverName: 't',
          policyDir: dir({ 'schema.cedarschema': SCHEMA, 'a.cedar': bad }),
          tools,
        }),
    ).toThrow(ConfigError);
  });
});

describe('toCedarValue', () => {
  it('drops nulls and non-integers, keeps sets and records', () => {
    expect(toCedarValue({ a: 1, b: 1.5, c: null, d: ['x', null], e: { f: true } })).toEqual({
      a: 1,
      d: ['x'],
      e: { f: true },
    });
  });

  it('keeps an argument named __proto__ (at any depth) as an argument, never as a prototype', () => {
    // As JSON.parse gives it: an own property named __proto__.
    const args = JSON.parse('{"__proto__":{"amount":1},"e":{"__proto__":{"f":true}}}') as unknown;
    const cv = toCedarValue(args) as Record<string, unknown>;
    expect(Object.getPrototypeOf(cv)).toBe(Object.prototype);
    expect(Object.keys(cv)).toEqual(['__proto__', 'e']);
    expect(Object.getOwnPropertyDescriptor(cv, '__proto__')?.value).toEqual({ amount: 1 });
    const e = cv.e as Record<string, unknown>;
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(e, '__proto__')?.value).toEqual({ f: true });
    expect(JSON.stringify(cv)).toBe('{"__proto__":{"amount":1},"e":{"__proto__":{"f":true}}}');
  });
});

describe('finding 13: visibility fails closed on an answer it does not expect', () => {
  const engine = new PolicyEngine({
    serverName: 't13',
    policyDir: dir({ 'schema.cedarschema': SCHEMA, 'main.cedar': POLICIES }),
    tools,
  });

  it('finding 13: a principal Cedar cannot evaluate (a numeric id) sees no tool at all', () => {
    const odd = { ...who(['viewer']), id: 42 as unknown as string };
    expect(engine.mayEverPermit(odd, 't_refund')).toBe(false);
    expect(engine.mayEverPermit(odd, 't_get_order')).toBe(false);
    // The same principal with a string id is still shown what it may call.
    expect(engine.mayEverPermit(who(['viewer'], 'acme', '42'), 't_get_order')).toBe(true);
  });
});

describe('policy cache (start-up: parse and validate once per set of inputs)', () => {
  const engine = (policyDir: string, cacheDir: string, extra: PolicyTool[] = tools) =>
    new PolicyEngine({ serverName: 'cache-test', policyDir, tools: extra, cacheDir });
  const refund = (e: PolicyEngine, amount: number) =>
    e.authorize({
      principal: who(['support']),
      action: 't_refund',
      resource: order(),
      context: { args: { id: 'o1', amount } },
    }).effect;

  it('a second start with the same inputs loads the validated set and decides the same', () => {
    const policyDir = dir({ 'schema.cedarschema': SCHEMA, 'p.cedar': POLICIES });
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'policy-cache-')), 'policy-cache');
    const first = engine(policyDir, cacheDir);
    expect(first.fromCache).toBe(false);
    first.saveCache();
    const file = join(cacheDir, 'cache-test.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    const second = engine(policyDir, cacheDir);
    expect(second.fromCache).toBe(true);
    expect(second.policyIds).toEqual(first.policyIds);
    expect(second.annotationsOf('refund-approval')).toEqual(first.annotationsOf('refund-approval'));
    expect(second.annotationsOf('refund-approval')).toMatchObject({ approval: 'required' });
    for (const amount of [100, 30000, 60000]) expect(refund(second, amount)).toBe(refund(first, amount));
    expect(refund(second, 30000)).toBe('approval_required');
  });

  it('any changed input is validated again: an invalid policy is refused even with a cache present', () => {
    const policyDir = dir({ 'schema.cedarschema': SCHEMA, 'p.cedar': POLICIES });
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'policy-cache-')), 'policy-cache');
    engine(policyDir, cacheDir).saveCache();
    // A policy naming an attribute the schema does not declare fails strict validation.
    writeFileSync(
      join(policyDir, 'p.cedar'),
      `${POLICIES}\n@id("bad")\npermit (principal, action, resource) when { principal.nickname == "x" };\n`,
    );
    expect(() => engine(policyDir, cacheDir)).toThrow(ConfigError);
    // A changed schema or tool declaration is a new key too.
    writeFileSync(join(policyDir, 'p.cedar'), POLICIES);
    expect(engine(policyDir, cacheDir).fromCache).toBe(true);
    const moreTools: PolicyTool[] = [...tools, { name: 't_new', input: z.object({ q: z.string() }) }];
    expect(engine(policyDir, cacheDir, moreTools).fromCache).toBe(false);
    writeFileSync(join(policyDir, 'schema.cedarschema'), `${SCHEMA}\nentity Extra;\n`);
    expect(engine(policyDir, cacheDir).fromCache).toBe(false);
  });

  it('a cache file or folder another user could write is never read (its policies would be loaded)', () => {
    const policyDir = dir({ 'schema.cedarschema': SCHEMA, 'p.cedar': POLICIES });
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'policy-cache-')), 'policy-cache');
    engine(policyDir, cacheDir).saveCache();
    const file = join(cacheDir, 'cache-test.json');
    // A planted entry with the right key but a permissive policy, in a group-writable file.
    const planted = JSON.parse(readFileSync(file, 'utf8')) as {
      policies: Record<string, string>;
      shapes: Record<string, unknown>;
    };
    planted.policies = { open: 'permit (principal, action, resource);' };
    planted.shapes = { open: { effect: 'permit', actions: 'all', attributes: [] } };
    writeFileSync(file, JSON.stringify(planted));
    chmodSync(file, 0o666);
    const e = engine(policyDir, cacheDir);
    expect(e.fromCache).toBe(false);
    expect(e.policyIds).not.toContain('open');
    // The same in an owner-only file but a folder others can write.
    chmodSync(file, 0o600);
    chmodSync(cacheDir, 0o777);
    expect(engine(policyDir, cacheDir).fromCache).toBe(false);
    chmodSync(cacheDir, 0o700);
    const trusted = engine(policyDir, cacheDir);
    expect(trusted.fromCache).toBe(true); // owner-only again: this user's own file is this user's trust
  });

  it('an entry whose policy shapes are missing or malformed is validated again, never half-read', () => {
    const policyDir = dir({ 'schema.cedarschema': SCHEMA, 'p.cedar': POLICIES });
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'policy-cache-')), 'policy-cache');
    engine(policyDir, cacheDir).saveCache();
    const file = join(cacheDir, 'cache-test.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { shapes: Record<string, unknown> };
    expect(saved.shapes).toMatchObject({
      'tenant-isolation': { effect: 'forbid', actions: 'all', attributes: ['tenant'] },
      read: { effect: 'permit', actions: ['t_get_order'], attributes: ['roles'] },
    });
    expect(engine(policyDir, cacheDir).fromCache).toBe(true);
    const read = saved.shapes.read as Record<string, unknown>;
    for (const shapes of [
      undefined,
      null,
      { ...saved.shapes, read: { ...read, actions: 't_get_order' } },
      { ...saved.shapes, read: { ...read, effect: 'maybe' } },
      { ...saved.shapes, read: { ...read, attributes: [1] } },
      { read },
    ]) {
      writeFileSync(file, JSON.stringify({ ...saved, shapes }), { mode: 0o600 });
      const e = engine(policyDir, cacheDir);
      expect(e.fromCache).toBe(false);
      expect(refund(e, 60000)).toBe('deny'); // refund-cap still applies
    }
  });

  it('an unreadable or foreign cache file is ignored (validated again), never trusted', () => {
    const policyDir = dir({ 'schema.cedarschema': SCHEMA, 'p.cedar': POLICIES });
    const cacheDir = mkdtempSync(join(tmpdir(), 'policy-cache-'));
    writeFileSync(join(cacheDir, 'cache-test.json'), '{not json');
    expect(engine(policyDir, cacheDir).fromCache).toBe(false);
    writeFileSync(
      join(cacheDir, 'cache-test.json'),
      JSON.stringify({
        key: 'other',
        policies: { p: 'permit (principal, action, resource);' },
        annotations: {},
      }),
    );
    const e = engine(policyDir, cacheDir);
    expect(e.fromCache).toBe(false);
    expect(e.policyIds).not.toContain('p');
  });
});

describe('per-action slices decide exactly as the whole policy set', () => {
  // Every kind of action scope, a forbid for every action, scopes on principal and resource types,
  // an approval, a forbid that errs (Long overflow) for large amounts and a permit that errs for
  // large payments. The principals and records carry attributes no policy reads.
  const MIXED = `${POLICIES}
@id("list-or-get")
permit (principal, action in [Action::"t_list", Action::"t_get_order"], resource)
when { principal.roles.contains("admin") };

@id("one-action-group")
permit (principal, action in Action::"t_list", resource) when { principal.roles.contains("auditor") };

@id("typed-cap")
forbid (principal is User, action, resource is Order) when { resource.paid > 100000 };

@id("overflow")
forbid (principal, action == Action::"t_refund", resource)
when { context.args.amount * 100000000000000 < 0 };

@id("team-lead")
permit (principal, action == Action::"t_list", resource) when { principal has team && principal.roles.contains("lead") };

@id("get-overflow")
forbid (principal, action == Action::"t_get_order", resource) when { resource.paid * 100000000000000 < 0 };

@id("erring-permit")
permit (principal, action == Action::"t_get_order", resource is Order)
when { resource.paid * 1000000000000000 > 0 && principal has team };

@id("ticket-team")
permit (principal, action == Action::"t_ticket", resource)
when { resource.owner has team && resource.owner.team == "east" && resource.tenant == principal.tenant };

@id("no-proto")
forbid (principal, action == Action::"t_ticket", resource) when { resource has "__proto__" };
`;
  // A ticket's owner is a User: reading resource.owner.team reads the principal when they own it.
  const sliceSchema = `${SCHEMA}\nentity Ticket { tenant: String, owner: User };\n`;
  const sliceTools = [
    ...tools,
    { name: 't_ticket', input: z.object({ id: z.string() }), resourceType: 'Ticket' },
  ];
  const policyDir = dir({ 'schema.cedarschema': sliceSchema, 'main.cedar': MIXED });
  const engine = new PolicyEngine({ serverName: 't-slices', policyDir, tools: sliceTools });
  // The same set loaded from the policy cache: its shapes are the cached ones.
  const cacheDir = join(mkdtempSync(join(tmpdir(), 'policy-cache-')), 'policy-cache');
  new PolicyEngine({ serverName: 't-slices', policyDir, tools: sliceTools, cacheDir }).saveCache();
  const cachedEngine = new PolicyEngine({ serverName: 't-slices', policyDir, tools: sliceTools, cacheDir });

  // The oracle: the whole set decided by Cedar directly with every attribute (and the kit's rule).
  const wholeSet = wholeSetOracle([MIXED]);

  it('reads each kind of action scope', () => {
    const scope = (text: string) => {
      const json = cedar.policyToJson(text);
      if (json.type !== 'success') throw new Error(text);
      return actionScopeOf(json.json);
    };
    expect(scope('permit (principal, action == Action::"a", resource);')).toEqual(['a']);
    expect(scope('permit (principal, action in [Action::"a", Action::"b"], resource);')).toEqual(['a', 'b']);
    expect(scope('forbid (principal, action, resource);')).toBe('all');
    // One action named with `in` may be a group: kept for every action.
    expect(scope('permit (principal, action in Action::"g", resource);')).toBe('all');
    expect(
      actionScopeOf({ action: { op: 'in', entities: [{ __entity: { type: 'Action', id: 'x' } }] } }),
    ).toEqual(['x']);
    // Anything unexpected is kept for every action, never dropped.
    expect(actionScopeOf({ action: { op: 'in', entities: [{ type: 'Other', id: 'x' }] } })).toBe('all');
    expect(actionScopeOf({ action: { op: '==', slot: '?action' } })).toBe('all');
    expect(actionScopeOf({})).toBe('all');
  });

  it('reads every attribute name a policy can read, on any path', () => {
    const read = (text: string) => {
      const json = cedar.policyToJson(text);
      if (json.type !== 'success') throw new Error(text);
      return policyShapeOf(json.json);
    };
    expect(
      read(`forbid (principal, action, resource) when {
        resource.owner.team == principal["team"] && principal has limits.daily && context.args.n > 1
      } unless { resource has "odd name" };`),
    ).toEqual({
      effect: 'forbid',
      actions: 'all',
      attributes: ['args', 'daily', 'limits', 'n', 'odd name', 'owner', 'team'],
    });
    expect(read('permit (principal, action == Action::"a", resource);')).toEqual({
      effect: 'permit',
      actions: ['a'],
      attributes: [],
    });
    // A node of either kind whose name cannot be read keeps every attribute.
    expect(attributesReadBy([{ body: { '.': { left: { Var: 'principal' }, attr: 7 } } }])).toBe('all');
    expect(attributesReadBy([{ body: { has: { left: { Var: 'principal' }, attr: [] } } }])).toBe('all');
    expect(attributesReadBy([{ body: { Value: true } }])).toEqual([]);
  });

  it.each([
    ['parsed now', () => engine],
    ['from the policy cache', () => cachedEngine],
  ])(
    'every action, principal, record and amount: same effect, deciding policies and errors (%s)',
    (_, current) => {
      const engine = current();
      expect(engine.fromCache).toBe(engine === cachedEngine);
      const extra = { nickname: 'x', note: 'unread' };
      const principals = [
        who([]),
        who(['viewer']),
        { ...who(['viewer']), attributes: { team: 'east', ...extra } },
        { ...who(['lead']), attributes: { team: 'east' } },
        who(['support']),
        who(['admin']),
        who(['auditor']),
        who(['support', 'admin', 'auditor']),
        who(['viewer'], 'other'),
      ];
      const resources: PolicyResource[] = [
        order(),
        order('other'),
        { type: 'Order', id: 'o2', attributes: { tenant: 'acme', owner: 'u1', paid: 200000, ...extra } },
        { type: 'Order', id: 'o3', attributes: { tenant: 'acme', owner: 'u1', paid: 95000 } },
        { type: 'Tenant', id: 'acme', attributes: { tenant: 'acme' } },
        // Attributes no policy reads that Cedar refuses: the request fails, as with every attribute.
        ...[
          1.5,
          null,
          2 ** 64,
          { __extn: { fn: 'decimal', arg: 'x' } },
          [1, null],
          { a: { __entity: 5 } },
          { __entity: { type: 'not a type', id: 'x' } },
        ].map((weird, i) => ({
          type: 'Order',
          id: `w${i}`,
          attributes: { ...order().attributes, weird } as never,
        })),
        // ... and ones it takes, left out.
        {
          type: 'Order',
          id: 'w9',
          attributes: {
            ...order().attributes,
            fine: [1, 'a', { b: true }],
            by: { __entity: { type: 'User', id: 'u9' } },
          },
        },
        {
          type: 'Ticket',
          id: 't1',
          attributes: { tenant: 'acme', owner: { __entity: { type: 'User', id: 'u1' } } },
        },
        {
          type: 'Ticket',
          id: 't2',
          attributes: JSON.parse(
            '{"tenant":"acme","owner":{"__entity":{"type":"User","id":"u1"}},"__proto__":"x"}',
          ),
        },
      ];
      let compared = 0;
      const outcomes = new Set<string>();
      const seen = new Set<string>();
      for (const action of ['t_get_order', 't_refund', 't_list', 't_ticket', 'not_declared'])
        for (const p of principals)
          for (const r of resources)
            for (const amount of [100, 30000, 60000, 100000]) {
              const context = { args: { id: 'o1', amount }, now: 1 };
              const sliced = engine.authorize({ principal: p, action, resource: r, context });
              const expected = wholeSet({ principal: p, action, resource: r, context });
              const effect = sliced.effect === 'deny' ? 'deny' : 'allow';
              const errors = expected.errors === 'request refused' ? expected.errors : sliced.errors;
              expect({ effect, policies: sliced.policies, errors }).toEqual(expected);
              if (expected.errors === 'request refused') expect(sliced.errors.length).toBeGreaterThan(0);
              seen.add(`${action}:${r.id}:${sliced.effect}`);
              outcomes.add(`${sliced.effect}:${sliced.errors.length > 0}`);
              compared++;
            }
      expect(compared).toBe(5 * 9 * 15 * 4);
      // The odd records decided something: the refused ones deny, the others as any record.
      expect(seen).toContain('t_get_order:w9:allow');
      expect(seen).not.toContain('t_get_order:w0:allow');
      expect(seen).not.toContain('t_get_order:w6:allow');
      expect(seen).toContain('t_ticket:t1:allow');
      expect(seen).not.toContain('t_ticket:t2:allow');
      // The grid reaches every outcome, with and without an erring policy.
      expect(outcomes).toEqual(
        new Set(['allow:false', 'deny:false', 'approval_required:false', 'deny:true', 'allow:true']),
      );
    },
  );

  it('an erring forbid denies and is named (Cedar would skip it); an erring permit only does not permit', () => {
    const refund = engine.authorize({
      principal: who(['support']),
      action: 't_refund',
      resource: order(),
      context: { args: { id: 'o1', amount: 100000 }, now: 1 },
    });
    // refund-cap forbids; the overflow forbid erred: both are named.
    expect(refund).toMatchObject({
      effect: 'deny',
      policies: ['overflow', 'refund-cap'],
      errors: ['overflow'],
    });
    const small = engine.authorize({
      principal: { ...who(['support']), attributes: {} },
      action: 't_refund',
      resource: order(),
      context: { args: { id: 'o1', amount: 100 }, now: 1 },
    });
    expect(small).toMatchObject({ effect: 'allow', policies: ['refund-small'], errors: [] });
    const get = engine.authorize({
      principal: who(['viewer']),
      action: 't_get_order',
      resource: { type: 'Order', id: 'o3', attributes: { tenant: 'acme', owner: 'u1', paid: 95000 } },
      context: { args: { id: 'o3' }, now: 1 },
    });
    expect(get).toMatchObject({ effect: 'deny', policies: ['get-overflow'] });
    // Explained as what happened, not in the rule's own words (which would say it applied).
    expect(get.reasons).toEqual({
      'get-overflow': 'This rule could not be evaluated for this request, so the request is denied.',
    });
    expect(get.errors).toEqual(['erring-permit', 'get-overflow']);
    const permitErred = engine.authorize({
      principal: who(['viewer']),
      action: 't_get_order',
      resource: order(),
      context: { args: { id: 'o1' }, now: 1 },
    });
    expect(permitErred).toMatchObject({ effect: 'allow', policies: ['read'], errors: ['erring-permit'] });
  });

  it('tool visibility (partial evaluation over the slice) is unchanged', () => {
    expect(engine.mayEverPermit(who(['viewer']), 't_get_order')).toBe(true);
    expect(engine.mayEverPermit(who(['admin']), 't_get_order')).toBe(true);
    expect(engine.mayEverPermit(who(['admin']), 't_list')).toBe(true);
    expect(engine.mayEverPermit(who(['auditor']), 't_list')).toBe(true);
    expect(engine.mayEverPermit(who(['auditor']), 't_get_order')).toBe(false);
    expect(engine.mayEverPermit(who(['viewer']), 't_refund')).toBe(false);
    expect(engine.mayEverPermit(who(['support']), 't_refund')).toBe(true);
  });
});
