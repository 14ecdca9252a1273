import { r as errors, t as ConfigError } from "./errors-DApYn1w1.js";
import { t as argsJsonSchemaOf } from "./tool-entry-B-rLcwqI.js";
import { p as toCedarValue } from "./mcp-Dc7Pxtpd.js";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";

// packages/core/dist/policy.js
let engineCounter = 0;
/**
* Cedar policies, parsed and validated (strict mode) once at start-up against the server's entity
* schema plus action declarations generated from the tools, then evaluated from the pre-parsed
* set on every call. Deny wins; a permit annotated `@approval("required")` asks for an approval.
*/
var PolicyEngine = class {
	policyIds;
	psetId;
	annotations = /* @__PURE__ */ new Map();
	staticPolicies;
	visibilityCache = /* @__PURE__ */ new Map();
	constructor(opts) {
		const dir = opts.policyDir;
		if (!existsSync(dir)) throw new ConfigError(`PORTCULLIS_POLICY_DIR: policy folder ${dir} does not exist.`);
		const files = readdirSync(dir).filter((f) => f.endsWith(".cedar")).sort();
		if (files.length === 0) throw new ConfigError(`PORTCULLIS_POLICY_DIR: no *.cedar policy files in ${dir}.`);
		const schemaPath = join(dir, "schema.cedarschema");
		if (!existsSync(schemaPath)) throw new ConfigError(`PORTCULLIS_POLICY_DIR: ${schemaPath} (the entity schema) is missing.`);
		this.staticPolicies = {};
		for (const file of files) {
			const parts = cedar.policySetTextToParts(readFileSync(join(dir, file), "utf8"));
			if (parts.type !== "success") throw new ConfigError(`Invalid policy file ${file}: ${parts.errors.map((e) => e.message).join("; ")}`);
			if (parts.policy_templates.length > 0) throw new ConfigError(`Policy file ${file}: templates are not supported.`);
			parts.policies.forEach((text, i) => {
				const json = cedar.policyToJson(text);
				if (json.type !== "success") throw new ConfigError(`Invalid policy ${file}#${i}: ${json.errors.map((e) => e.message).join("; ")}`);
				const ann = json.json.annotations ?? {};
				const id = ann.id ?? `${file}#${i}`;
				if (this.staticPolicies[id] !== void 0) throw new ConfigError(`Policy id ${id} is used twice (${file}).`);
				this.staticPolicies[id] = text;
				this.annotations.set(id, ann);
			});
		}
		this.policyIds = Object.keys(this.staticPolicies);
		const schema = buildSchema(readFileSync(schemaPath, "utf8"), opts);
		const validation = cedar.validate({
			schema,
			policies: { staticPolicies: this.staticPolicies },
			validationSettings: { mode: "strict" }
		});
		if (validation.type !== "success") throw new ConfigError(`Policy schema is invalid: ${validation.errors.map((e) => e.message).join("; ")}`);
		if (validation.validationErrors.length > 0) {
			const first = validation.validationErrors.slice(0, 5).map((e) => `${e.policyId}: ${e.error.message}`);
			throw new ConfigError(`Policies do not validate against the schema: ${first.join("; ")}`);
		}
		this.psetId = `${opts.serverName}-${++engineCounter}`;
		const pre = cedar.preparsePolicySet(this.psetId, { staticPolicies: this.staticPolicies });
		if (pre.type !== "success") throw new ConfigError(`Policies could not be loaded: ${pre.errors.map((e) => e.message).join("; ")}`);
	}
	/** Decides one request. `approved` marks a call that carries a verified approval for this exact plan. */
	authorize(req) {
		if (hasLoneSurrogate(req.context)) throw errors.validation("The arguments contain text that is not valid Unicode (an unpaired surrogate).", "Send well-formed text and call again.");
		if (hasLoneSurrogate([
			req.principal.id,
			req.principal.tenant,
			req.principal.roles,
			req.principal.attributes,
			req.resource
		])) return {
			effect: "deny",
			policies: [],
			errors: ["the principal or the resource holds text that is not valid Unicode"]
		};
		const answer = cedar.statefulIsAuthorized({
			principal: {
				type: "User",
				id: req.principal.id
			},
			action: {
				type: "Action",
				id: req.action
			},
			resource: {
				type: req.resource.type,
				id: req.resource.id
			},
			context: req.context,
			preparsedPolicySetId: this.psetId,
			entities: [principalEntity(req.principal), resourceEntity(req.resource)]
		});
		if (answer.type !== "success") return {
			effect: "deny",
			policies: [],
			errors: answer.errors.map((e) => e.message)
		};
		const { decision, diagnostics } = answer.response;
		const policies = [...diagnostics.reason].sort();
		const errs = diagnostics.errors.map((e) => e.policyId);
		const reasons = this.reasonsOf(policies);
		if (decision === "deny") return {
			effect: "deny",
			policies,
			errors: errs,
			...reasons
		};
		return {
			effect: policies.length > 0 && policies.every((id) => this.annotations.get(id)?.approval === "required") && !req.approved ? "approval_required" : "allow",
			policies,
			errors: errs,
			...reasons
		};
	}
	/**
	* False when no resource and no arguments could ever make policy permit this principal the
	* action (Cedar partial evaluation with the resource and context unknown): such tools are hidden.
	* A tool whose resource is known without its arguments passes it, and only the context stays unknown.
	*/
	mayEverPermit(principal, action, resource) {
		const key = JSON.stringify([
			action,
			principal.id,
			principal.tenant,
			principal.roles,
			principal.attributes,
			resource ?? null
		]);
		const cached = this.visibilityCache.get(key);
		if (cached !== void 0) return cached;
		if (hasLoneSurrogate([
			principal.id,
			principal.tenant,
			principal.roles,
			principal.attributes,
			resource ?? null
		])) return false;
		const answer = cedar.isAuthorizedPartial({
			principal: {
				type: "User",
				id: principal.id
			},
			action: {
				type: "Action",
				id: action
			},
			resource: resource ? {
				type: resource.type,
				id: resource.id
			} : null,
			context: {
				args: { __extn: {
					fn: "unknown",
					arg: "args"
				} },
				now: { __extn: {
					fn: "unknown",
					arg: "now"
				} }
			},
			policies: { staticPolicies: this.staticPolicies },
			entities: resource ? [principalEntity(principal), resourceEntity(resource)] : [principalEntity(principal)]
		});
		const visible = answer.type === "residuals" && residualMayPermit(answer.response);
		if (this.visibilityCache.size > 1e4) this.visibilityCache.clear();
		this.visibilityCache.set(key, visible);
		return visible;
	}
	annotationsOf(policyId) {
		return this.annotations.get(policyId);
	}
	/** A policy's `@reason("…")` annotation: the rule's own explanation, if it gives one. */
	reasonOf(policyId) {
		return this.annotations.get(policyId)?.reason;
	}
	/** `{ reasons }` when any deciding policy gives one, else nothing (decisions stay minimal). */
	reasonsOf(policyIds) {
		const out = {};
		for (const id of policyIds) {
			const reason = this.reasonOf(id);
			if (reason !== void 0) out[id] = reason;
		}
		return Object.keys(out).length > 0 ? { reasons: out } : {};
	}
};
/** Folds a residual expression: true/false when known, undefined while it still depends on unknowns. */
function fold(e) {
	if (e === null || typeof e !== "object") return void 0;
	const x = e;
	if ("Value" in x) return typeof x.Value === "boolean" ? x.Value : void 0;
	const bin = (op) => {
		const b = x[op];
		if (!b) return void 0;
		const l = fold(b.left);
		const r = fold(b.right);
		if (op === "&&") return l === false || r === false ? false : l === true && r === true ? true : void 0;
		return l === true || r === true ? true : l === false && r === false ? false : void 0;
	};
	if ("&&" in x) return bin("&&");
	if ("||" in x) return bin("||");
	if ("!" in x) {
		const v = fold(x["!"].arg);
		return v === void 0 ? void 0 : !v;
	}
}
/** Could any permit still apply, and is no forbid already certain? (Partial evaluation leaves `x && false` unfolded.) */
function residualMayPermit(r) {
	if (r.decision === "deny") return false;
	if (r.decision === "allow") return true;
	let permitPossible = false;
	for (const [, policy] of Object.entries(r.residuals)) {
		let state = true;
		for (const c of policy.conditions) {
			const v = fold(c.body);
			const holds = v === void 0 ? void 0 : c.kind === "when" ? v : !v;
			if (holds === false) {
				state = false;
				break;
			}
			if (holds === void 0) state = void 0;
		}
		if (policy.effect === "forbid" && state === true) return false;
		if (policy.effect === "permit" && state !== false) permitPossible = true;
	}
	return permitPossible;
}
function principalEntity(p) {
	return {
		uid: {
			type: "User",
			id: p.id
		},
		attrs: {
			...p.attributes,
			id: p.id,
			tenant: p.tenant,
			roles: p.roles
		},
		parents: []
	};
}
function resourceEntity(r) {
	return {
		uid: {
			type: r.type,
			id: r.id
		},
		attrs: r.attributes,
		parents: []
	};
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Does any string (or object key) in the value hold an unpaired surrogate? */
function hasLoneSurrogate(value, depth = 0) {
	if (typeof value === "string") return LONE_SURROGATE.test(value);
	if (value === null || typeof value !== "object" || depth > 64) return false;
	if (Array.isArray(value)) return value.some((v) => hasLoneSurrogate(v, depth + 1));
	return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v, depth + 1));
}
function buildSchema(entityText, opts) {
	const parsed = cedar.schemaToJson(entityText);
	if (parsed.type !== "success") throw new ConfigError(`schema.cedarschema is invalid: ${parsed.errors.map((e) => e.message).join("; ")}`);
	const json = parsed.json;
	const ns = json[""] ?? {
		entityTypes: {},
		actions: {}
	};
	json[""] = ns;
	for (const required of ["User", "Tenant"]) if (!(required in ns.entityTypes)) throw new ConfigError(`schema.cedarschema must declare entity ${required}.`);
	const nowType = {
		type: "Long",
		required: true
	};
	for (const tool of opts.tools) {
		const argsType = jsonSchemaToCedar(argsJsonSchemaOf(tool)) ?? {
			type: "Record",
			attributes: {}
		};
		ns.actions[tool.name] = { appliesTo: {
			principalTypes: ["User"],
			resourceTypes: [tool.resourceType ?? "Tenant"],
			context: {
				type: "Record",
				attributes: {
					args: {
						...argsType,
						required: true
					},
					now: nowType
				}
			}
		} };
	}
	for (const extra of opts.extraActions ?? []) ns.actions[extra.name] = { appliesTo: {
		principalTypes: ["User"],
		resourceTypes: extra.resourceTypes,
		context: {
			type: "Record",
			attributes: {
				args: {
					type: "Record",
					attributes: {},
					required: true
				},
				now: nowType
			}
		}
	} };
	return json;
}
function jsonSchemaToCedar(js) {
	if (js.anyOf) {
		const nonNull = js.anyOf.filter((s) => s.type !== "null");
		return nonNull.length === 1 && nonNull[0] ? jsonSchemaToCedar(nonNull[0]) : void 0;
	}
	switch (Array.isArray(js.type) ? js.type.find((t) => t !== "null") : js.type) {
		case "string": return { type: "String" };
		case "integer": return { type: "Long" };
		case "boolean": return { type: "Boolean" };
		case "array": {
			const el = js.items ? jsonSchemaToCedar(js.items) : void 0;
			return el ? {
				type: "Set",
				element: el
			} : void 0;
		}
		case "object": {
			const attributes = {};
			const required = new Set(js.required ?? []);
			for (const [k, v] of Object.entries(js.properties ?? {})) {
				const t = jsonSchemaToCedar(v);
				if (t) attributes[k] = {
					...t,
					required: required.has(k)
				};
			}
			return {
				type: "Record",
				attributes
			};
		}
		default: return;
	}
}

export { PolicyEngine };