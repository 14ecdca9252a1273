import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

/** What the oracle expects a decision to be: `'request refused'` when Cedar cannot take the request. */
export interface OracleDecision {
  effect: 'allow' | 'deny';
  policies: string[];
  errors: string[] | 'request refused';
}

type Value = unknown;

let sets = 0;

/**
 * The oracle the policy engine's tests compare with: the whole policy set (keyed by `@id`, as the
 * engine keys it) decided by Cedar directly with every attribute given, plus the kit's one rule on
 * top: a forbid that errs denies, named with the forbids that applied. Independent of the engine's
 * slices and attribute choice by construction.
 */
export function wholeSetOracle(policyTexts: readonly string[]) {
  const whole: Record<string, string> = {};
  const effects = new Map<string, string>();
  for (const fileText of policyTexts) {
    const parts = cedar.policySetTextToParts(fileText);
    if (parts.type !== 'success') throw new Error('oracle: policies do not parse');
    for (const text of parts.policies) {
      const json = cedar.policyToJson(text);
      const id = json.type === 'success' ? json.json.annotations?.id : undefined;
      if (json.type !== 'success' || id === undefined) throw new Error('oracle: every policy needs an @id');
      whole[id] = text;
      effects.set(id, json.json.effect);
    }
  }
  const setId = `oracle-whole-set-${++sets}`;
  if (cedar.preparsePolicySet(setId, { staticPolicies: whole }).type !== 'success')
    throw new Error('oracle: the whole set does not load');

  return (req: {
    principal: { id: string; tenant: string; roles: readonly string[]; attributes: Record<string, Value> };
    action: string;
    resource: { type: string; id: string; attributes: Record<string, Value> };
    context: Record<string, Value>;
  }): OracleDecision => {
    const { principal: p, resource: r } = req;
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'User', id: p.id },
      action: { type: 'Action', id: req.action },
      resource: { type: r.type, id: r.id },
      context: req.context as Record<string, cedar.CedarValueJson>,
      preparsedPolicySetId: setId,
      entities: [
        {
          uid: { type: 'User', id: p.id },
          attrs: { ...p.attributes, id: p.id, tenant: p.tenant, roles: [...p.roles] },
          parents: [],
        },
        {
          uid: { type: r.type, id: r.id },
          attrs: r.attributes as Record<string, cedar.CedarValueJson>,
          parents: [],
        },
      ],
    });
    // A request Cedar cannot take (an attribute it refuses) is denied, by no policy.
    if (answer.type !== 'success') return { effect: 'deny', policies: [], errors: 'request refused' };
    const { decision, diagnostics } = answer.response;
    const errors = diagnostics.errors.map((e) => e.policyId).sort();
    const erringForbids = errors.filter((id) => effects.get(id) === 'forbid');
    if (erringForbids.length > 0) {
      const applied = decision === 'deny' ? diagnostics.reason : [];
      return { effect: 'deny', policies: [...new Set([...applied, ...erringForbids])].sort(), errors };
    }
    return { effect: decision, policies: [...diagnostics.reason].sort(), errors };
  };
}
