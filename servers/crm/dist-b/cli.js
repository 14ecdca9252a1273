#!/usr/bin/env node
import { C as string$1, E as defineServer, S as number$3, T as upstreamIdentity, a as JSONRPCMessageSchema, b as jwtSettingsFromEnv, d as ServerRuntime, g as ApiKeyAuthenticator, m as parseCredentialRef, t as createMcpServer, v as JwtAuthenticator, w as canonicalHash, x as stdioPrincipal, y as NoAuthAuthenticator } from "./mcp-Dc7Pxtpd.js";
import { Lt as NEVER, fn as toolsFor } from "./tool-entry-B-rLcwqI.js";
import { n as PortcullisError, r as errors, t as ConfigError } from "./errors-DApYn1w1.js";
import { n as migrate } from "./store-C_V2SQsY.js";
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import process$1 from "node:process";
import { Agent } from "node:http";
import { Agent as Agent$1 } from "node:https";

// node_modules/@modelcontextprotocol/sdk/dist/esm/shared/stdio.js
const STDIO_DEFAULT_MAX_BUFFER_SIZE = 10485760;
/**
* Buffers a continuous stdio stream into discrete JSON-RPC messages.
*/
var ReadBuffer = class {
	constructor(options) {
		this._maxBufferSize = options?.maxBufferSize ?? 10485760;
	}
	append(chunk) {
		if ((this._buffer?.length ?? 0) + chunk.length > this._maxBufferSize) {
			this.clear();
			throw new Error(`ReadBuffer exceeded maximum size of ${this._maxBufferSize} bytes`);
		}
		this._buffer = this._buffer ? Buffer.concat([this._buffer, chunk]) : chunk;
	}
	readMessage() {
		if (!this._buffer) return null;
		const index = this._buffer.indexOf("\n");
		if (index === -1) return null;
		const line = this._buffer.toString("utf8", 0, index).replace(/\r$/, "");
		this._buffer = this._buffer.subarray(index + 1);
		return deserializeMessage(line);
	}
	clear() {
		this._buffer = void 0;
	}
};
function deserializeMessage(line) {
	return JSONRPCMessageSchema.parse(JSON.parse(line));
}
function serializeMessage(message) {
	return JSON.stringify(message) + "\n";
}

// node_modules/@modelcontextprotocol/sdk/dist/esm/server/stdio.js
/**
* Server transport for stdio: this communicates with an MCP client by reading from the current process' stdin and writing to stdout.
*
* This transport is only available in Node.js environments.
*/
var StdioServerTransport = class {
	constructor(_stdin = process$1.stdin, _stdout = process$1.stdout, options) {
		this._stdin = _stdin;
		this._stdout = _stdout;
		this._started = false;
		this._ondata = (chunk) => {
			try {
				this._readBuffer.append(chunk);
				this.processReadBuffer();
			} catch (error) {
				this.onerror?.(error);
				this.close().catch(() => {});
			}
		};
		this._onerror = (error) => {
			this.onerror?.(error);
		};
		this._readBuffer = new ReadBuffer({ maxBufferSize: options?.maxBufferSize });
	}
	/**
	* Starts listening for messages on stdin.
	*/
	async start() {
		if (this._started) throw new Error("StdioServerTransport already started! If using Server class, note that connect() calls start() automatically.");
		this._started = true;
		this._stdin.on("data", this._ondata);
		this._stdin.on("error", this._onerror);
	}
	processReadBuffer() {
		while (true) try {
			const message = this._readBuffer.readMessage();
			if (message === null) break;
			this.onmessage?.(message);
		} catch (error) {
			this.onerror?.(error);
		}
	}
	async close() {
		this._stdin.off("data", this._ondata);
		this._stdin.off("error", this._onerror);
		if (this._stdin.listenerCount("data") === 0) this._stdin.pause();
		this._readBuffer.clear();
		this.onclose?.();
	}
	send(message) {
		return new Promise((resolve) => {
			const json = serializeMessage(message);
			if (this._stdout.write(json)) resolve();
			else this._stdout.once("drain", resolve);
		});
	}
};

// packages/core/dist/cli.js
const USAGE = (name, port) => `Usage: portcullis-${name} [--transport stdio|http] [--host 127.0.0.1] [--port ${port}]

  --transport  stdio (default; for Claude Desktop / Claude Code) or http (Streamable HTTP at /mcp,
               legacy SSE at /sse + /messages, /healthz, /readyz, /metrics)
  --host       interface to bind for http (default 127.0.0.1)
  --port       port for http (default ${port}; 0 picks a free one)
Configuration comes from environment variables (see the server README).`;
function buildAuthenticator(runtime, resourceUri) {
	const cfg = runtime.config;
	switch (cfg.auth) {
		case "jwt": return new JwtAuthenticator(jwtSettingsFromEnv(runtime.kitEnv, resourceUri));
		case "apikey": return ApiKeyAuthenticator.fromFile(cfg.apiKeysFile, cfg.production);
		case "none":
			runtime.logger.warn("PORTCULLIS_AUTH=none: every HTTP caller acts as the configured local principal (development only).");
			return new NoAuthAuthenticator(stdioPrincipal(runtime.kitEnv));
	}
}
/**
* The common command line of every server (docs/architecture.md section 6); a server's cli.ts is
* one call to this. Given several definitions, it mounts them all on one host (one store, one
* audit chain, one limiter) behind one MCP endpoint.
*/
async function runServerCli(defs, argv = process.argv.slice(2), env = process.env, hostOpts) {
	const list = Array.isArray(defs) ? defs : [defs];
	const first = list[0];
	const def = list.length === 1 || !hostOpts ? {
		name: list.length === 1 ? first.name : "host",
		defaultPort: first.defaultPort,
		version: first.version
	} : {
		name: hostOpts.name,
		defaultPort: hostOpts.defaultPort,
		version: first.version
	};
	process.umask(63);
	const fail = (msg) => {
		process.stderr.write(`portcullis-${def.name}: ${msg}\n`);
		process.exit(1);
	};
	let values;
	try {
		({values} = parseArgs({
			args: argv,
			options: {
				transport: {
					type: "string",
					default: "stdio"
				},
				host: {
					type: "string",
					default: "127.0.0.1"
				},
				port: {
					type: "string",
					default: String(def.defaultPort)
				},
				help: {
					type: "boolean",
					short: "h"
				},
				version: {
					type: "boolean",
					short: "v"
				}
			},
			strict: true
		}));
	} catch (err) {
		return fail(`${err.message}\n${USAGE(def.name, def.defaultPort)}`);
	}
	if (values.help) {
		process.stdout.write(`${USAGE(def.name, def.defaultPort)}\n`);
		return;
	}
	if (values.version) {
		process.stdout.write(`${def.version}\n`);
		return;
	}
	const transport = values.transport;
	if (transport !== "stdio" && transport !== "http") return fail(`--transport must be stdio or http, not ${transport}`);
	const port = Number(values.port);
	if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`--port must be a port number, not ${values.port}`);
	const host = values.host ?? "127.0.0.1";
	let runtime;
	try {
		runtime = new ServerRuntime(list.length === 1 ? first : list, {
			env,
			transport,
			name: def.name,
			title: hostOpts?.title,
			instructions: hostOpts?.instructions
		});
	} catch (err) {
		return fail(err instanceof ConfigError ? err.message : `start-up failed: ${err.message}`);
	}
	process.on("unhandledRejection", (err) => runtime.logger.error({ err }, "unhandled promise rejection (server kept running)"));
	runtime.ready.catch((err) => {
		runtime.logger.fatal({ err }, "start-up failed");
		fail(err instanceof ConfigError ? err.message : `start-up failed: ${runtime.redactor.redactString(err.message)}`);
	});
	let shuttingDown = false;
	const onSignal = (close) => async () => {
		if (shuttingDown) return;
		shuttingDown = true;
		runtime.logger.info("shutting down");
		try {
			await close();
		} catch (err) {
			runtime.logger.error({ err }, "shutdown failed");
		}
		process.exit(0);
	};
	if (transport === "stdio") {
		const principal = stdioPrincipal(env);
		const server = createMcpServer(runtime, () => principal);
		const stdio = new StdioServerTransport();
		const close = async () => {
			const deadline = Date.now() + runtime.config.shutdownTimeoutMs;
			while (runtime.activeCalls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
			await server.close();
			await runtime.close();
		};
		process.on("SIGTERM", () => void onSignal(close)());
		process.on("SIGINT", () => void onSignal(close)());
		process.stdin.on("end", () => void onSignal(close)());
		await server.connect(stdio);
		runtime.logger.info({
			principal: principal.id,
			tenant: principal.tenant,
			roles: principal.roles
		}, "serving MCP over stdio");
		return;
	}
	let authenticator;
	const base = runtime.config.publicUrl ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
	try {
		authenticator = buildAuthenticator(runtime, new URL("/mcp", base).toString());
	} catch (err) {
		return fail(err instanceof ConfigError ? err.message : `start-up failed: ${err.message}`);
	}
	const auth = {
		kind: authenticator.kind,
		authenticate: (a, k) => authenticator.authenticate(a, k)
	};
	const { createHttpApp } = await import("./http-COvhb-qA.js");
	let listen;
	try {
		({listen} = createHttpApp(runtime, {
			host,
			port,
			authenticator: auth
		}));
	} catch (err) {
		return fail(err instanceof ConfigError ? err.message : `start-up failed: ${err.message}`);
	}
	let handle;
	try {
		handle = await listen();
	} catch (err) {
		return fail(`cannot listen on ${host}:${port}: ${err.message}`);
	}
	if (port === 0 && authenticator.kind === "jwt" && !runtime.config.publicUrl) authenticator = buildAuthenticator(runtime, `${handle.url}/mcp`);
	process.on("SIGTERM", () => void onSignal(handle.close)());
	process.on("SIGINT", () => void onSignal(handle.close)());
	await runtime.ready.catch(() => new Promise(() => void 0));
	const paths = runtime.surfaces.length > 1 ? runtime.config.httpPaths : "shared";
	runtime.logger.info({
		...paths === "per-system" ? {} : { url: `${handle.url}/mcp` },
		...paths === "shared" ? {} : { systems: Object.fromEntries(runtime.surfaces.map((s) => [s.def.name, `${handle.url}/mcp/${s.def.name}`])) },
		...handle.adminUrl ? { admin: handle.adminUrl } : {},
		auth: authenticator.kind,
		mode: runtime.config.httpMode
	}, "serving MCP over HTTP");
}

// packages/core/dist/upstream.js
/**
* Upstreams: MCP servers a Portcullis process fronts. One interface for every kind (a surface on
* the same host, a remote server over Streamable HTTP with legacy SSE fallback, a command spawned
* over stdio), so a server that forwards calls never cares where the tools live. A remote upstream
* is reached with its own credential (a credential reference), never the inbound caller's token;
* who the caller is travels as data in `_meta`.
*/
/** The caller of the upstream call in progress, for credential headers issued per caller. */
const currentCaller = new AsyncLocalStorage();
/** The trace context of the upstream call in progress, for the HTTP transport's requests. */
const currentTrace = new AsyncLocalStorage();

// packages/core/dist/cursor.js
/**
* Opaque paging cursors, signed with HMAC-SHA256 and bound to the tenant, the principal and the
* query (a hash of its canonical filter) they were issued for. A cursor that was edited,
* truncated, forged, or replayed by another tenant, another caller or for another query is a
* validation error (`invalid_cursor`), never a silently different page and never an internal
* error. The key comes from PORTCULLIS_CURSOR_KEY (a credential reference, shared by replicas) or
* is generated once per data directory (mode 0600).
*/
/** The setting that names the key (a credential reference: env:, file:, aws-sm:). */
const CURSOR_KEY_SETTING = "PORTCULLIS_CURSOR_KEY";
/** Longest cursor accepted; anything longer is not one we issued. */
const MAX_CURSOR_LENGTH = 4096;
function invalidCursor() {
	return new PortcullisError({
		code: "invalid_cursor",
		category: "validation",
		message: "The cursor is not valid.",
		remediation: "Pass next_cursor exactly as a previous page returned it, or omit cursor to start from the first page."
	});
}
function foreignCursor() {
	return new PortcullisError({
		code: "invalid_cursor",
		category: "validation",
		message: "The cursor belongs to a different search (other filters, tenant or caller).",
		remediation: "Pass a next_cursor only with the same filters that produced it, as the same caller, or start again without a cursor."
	});
}
var CursorCodec = class {
	key;
	constructor(key) {
		if (key.length < 32) throw new ConfigError(`${CURSOR_KEY_SETTING} must be at least 32 bytes.`);
		this.key = Buffer.from(key);
	}
	/** The cursor for `position` (any JSON value: a sort key, an upstream's paging token ...). */
	encode(scope, position) {
		const body = Buffer.from(JSON.stringify({
			k: scope.kind,
			b: this.binding(scope),
			p: position
		}), "utf8").toString("base64url");
		return `${body}.${this.tag("cursor", body)}`;
	}
	/** The position `encode` stored, after checking the signature and that the cursor belongs to `scope`. */
	decode(cursor, scope) {
		const dot = cursor.indexOf(".");
		if (dot <= 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
		const body = cursor.slice(0, dot);
		const mac = Buffer.from(cursor.slice(dot + 1), "base64url");
		const expected = Buffer.from(this.tag("cursor", body), "base64url");
		if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw invalidCursor();
		let parsed;
		try {
			parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
		} catch {
			throw invalidCursor();
		}
		if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalidCursor();
		const { k, b, p } = parsed;
		if (k !== scope.kind || b !== this.binding(scope)) throw foreignCursor();
		return p;
	}
	/**
	* Keyed, so the cursor shows nothing about the tenant, caller or filters it is bound to (a plain
	* hash of a tenant and a user id could be guessed from a short list).
	*/
	binding(scope) {
		return this.tag("scope", canonicalHash([
			scope.tenant,
			scope.principal ?? "",
			scope.kind,
			scope.query ?? null
		])).slice(0, 22);
	}
	tag(purpose, text) {
		return createHmac("sha256", this.key).update(`${purpose}\u0000${text}`).digest("base64url");
	}
};
/**
* The cursor codec of a server process: the key from PORTCULLIS_CURSOR_KEY (a credential
* reference; replicas behind one load balancer must share it), else a key generated once in the
* data directory (mode 0600), so cursors survive restarts.
*/
async function openCursorCodec(src) {
	const ref = src.env[CURSOR_KEY_SETTING];
	if (ref !== void 0 && ref !== "") {
		parseCredentialRef(ref, CURSOR_KEY_SETTING);
		const secret = await src.credentials.get(ref, CURSOR_KEY_SETTING);
		if (secret.length < 32) throw new ConfigError(`${CURSOR_KEY_SETTING} must resolve to at least 32 characters.`);
		return new CursorCodec(Buffer.from(secret, "utf8"));
	}
	mkdirSync(src.dataDir, { recursive: true });
	const path = join(src.dataDir, "cursor-signing.key");
	if (!existsSync(path)) try {
		writeFileSync(path, randomBytes(32).toString("base64url"), {
			mode: 384,
			flag: "wx"
		});
	} catch (err) {
		if (err.code !== "EEXIST") throw err;
	}
	const key = readFileSync(path, "utf8").trim();
	if (key.length < 32) throw new ConfigError(`${path}: the cursor key is too short; delete the file.`);
	src.redactor.addSecret(key);
	return new CursorCodec(Buffer.from(key, "utf8"));
}

// servers/crm/node_modules/zod/v4/core/util.js
function getEnumValues(entries) {
	const numericValues = Object.values(entries).filter((v) => typeof v === "number");
	return Object.entries(entries).filter(([k, _]) => numericValues.indexOf(+k) === -1).map(([_, v]) => v);
}
function joinValues(array, separator = "|") {
	return array.map((val) => stringifyPrimitive(val)).join(separator);
}
function jsonStringifyReplacer(_, value) {
	if (typeof value === "bigint") return value.toString();
	return value;
}
var Cached = class {
	constructor(getter) {
		this._getter = getter;
		this._value = void 0;
	}
	get value() {
		const getter = this._getter;
		if (getter !== void 0) {
			this._value = getter();
			this._getter = void 0;
		}
		return this._value;
	}
};
function cached(getter) {
	return new Cached(getter);
}
function nullish(input) {
	return input === null || input === void 0;
}
function cleanRegex(source) {
	const start = source.startsWith("^") ? 1 : 0;
	const end = source.endsWith("$") ? source.length - 1 : source.length;
	return source.slice(start, end);
}
function floatSafeRemainder(val, step) {
	const ratio = val / step;
	const roundedRatio = Math.round(ratio);
	const tolerance = 4 * Number.EPSILON * Math.max(Math.abs(ratio), 1);
	if (Math.abs(ratio - roundedRatio) < tolerance) return 0;
	return ratio - roundedRatio;
}
function assignProp(target, prop, value) {
	Object.defineProperty(target, prop, {
		value,
		writable: true,
		enumerable: true,
		configurable: true
	});
}
/**
* Whichever object a def's `shape` currently answers from: the one the caller passed until the first read, the frozen copy after it.
*
* Its keys and descriptors read without invoking anything, which is what lets a discriminated union check its discriminator, and the cycle walk read a shape, without resolving a getter that references the schema being constructed. A def that answers `shape` from an accessor of its own has none.
*/
function rawShape(def) {
	const desc = Object.getOwnPropertyDescriptor(def, "shape");
	return desc?.get ? desc.get.raw : desc?.value;
}
function sourceShape(schema) {
	return rawShape(schema._zod.def) ?? schema._zod.def.shape;
}
function deferProp(target, key, getter) {
	Object.defineProperty(target, key, {
		get() {
			const value = getter();
			assignProp(this, key, value);
			return value;
		},
		enumerable: true,
		configurable: true
	});
}
function putProp(target, key, value) {
	if (key in target) assignProp(target, key, value);
	else target[key] = value;
}
/**
* Copies `keys` of `source`'s shape onto `target`, each value passed through `wrap`.
*
* A key the source has resolved is copied through now, so the derived shape states it outright and nothing has to resolve it to learn what it holds. A key the source still defers stays deferred, and reads back through the source's own `shape`, so it resolves once and both shapes get that one schema.
*/
function mirrorShape(target, source, keys, wrap) {
	const raw = sourceShape(source);
	for (const key of keys) {
		const desc = Object.getOwnPropertyDescriptor(raw, key);
		if (!desc.enumerable) continue;
		if (desc.get) deferProp(target, key, () => {
			const value = source._zod.def.shape[key];
			return wrap ? wrap(value, key) : value;
		});
		else putProp(target, key, wrap ? wrap(desc.value, key) : desc.value);
	}
}
function mirrorProps(target, source) {
	for (const key of Reflect.ownKeys(source)) {
		const desc = Object.getOwnPropertyDescriptor(source, key);
		if (!desc.enumerable) continue;
		if (desc.get) deferProp(target, key, () => source[key]);
		else putProp(target, key, desc.value);
	}
}
function mergeDefs(...defs) {
	const mergedDescriptors = {};
	for (const def of defs) {
		const descriptors = Object.getOwnPropertyDescriptors(def);
		Object.assign(mergedDescriptors, descriptors);
	}
	return Object.defineProperties({}, mergedDescriptors);
}
function esc(str) {
	return JSON.stringify(str);
}
function slugify(input) {
	return input.toLowerCase().trim().replace(/[^\w\s-]/g, "").replace(/[\s_-]+/g, "-").replace(/^-+|-+$/g, "");
}
const captureStackTrace = "captureStackTrace" in Error ? Error.captureStackTrace : (..._args) => {};
function isObject(data) {
	return typeof data === "object" && data !== null && !Array.isArray(data);
}
const allowsEval = /* @__PURE__*/ cached(() => {
	if (globalConfig.jitless) return false;
	if (typeof navigator !== "undefined" && navigator?.userAgent?.includes("Cloudflare")) return false;
	try {
		new Function("");
		return true;
	} catch (_) {
		return false;
	}
});
function isPlainObject(o) {
	if (isObject(o) === false) return false;
	const ctor = o.constructor;
	if (ctor === void 0) return true;
	if (typeof ctor !== "function") return true;
	const prot = ctor.prototype;
	if (isObject(prot) === false) return false;
	if (Object.prototype.hasOwnProperty.call(prot, "isPrototypeOf") === false) return false;
	return true;
}
function shallowClone(o) {
	if (isPlainObject(o)) return { ...o };
	if (Array.isArray(o)) return [...o];
	if (o instanceof Map) return new Map(o);
	if (o instanceof Set) return new Set(o);
	return o;
}
const propertyKeyTypes = /* @__PURE__*/ new Set([
	"string",
	"number",
	"symbol"
]);
function escapeRegex(str) {
	return str.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function clone(inst, def, params) {
	const cl = new inst._zod.constr(def ?? inst._zod.def);
	if (!def || params?.parent) cl._zod.parent = inst;
	return cl;
}
function normalizeParams(_params) {
	const params = _params;
	if (!params) return {};
	if (typeof params === "string") return { error: () => params };
	if (params?.message !== void 0) {
		if (params?.error !== void 0) throw new Error("Cannot specify both `message` and `error` params");
		params.error = params.message;
	}
	delete params.message;
	if (typeof params.error === "string") return {
		...params,
		error: () => params.error
	};
	return params;
}
function stringifyPrimitive(value) {
	if (typeof value === "bigint") return value.toString() + "n";
	if (typeof value === "string") return `"${value}"`;
	return `${value}`;
}
function optionalKeys(shape) {
	return Object.keys(shape).filter((k) => {
		return shape[k]._zod.optin !== void 0 && shape[k]._zod.optout === "optional";
	});
}
const NUMBER_FORMAT_RANGES = /*@__PURE__*/ (() => ({
	safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
	int32: [-2147483648, 2147483647],
	uint32: [0, 4294967295],
	float32: [-34028234663852886e22, 34028234663852886e22],
	float64: [-Number.MAX_VALUE, Number.MAX_VALUE]
}))();
const BIGINT_FORMAT_RANGES = {
	int64: [/* @__PURE__*/ BigInt("-9223372036854775808"), /* @__PURE__*/ BigInt("9223372036854775807")],
	uint64: [/* @__PURE__*/ BigInt(0), /* @__PURE__*/ BigInt("18446744073709551615")]
};
function pick(schema, mask) {
	const currDef = schema._zod.def;
	const checks = currDef.checks;
	if (checks && checks.length > 0) throw new Error(".pick() cannot be used on object schemas containing refinements");
	const newShape = {};
	mirrorShape(newShape, schema, maskedKeys(schema, mask));
	return clone(schema, mergeDefs(currDef, {
		shape: newShape,
		checks: []
	}));
}
function maskedKeys(schema, mask) {
	const raw = sourceShape(schema);
	const keys = [];
	for (const key of Reflect.ownKeys(mask)) {
		if (!Object.getOwnPropertyDescriptor(raw, key)?.enumerable) throw new Error(`Unrecognized key: "${String(key)}"`);
		if (mask[key]) keys.push(key);
	}
	return keys;
}
function omit(schema, mask) {
	const currDef = schema._zod.def;
	const checks = currDef.checks;
	if (checks && checks.length > 0) throw new Error(".omit() cannot be used on object schemas containing refinements");
	const omitted = new Set(maskedKeys(schema, mask));
	const newShape = {};
	mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)).filter((key) => !omitted.has(key)));
	return clone(schema, mergeDefs(currDef, {
		shape: newShape,
		checks: []
	}));
}
function extend(schema, shape) {
	if (!isPlainObject(shape)) throw new Error("Invalid input to extend: expected a plain object");
	const checks = schema._zod.def.checks;
	if (checks && checks.length > 0) {
		const existingShape = sourceShape(schema);
		for (const key of Reflect.ownKeys(shape)) if (Object.getOwnPropertyDescriptor(existingShape, key) !== void 0) throw new Error("Cannot overwrite keys on object schemas containing refinements. Use `.safeExtend()` instead.");
	}
	return clone(schema, mergeDefs(schema._zod.def, { shape: extended(schema, shape) }));
}
function extended(schema, shape) {
	const newShape = {};
	mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)));
	mirrorProps(newShape, shape);
	return newShape;
}
function safeExtend(schema, shape) {
	if (!isPlainObject(shape)) throw new Error("Invalid input to safeExtend: expected a plain object");
	return clone(schema, mergeDefs(schema._zod.def, { shape: extended(schema, shape) }));
}
function merge(a, b) {
	if (!b?._zod?.def) throw new Error("Invalid input to merge: expected an object schema. To merge a plain shape, use `.extend()`.");
	if (a._zod.def.checks?.length) throw new Error(".merge() cannot be used on object schemas containing refinements. Use .safeExtend() instead.");
	const newShape = {};
	mirrorShape(newShape, a, Reflect.ownKeys(sourceShape(a)));
	mirrorShape(newShape, b, Reflect.ownKeys(sourceShape(b)));
	return clone(a, mergeDefs(a._zod.def, {
		shape: newShape,
		get catchall() {
			return b._zod.def.catchall;
		},
		checks: b._zod.def.checks ?? []
	}));
}
function partial(Class, schema, mask, name = "partial") {
	const checks = schema._zod.def.checks;
	if (checks && checks.length > 0) throw new Error(`.${name}() cannot be used on object schemas containing refinements`);
	const selected = mask ? new Set(maskedKeys(schema, mask)) : void 0;
	const newShape = {};
	mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)), Class && ((value, key) => selected && !selected.has(key) ? value : new Class({
		type: "optional",
		innerType: value
	})));
	return clone(schema, mergeDefs(schema._zod.def, {
		shape: newShape,
		checks: []
	}));
}
function required(Class, schema, mask) {
	const selected = mask ? new Set(maskedKeys(schema, mask)) : void 0;
	const newShape = {};
	mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)), (value, key) => selected && !selected.has(key) ? value : new Class({
		type: "nonoptional",
		innerType: value
	}));
	return clone(schema, mergeDefs(schema._zod.def, { shape: newShape }));
}
function aborted(x, startIndex = 0) {
	if (x.aborted === true) return true;
	for (let i = startIndex; i < x.issues.length; i++) if (x.issues[i]?.continue !== true) return true;
	return false;
}
function explicitlyAborted(x, startIndex = 0) {
	if (x.aborted === true) return true;
	for (let i = startIndex; i < x.issues.length; i++) if (x.issues[i]?.continue === false) return true;
	return false;
}
function prefixIssues(path, issues) {
	return issues.map((iss) => {
		var _a;
		(_a = iss).path ?? (_a.path = []);
		iss.path.unshift(path);
		return iss;
	});
}
function unwrapMessage(message) {
	return typeof message === "string" ? message : message?.message;
}
/** The leading size checks of `defChecks` that set an upper bound, each paired with it. */
function sizeCaps(defChecks) {
	const caps = [];
	for (const ch of defChecks ?? []) {
		const d = ch._zod.def;
		if (!/_(length|size)$|_equals$/.test(d.check)) break;
		const max = d.maximum ?? d.length ?? d.size;
		if (max >= 0) caps.push([max, ch]);
	}
	return caps;
}
function attachSchema(issues, start, inst) {
	var _a;
	for (let i = start; i < issues.length; i++) (_a = issues[i]).schema ?? (_a.schema = inst);
}
function finalizeIssue(iss, ctx, config) {
	var _a;
	const traits = iss.inst?._zod?.traits;
	if (traits?.has("$ZodType")) {
		if (traits.has("$ZodCheck")) (_a = iss).schema ?? (_a.schema = iss.inst);
		else iss.schema = iss.inst;
	}
	const schemaError = iss.schema !== iss.inst ? iss.schema?._zod.def?.error : void 0;
	const message = iss.message ? iss.message : unwrapMessage(iss.inst?._zod.def?.error?.(iss)) ?? unwrapMessage(schemaError?.(iss)) ?? unwrapMessage(ctx?.error?.(iss)) ?? unwrapMessage(config.customError?.(iss)) ?? unwrapMessage(config.localeError?.(iss)) ?? "Invalid input";
	const full = {};
	for (const k of Object.keys(iss)) {
		if (k === "inst" || k === "schema" || k === "continue" || k === "input" || k === "__proto__") continue;
		full[k] = iss[k];
	}
	full.path ?? (full.path = []);
	full.message = message;
	if (ctx?.reportInput) full.input = iss.input;
	return full;
}
const highSurrogate = /[\uD800-\uDBFF]/;
function codePointLength(str) {
	const units = str.length;
	if (!highSurrogate.test(str)) return units;
	let count = units;
	for (let i = 0; i < units - 1; i++) if ((str.charCodeAt(i) & 64512) === 55296 && (str.charCodeAt(i + 1) & 64512) === 56320) {
		count--;
		i++;
	}
	return count;
}
function getLengthableOrigin(input) {
	if (Array.isArray(input)) return "array";
	if (typeof input === "string") return "string";
	return "unknown";
}
function parsedType(data) {
	const t = typeof data;
	switch (t) {
		case "number": return Number.isNaN(data) ? "nan" : "number";
		case "object": {
			if (data === null) return "null";
			if (Array.isArray(data)) return "array";
			const obj = data;
			if (obj && Object.getPrototypeOf(obj) !== Object.prototype && "constructor" in obj && obj.constructor) return obj.constructor.name;
		}
	}
	return t;
}
function issue(...args) {
	const [iss, input, inst] = args;
	if (typeof iss === "string") return {
		message: iss,
		code: "custom",
		input,
		inst
	};
	return { ...iss };
}
/**
* Installs a trait's members on its prototype. Each value builds that member for the instance on first read; the built value shadows the accessor as an own property, so a detached `const { parse } = schema` keeps working.
*
* Call this from a `proto` initializer, which runs once per prototype — never per instance.
*/
function members(proto, table) {
	for (const key in table) {
		const desc = Object.getOwnPropertyDescriptor(table, key);
		if (desc.get) Object.defineProperty(proto, key, {
			...desc,
			enumerable: false
		});
		else defineBound(proto, key, desc.value);
	}
}
/** Shadows a prototype member with an own value, so a getter that builds from the instance runs once. */
function own(inst, key, value, enumerable = true) {
	Object.defineProperty(inst, key, {
		configurable: true,
		writable: true,
		enumerable,
		value
	});
	return value;
}
/** Like {@link own}, for a member that was never an own data property and has to stay out of `Object.keys`. */
function hide(inst, key, value) {
	return own(inst, key, value, false);
}
/** Adds members a table derives from the instance: each builds on first read and shadows as own data, and assignment shadows the same way, as when these were own properties. */
/* @__NO_SIDE_EFFECTS__ */
function derived(computes, table) {
	for (const key in computes) {
		const compute = computes[key];
		Object.defineProperty(table, key, {
			configurable: true,
			enumerable: true,
			get() {
				return own(this, key, compute(this));
			},
			set(value) {
				own(this, key, value);
			}
		});
	}
	return table;
}
function defineBound(proto, key, fn) {
	Object.defineProperty(proto, key, {
		configurable: true,
		get() {
			return this == null ? fn : own(this, key, fn.bind(this));
		},
		set(value) {
			own(this, key, value);
		}
	});
}
/** Returns the prototype to install on, or `undefined` if this group is already installed on it. */
function claim(inst, sentinel) {
	const proto = Object.getPrototypeOf(inst);
	return sentinel in proto ? void 0 : proto;
}
let installing;
let broke = false;
const breaker = {
	configurable: true,
	get() {
		broke = true;
	}
};
/**
* Installs a lazily-derived internal on the `_zod` prototype of `inst`'s
* constructor, computed from the internals object itself and cached there on
* first read. One accessor per constructor rather than one per instance.
*/
function defineLazyInternal(inst, key, compute) {
	const proto = Object.getPrototypeOf(inst._zod);
	if (key in proto && installing !== inst._zod) {
		installing = void 0;
		return;
	}
	installing = inst._zod;
	Object.defineProperty(proto, key, {
		configurable: true,
		get() {
			Object.defineProperty(this, key, breaker);
			const outer = broke;
			broke = false;
			try {
				const value = compute(this);
				if (broke) delete this[key];
				else Object.defineProperty(this, key, {
					configurable: true,
					writable: true,
					value
				});
				broke = broke || outer;
				return value;
			} catch (err) {
				delete this[key];
				broke = broke || outer;
				throw err;
			}
		},
		set(value) {
			Object.defineProperty(this, key, {
				configurable: true,
				writable: true,
				value
			});
		}
	});
}
/**
* Installs `key` on `inst`'s prototype, computed by `make` on first read and cached there as an own
* data property. One accessor per constructor rather than one per instance, because an own accessor
* puts every instance after the first into v8 dictionary mode. The key doubles as the sentinel.
*/
function installLazyProp(inst, key, make, enumerable) {
	const proto = claim(inst, key);
	if (!proto) return;
	Object.defineProperty(proto, key, {
		configurable: true,
		get() {
			const desc = {
				configurable: true,
				writable: true,
				enumerable,
				value: void 0
			};
			Object.defineProperty(this, key, desc);
			desc.value = make(this);
			Object.defineProperty(this, key, desc);
			return desc.value;
		},
		set(value) {
			Object.defineProperty(this, key, {
				configurable: true,
				writable: true,
				enumerable,
				value
			});
		}
	});
}
/** Marks the thunk `_catch` synthesises for a constant catch value. `Function.length` cannot tell that thunk from a user callback — rest and defaulted parameters both report arity 0 — and a user callback reads `ctx.error`, whose issues only finalize correctly against the caller's per-parse error map. Provenance can say what arity cannot. A plain string key rather than `Symbol.for`, whose call at module scope no bundler can prove pure — the same shape that anchored `urlCanParse` into every build. */
const CONSTANT_CATCH = "~constantCatch";
/** Wraps a constant catch value in a thunk tagged with {@link CONSTANT_CATCH}. */
function constantCatch(value) {
	const fn = () => value;
	fn[CONSTANT_CATCH] = true;
	return fn;
}

// servers/crm/node_modules/zod/v4/core/core.js
var _a$1;
const _zodDesc = {
	value: void 0,
	enumerable: false
};
let _E = "captureStackTrace" in Error ? Error : null;
function newError(Definition) {
	const E = _E;
	if (E) {
		const saved = E.stackTraceLimit;
		if (typeof saved === "number") {
			try {
				E.stackTraceLimit = 0;
			} catch {
				_E = null;
				return new Definition();
			}
			try {
				return new Definition();
			} finally {
				E.stackTraceLimit = saved;
			}
		}
	}
	return new Definition();
}
/* @__NO_SIDE_EFFECTS__ */
function $constructor(name, initializer, proto, params) {
	const zodProto = {};
	function Internals(def) {
		this.def = def;
		this.constr = _;
		this.traits = /* @__PURE__ */ new Set();
	}
	Internals.prototype = zodProto;
	const protoMembers = proto;
	const initialized = protoMembers && /* @__PURE__ */ new WeakSet();
	function init(inst, def) {
		if (!inst._zod) {
			_zodDesc.value = new Internals(def);
			try {
				Object.defineProperty(inst, "_zod", _zodDesc);
			} finally {
				_zodDesc.value = void 0;
			}
		} else if (inst._zod.traits.has(name)) return;
		inst._zod.traits.add(name);
		initializer(inst, def);
		if (initialized) {
			const own = Object.getPrototypeOf(inst);
			const ctorProto = inst._zod.constr.prototype;
			let up = own;
			while (up && up !== ctorProto) up = Object.getPrototypeOf(up);
			const target = up ?? own;
			if (!initialized.has(target)) {
				initialized.add(target);
				members(target, protoMembers);
			}
		}
		const proto = _.prototype;
		for (const k in proto) {
			if (!Object.prototype.hasOwnProperty.call(proto, k)) continue;
			if (!(k in inst)) inst[k] = proto[k].bind(inst);
		}
	}
	const Parent = params?.Parent ?? Object;
	class Definition extends Parent {}
	Object.defineProperty(Definition, "name", { value: name });
	function _(def) {
		const inst = params?.Parent ? newError(Definition) : this;
		init(inst, def);
		const deferred = inst._zod.deferred;
		if (deferred) {
			for (const fn of deferred) fn();
			inst._zod.deferred = void 0;
		}
		const pp = globalThis.__zod_globalConfig?.postProcessor;
		if (pp) pp(inst);
		return inst;
	}
	Object.defineProperty(_, "init", { value: init });
	Object.defineProperty(_, Symbol.hasInstance, { value: (inst) => {
		if (params?.Parent && inst instanceof params.Parent) return true;
		return inst?._zod?.traits?.has(name);
	} });
	Object.defineProperty(_, "name", { value: name });
	return _;
}
var $ZodAsyncError = class extends Error {
	constructor() {
		super(`Encountered Promise during synchronous parse. Use .parseAsync() instead.`);
	}
};
var $ZodEncodeError = class extends Error {
	constructor(name) {
		super(`Encountered unidirectional transform during encode: ${name}`);
		this.name = "ZodEncodeError";
	}
};
(_a$1 = globalThis).__zod_globalConfig ?? (_a$1.__zod_globalConfig = {});
const globalConfig = globalThis.__zod_globalConfig;
function config(newConfig) {
	if (newConfig) Object.assign(globalConfig, newConfig);
	return globalConfig;
}

// servers/crm/node_modules/zod/v4/core/errors.js
function _getMessage() {
	const internals = this._zod;
	internals.message ?? (internals.message = JSON.stringify(internals.def, jsonStringifyReplacer, 2));
	return internals.message;
}
function _setMessage(value) {
	this._zod.message = value;
}
const _messageDesc = {
	get: _getMessage,
	set: _setMessage,
	enumerable: true,
	configurable: true
};
const _issuesDesc = {
	value: void 0,
	enumerable: false
};
const _installedToString = /* @__PURE__ */ new WeakSet([Object.prototype, Error.prototype]);
const initializer$1 = (inst, def) => {
	inst.name = "$ZodError";
	_issuesDesc.value = def;
	Object.defineProperty(inst, "issues", _issuesDesc);
	_issuesDesc.value = void 0;
	Object.defineProperty(inst, "message", _messageDesc);
	const proto = Object.getPrototypeOf(inst);
	if (!_installedToString.has(proto)) {
		_installedToString.add(proto);
		Object.defineProperty(proto, "toString", {
			configurable: true,
			enumerable: false,
			get() {
				const value = () => this.message;
				Object.defineProperty(this, "toString", {
					value,
					configurable: true,
					writable: true
				});
				return value;
			},
			set(value) {
				Object.defineProperty(this, "toString", {
					value,
					configurable: true,
					writable: true
				});
			}
		});
	}
};
const $ZodError = /* @__PURE__ */ $constructor("$ZodError", initializer$1);
/** Get-or-create `obj[key]` as an own data property. A path segment naming an inherited member
* ("toString", "constructor") would otherwise read through to the prototype, and assigning
* "__proto__" would hit the setter instead of creating a key. */
function node(obj, key, make) {
	if (!Object.prototype.hasOwnProperty.call(obj, key)) {
		if (key === "__proto__") Object.defineProperty(obj, key, {
			value: make(),
			writable: true,
			enumerable: true,
			configurable: true
		});
		else obj[key] = make();
	}
	return obj[key];
}
function flattenError(error, mapper = (issue) => issue.message) {
	const fieldErrors = {};
	const formErrors = [];
	for (const sub of error.issues) if (sub.path.length > 0) node(fieldErrors, sub.path[0], () => []).push(mapper(sub));
	else formErrors.push(mapper(sub));
	return {
		formErrors,
		fieldErrors
	};
}
function formatError(error, mapper = (issue) => issue.message) {
	const fieldErrors = { _errors: [] };
	const processError = (error, path = []) => {
		for (const issue of error.issues) if (issue.code === "invalid_union" && issue.errors.length) issue.errors.map((issues) => processError({ issues }, [...path, ...issue.path]));
		else if (issue.code === "invalid_key") processError({ issues: issue.issues }, [...path, ...issue.path]);
		else if (issue.code === "invalid_element") processError({ issues: issue.issues }, [...path, ...issue.path]);
		else {
			const fullpath = [...path, ...issue.path];
			if (fullpath.length === 0) fieldErrors._errors.push(mapper(issue));
			else {
				let curr = fieldErrors;
				let i = 0;
				while (i < fullpath.length) {
					const el = fullpath[i];
					const terminal = i === fullpath.length - 1;
					if (el === "_errors") {
						if (terminal) curr._errors.push(mapper(issue));
						i++;
						continue;
					}
					if (!Object.prototype.hasOwnProperty.call(curr, el)) Object.defineProperty(curr, el, {
						value: { _errors: [] },
						enumerable: true,
						writable: true,
						configurable: true
					});
					const node = curr[el];
					if (terminal) node._errors.push(mapper(issue));
					curr = node;
					i++;
				}
			}
		}
	};
	processError(error);
	return fieldErrors;
}

// servers/crm/node_modules/zod/v4/core/parse.js
function finalizeParams(callee, params) {
	return {
		callee: params?.callee ?? callee,
		Err: params?.Err
	};
}
const _parse = (_Err) => {
	const fn = (schema, value, _ctx, _params) => {
		const ctx = _ctx ? {
			..._ctx,
			async: false
		} : { async: false };
		const result = schema._zod.run({
			value,
			issues: []
		}, ctx);
		if (result instanceof Promise) throw new $ZodAsyncError();
		if (result.issues.length) {
			const e = new ((_params?.Err) ?? _Err)(result.issues.map((iss) => finalizeIssue(iss, ctx, config())));
			captureStackTrace(e, _params?.callee ?? fn);
			throw e;
		}
		return result.value;
	};
	return fn;
};
const _parseAsync = (_Err) => {
	const fn = async (schema, value, _ctx, params) => {
		const ctx = _ctx ? {
			..._ctx,
			async: true
		} : { async: true };
		let result = schema._zod.run({
			value,
			issues: []
		}, ctx);
		if (result instanceof Promise) result = await result;
		if (result.issues.length) {
			const e = new ((params?.Err) ?? _Err)(result.issues.map((iss) => finalizeIssue(iss, ctx, config())));
			captureStackTrace(e, params?.callee ?? fn);
			throw e;
		}
		return result.value;
	};
	return fn;
};
const _safeParse = (_Err) => (schema, value, _ctx) => {
	const ctx = _ctx ? {
		..._ctx,
		async: false
	} : { async: false };
	const result = schema._zod.run({
		value,
		issues: []
	}, ctx);
	if (result instanceof Promise) throw new $ZodAsyncError();
	return result.issues.length ? failure(_Err, result.issues, ctx) : {
		success: true,
		data: result.value
	};
};
function failure(Err, issues, ctx) {
	let error;
	return {
		success: false,
		get error() {
			if (!error) {
				error = new Err(issues.map((iss) => finalizeIssue(iss, ctx, config())));
				issues = void 0;
				ctx = void 0;
			}
			return error;
		},
		set error(e) {
			error = e;
			issues = void 0;
			ctx = void 0;
		}
	};
}
const _safeParseAsync = (_Err) => async (schema, value, _ctx) => {
	const ctx = _ctx ? {
		..._ctx,
		async: true
	} : { async: true };
	let result = schema._zod.run({
		value,
		issues: []
	}, ctx);
	if (result instanceof Promise) result = await result;
	return result.issues.length ? failure(_Err, result.issues, ctx) : {
		success: true,
		data: result.value
	};
};
const COMPILE_INVALID = /* @__PURE__ */ Symbol.for("zod.compile.invalid");
const COMPILE_FALLBACK = /* @__PURE__ */ Symbol.for("zod.compile.fallback");
const validate = ((schema, value, _ctx) => {
	const validator = schema._zod.bag.validator;
	if (validator !== void 0) {
		if (validator(value) !== COMPILE_INVALID) return true;
		if (validator.definite === true && _ctx === void 0) return false;
	}
	return validateFallback(schema, value, _ctx);
});
function validateFallback(schema, value, _ctx) {
	const ctx = _ctx ? {
		..._ctx,
		async: false,
		abortEarly: true
	} : {
		async: false,
		abortEarly: true
	};
	const fallbackRun = schema._zod.bag.fallbackRun;
	let result;
	if (fallbackRun) {
		ctx[COMPILE_FALLBACK] = true;
		result = fallbackRun({
			value,
			issues: []
		}, ctx);
	} else result = schema._zod.run({
		value,
		issues: []
	}, ctx);
	if (result instanceof Promise) throw new $ZodAsyncError();
	return result.issues.length === 0;
}
const validateAsync$1 = async (schema, value, _ctx) => {
	const ctx = _ctx ? {
		..._ctx,
		async: true,
		abortEarly: true
	} : {
		async: true,
		abortEarly: true
	};
	let result = schema._zod.run({
		value,
		issues: []
	}, ctx);
	if (result instanceof Promise) result = await result;
	return result.issues.length === 0;
};
const _encode = (_Err) => {
	const parse = _parse(_Err);
	const fn = (schema, value, _ctx, _params) => {
		const ctx = _ctx ? {
			..._ctx,
			direction: "backward"
		} : { direction: "backward" };
		return parse(schema, value, ctx, finalizeParams(fn, _params));
	};
	return fn;
};
const _decode = (_Err) => {
	const parse = _parse(_Err);
	const fn = (schema, value, _ctx, _params) => {
		return parse(schema, value, _ctx, finalizeParams(fn, _params));
	};
	return fn;
};
const _encodeAsync = (_Err) => {
	const parseAsync = _parseAsync(_Err);
	const fn = async (schema, value, _ctx, _params) => {
		const ctx = _ctx ? {
			..._ctx,
			direction: "backward"
		} : { direction: "backward" };
		return await parseAsync(schema, value, ctx, finalizeParams(fn, _params));
	};
	return fn;
};
const _decodeAsync = (_Err) => {
	const parseAsync = _parseAsync(_Err);
	const fn = async (schema, value, _ctx, _params) => {
		return await parseAsync(schema, value, _ctx, finalizeParams(fn, _params));
	};
	return fn;
};
const _safeEncode = (_Err) => (schema, value, _ctx) => {
	const ctx = _ctx ? {
		..._ctx,
		direction: "backward"
	} : { direction: "backward" };
	return _safeParse(_Err)(schema, value, ctx);
};
const _safeDecode = (_Err) => (schema, value, _ctx) => {
	return _safeParse(_Err)(schema, value, _ctx);
};
const _safeEncodeAsync = (_Err) => async (schema, value, _ctx) => {
	const ctx = _ctx ? {
		..._ctx,
		direction: "backward"
	} : { direction: "backward" };
	return _safeParseAsync(_Err)(schema, value, ctx);
};
const _safeDecodeAsync = (_Err) => async (schema, value, _ctx) => {
	return _safeParseAsync(_Err)(schema, value, _ctx);
};

// servers/crm/node_modules/zod/v4/core/regexes.js
/**
* @deprecated CUID v1 is deprecated by its authors due to information leakage
* (timestamps embedded in the id). Use {@link cuid2} instead.
* See https://github.com/paralleldrive/cuid.
*/
const cuid = /^[cC][0-9a-z]{6,}$/;
const cuid2 = /^[0-9a-z]+$/;
const ulid = /^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$/;
const xid = /^[0-9a-vA-V]{20}$/;
const ksuid = /^[A-Za-z0-9]{27}$/;
const nanoid = /^[a-zA-Z0-9_-]{21}$/;
function nanoidOfLength(length) {
	return new RegExp(`^[a-zA-Z0-9_-]{${length}}$`);
}
/** ISO 8601-1 duration regex. Does not support the 8601-2 extensions like negative durations or fractional/negative components. */
const duration = /^P(?:(\d+W)|(?!.*W)(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?)$/;
/** A regex for any UUID-like identifier: 8-4-4-4-12 hex pattern */
const guid = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
/** Returns a regex for validating an RFC 9562/4122 UUID.
*
* @param version Optionally specify a version 1-8. If no version is specified, all versions are supported. */
const uuid = (version) => {
	if (!version) return /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
	return new RegExp(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-${version}[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$`);
};
/** Practical email validation */
const email$1 = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;
const _emoji$1 = `^(?=[\\s\\S]*[\\p{Extended_Pictographic}\\p{Regional_Indicator}\\u20E3])[\\p{Extended_Pictographic}\\p{Emoji_Component}]+$`;
function emoji() {
	return new RegExp(_emoji$1, "u");
}
const ipv4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const ipv6 = /^(([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$/;
const cidrv4 = /^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\/([0-9]|[1-2][0-9]|3[0-2])$/;
const cidrv6 = /^(([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))\/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$/;
const base64 = /^$|^(?:[0-9a-zA-Z+/]{4})*(?:(?:[0-9a-zA-Z+/]{2}==)|(?:[0-9a-zA-Z+/]{3}=))?$/;
const base64url = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/;
const httpProtocol = /^https?$/;
const e164 = /^\+[1-9]\d{6,14}$/;
const dateSource = `(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))`;
/** Anchors a pattern source. The interpolation lives here rather than at the call site because
* esbuild will not drop a `@__PURE__` call whose own argument interpolates a variable, but it
* will drop `anchor(dateSource)`. Keeping it inline pinned `date` into every bundle. */
function anchor(source) {
	return new RegExp(`^${source}$`);
}
const date = /*@__PURE__*/ anchor(dateSource);
function timeSource(args) {
	const hhmm = `(?:[01]\\d|2[0-3]):[0-5]\\d`;
	return typeof args.precision === "number" ? args.precision === -1 ? `${hhmm}` : args.precision === 0 ? `${hhmm}:[0-5]\\d` : `${hhmm}:[0-5]\\d\\.\\d{${args.precision}}` : args.seconds ? `${hhmm}:[0-5]\\d(?:\\.\\d+)?` : `${hhmm}(?::[0-5]\\d(?:\\.\\d+)?)?`;
}
function time(args) {
	return new RegExp(`^${timeSource(args)}$`);
}
function datetime$1(args) {
	const opts = ["Z"];
	if (args.offset) opts.push(`([+-](?:[01]\\d|2[0-3]):[0-5]\\d)`);
	const qualified = `${timeSource({
		precision: args.precision,
		seconds: true
	})}(?:${opts.join("|")})`;
	const timeRegex = args.local ? `${qualified}|${timeSource({ precision: args.precision })}` : qualified;
	return new RegExp(`^${dateSource}T(?:${timeRegex})$`);
}
const anyString = /^[\s\S]{0,}$/;
const integer = /^-?\d+$/;
const number$2 = /^-?\d+(?:\.\d+)?$/;
const boolean$1 = /^(?:true|false)$/i;
const lowercase = /^[^A-Z]*$/;
const uppercase = /^[^a-z]*$/;

// servers/crm/node_modules/zod/v4/core/checks.js
const $ZodCheck = /*@__PURE__*/ $constructor("$ZodCheck", (inst, def) => {
	var _a;
	inst._zod ?? (inst._zod = {});
	inst._zod.def = def;
	(_a = inst._zod).onattach ?? (_a.onattach = []);
});
/** Default `when` for length-based checks: run only on non-nullish values with a `length`. */
const _whenHasLength = (payload) => {
	const val = payload.value;
	return !nullish(val) && val.length !== void 0;
};
const numericOriginMap = {
	number: "number",
	bigint: "bigint",
	object: "date"
};
const $ZodCheckLessThan = /*@__PURE__*/ $constructor("$ZodCheckLessThan", (inst, def) => {
	$ZodCheck.init(inst, def);
	const origin = numericOriginMap[typeof def.value];
	inst._zod.check = (payload) => {
		if (def.inclusive ? payload.value <= def.value : payload.value < def.value) return;
		payload.issues.push({
			origin: numericOriginMap[typeof payload.value] ?? origin,
			code: "too_big",
			maximum: typeof def.value === "object" ? def.value.getTime() : def.value,
			input: payload.value,
			inclusive: def.inclusive,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckGreaterThan = /*@__PURE__*/ $constructor("$ZodCheckGreaterThan", (inst, def) => {
	$ZodCheck.init(inst, def);
	const origin = numericOriginMap[typeof def.value];
	inst._zod.check = (payload) => {
		if (def.inclusive ? payload.value >= def.value : payload.value > def.value) return;
		payload.issues.push({
			origin: numericOriginMap[typeof payload.value] ?? origin,
			code: "too_small",
			minimum: typeof def.value === "object" ? def.value.getTime() : def.value,
			input: payload.value,
			inclusive: def.inclusive,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckMultipleOf = /*@__PURE__*/ $constructor("$ZodCheckMultipleOf", (inst, def) => {
	$ZodCheck.init(inst, def);
	inst._zod.check = (payload) => {
		if (typeof payload.value !== typeof def.value) throw new Error("Cannot mix number and bigint in multiple_of check.");
		if (typeof payload.value === "bigint" ? def.value !== BigInt(0) && payload.value % def.value === BigInt(0) : floatSafeRemainder(payload.value, def.value) === 0) return;
		payload.issues.push({
			origin: typeof payload.value,
			code: "not_multiple_of",
			divisor: def.value,
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckNumberFormat = /*@__PURE__*/ $constructor("$ZodCheckNumberFormat", (inst, def) => {
	$ZodCheck.init(inst, def);
	def.format = def.format || "float64";
	const isInt = def.format?.includes("int");
	const origin = isInt ? "int" : "number";
	const [minimum, maximum] = NUMBER_FORMAT_RANGES[def.format];
	inst._zod.check = (payload) => {
		const input = payload.value;
		if (isInt) {
			if (!Number.isInteger(input)) {
				payload.issues.push({
					expected: origin,
					format: def.format,
					code: "invalid_type",
					continue: false,
					input,
					inst
				});
				return;
			}
			if (!Number.isSafeInteger(input)) {
				if (input > 0) payload.issues.push({
					input,
					code: "too_big",
					maximum: Number.MAX_SAFE_INTEGER,
					note: "Integers must be within the safe integer range.",
					inst,
					origin,
					inclusive: true,
					continue: !def.abort
				});
				else payload.issues.push({
					input,
					code: "too_small",
					minimum: Number.MIN_SAFE_INTEGER,
					note: "Integers must be within the safe integer range.",
					inst,
					origin,
					inclusive: true,
					continue: !def.abort
				});
				return;
			}
		}
		if (input < minimum) payload.issues.push({
			origin: "number",
			input,
			code: "too_small",
			minimum,
			inclusive: true,
			inst,
			continue: !def.abort
		});
		if (input > maximum) payload.issues.push({
			origin: "number",
			input,
			code: "too_big",
			maximum,
			inclusive: true,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckMaxLength = /*@__PURE__*/ $constructor("$ZodCheckMaxLength", (inst, def) => {
	var _a;
	$ZodCheck.init(inst, def);
	(_a = inst._zod.def).when ?? (_a.when = _whenHasLength);
	inst._zod.check = (payload) => {
		const input = payload.value;
		const units = input.length;
		if ((typeof input === "string" && units > def.maximum ? codePointLength(input) : units) <= def.maximum) return;
		const origin = getLengthableOrigin(input);
		payload.issues.push({
			origin,
			code: "too_big",
			maximum: def.maximum,
			inclusive: true,
			input,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckMinLength = /*@__PURE__*/ $constructor("$ZodCheckMinLength", (inst, def) => {
	var _a;
	$ZodCheck.init(inst, def);
	(_a = inst._zod.def).when ?? (_a.when = _whenHasLength);
	inst._zod.check = (payload) => {
		const input = payload.value;
		const units = input.length;
		if ((typeof input === "string" && units >= def.minimum && units < def.minimum * 2 ? codePointLength(input) : units) >= def.minimum) return;
		const origin = getLengthableOrigin(input);
		payload.issues.push({
			origin,
			code: "too_small",
			minimum: def.minimum,
			inclusive: true,
			input,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckLengthEquals = /*@__PURE__*/ $constructor("$ZodCheckLengthEquals", (inst, def) => {
	var _a;
	$ZodCheck.init(inst, def);
	(_a = inst._zod.def).when ?? (_a.when = _whenHasLength);
	inst._zod.check = (payload) => {
		const input = payload.value;
		const units = input.length;
		const length = typeof input === "string" && units >= def.length && units <= def.length * 2 ? codePointLength(input) : units;
		if (length === def.length) return;
		const origin = getLengthableOrigin(input);
		const tooBig = length > def.length;
		payload.issues.push({
			origin,
			...tooBig ? {
				code: "too_big",
				maximum: def.length
			} : {
				code: "too_small",
				minimum: def.length
			},
			inclusive: true,
			exact: true,
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckStringFormat = /*@__PURE__*/ $constructor("$ZodCheckStringFormat", (inst, def) => {
	var _a, _b;
	$ZodCheck.init(inst, def);
	if (def.pattern) (_a = inst._zod).check ?? (_a.check = (payload) => {
		def.pattern.lastIndex = 0;
		if (def.pattern.test(payload.value)) return;
		payload.issues.push({
			origin: "string",
			code: "invalid_format",
			format: def.format,
			input: payload.value,
			...def.pattern ? { pattern: def.pattern.toString() } : {},
			inst,
			continue: !def.abort
		});
	});
	else (_b = inst._zod).check ?? (_b.check = () => {});
});
const $ZodCheckRegex = /*@__PURE__*/ $constructor("$ZodCheckRegex", (inst, def) => {
	$ZodCheckStringFormat.init(inst, def);
	inst._zod.check = (payload) => {
		def.pattern.lastIndex = 0;
		if (def.pattern.test(payload.value)) return;
		payload.issues.push({
			origin: "string",
			code: "invalid_format",
			format: "regex",
			input: payload.value,
			pattern: def.pattern.toString(),
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckLowerCase = /*@__PURE__*/ $constructor("$ZodCheckLowerCase", (inst, def) => {
	def.pattern ?? (def.pattern = lowercase);
	$ZodCheckStringFormat.init(inst, def);
});
const $ZodCheckUpperCase = /*@__PURE__*/ $constructor("$ZodCheckUpperCase", (inst, def) => {
	def.pattern ?? (def.pattern = uppercase);
	$ZodCheckStringFormat.init(inst, def);
});
const $ZodCheckIncludes = /*@__PURE__*/ $constructor("$ZodCheckIncludes", (inst, def) => {
	$ZodCheck.init(inst, def);
	const escapedRegex = escapeRegex(def.includes);
	def.pattern = new RegExp(typeof def.position === "number" ? `^.{${def.position},}${escapedRegex}` : escapedRegex);
	inst._zod.check = (payload) => {
		if (payload.value.includes(def.includes, def.position)) return;
		payload.issues.push({
			origin: "string",
			code: "invalid_format",
			format: "includes",
			includes: def.includes,
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckStartsWith = /*@__PURE__*/ $constructor("$ZodCheckStartsWith", (inst, def) => {
	$ZodCheck.init(inst, def);
	const pattern = new RegExp(`^${escapeRegex(def.prefix)}.*`);
	def.pattern ?? (def.pattern = pattern);
	inst._zod.check = (payload) => {
		if (payload.value.startsWith(def.prefix)) return;
		payload.issues.push({
			origin: "string",
			code: "invalid_format",
			format: "starts_with",
			prefix: def.prefix,
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckEndsWith = /*@__PURE__*/ $constructor("$ZodCheckEndsWith", (inst, def) => {
	$ZodCheck.init(inst, def);
	const pattern = new RegExp(`.*${escapeRegex(def.suffix)}$`);
	def.pattern ?? (def.pattern = pattern);
	inst._zod.check = (payload) => {
		if (payload.value.endsWith(def.suffix)) return;
		payload.issues.push({
			origin: "string",
			code: "invalid_format",
			format: "ends_with",
			suffix: def.suffix,
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCheckOverwrite = /*@__PURE__*/ $constructor("$ZodCheckOverwrite", (inst, def) => {
	$ZodCheck.init(inst, def);
	inst._zod.check = (payload) => {
		payload.value = def.tx(payload.value);
	};
});

// servers/crm/node_modules/zod/v4/core/doc.js
var Doc = class {
	constructor(args = [], closed = {}) {
		this.content = [];
		this.indent = 0;
		this.args = args;
		this.closed = closed;
	}
	indented(fn) {
		this.indent += 1;
		try {
			fn(this);
		} finally {
			this.indent -= 1;
		}
	}
	write(arg) {
		if (typeof arg === "function") {
			arg(this, { execution: "sync" });
			arg(this, { execution: "async" });
			return;
		}
		const lines = arg.split("\n").filter((x) => x);
		const minIndent = Math.min(...lines.map((x) => x.length - x.trimStart().length));
		const dedented = lines.map((x) => x.slice(minIndent)).map((x) => " ".repeat(this.indent * 2) + x);
		for (const line of dedented) this.content.push(line);
	}
	compile() {
		const F = Function;
		const content = this?.content ?? [``];
		return new F(...Object.keys(this.closed), `return function (${this.args.join(", ")}) {\n${content.join("\n")}\n};`)(...Object.values(this.closed));
	}
};

// servers/crm/node_modules/zod/v4/core/versions.js
const version = {
	major: 4,
	minor: 6,
	patch: 7
};

// servers/crm/node_modules/zod/v4/core/schemas.js
const $ZodType = /*@__PURE__*/ $constructor("$ZodType", (inst, def) => {
	var _a;
	inst ?? (inst = {});
	inst._zod.def = def;
	inst._zod.bag = inst._zod.bag || {};
	inst._zod.version = version;
	const defChecks = inst._zod.def.checks;
	const checks = inst._zod.traits.has("$ZodCheck") ? [inst, ...defChecks ?? []] : defChecks?.length ? [...defChecks] : [];
	for (const ch of checks) for (const fn of ch._zod.onattach) fn(inst);
	if (checks.length === 0) {
		(_a = inst._zod).deferred ?? (_a.deferred = []);
		inst._zod.deferred?.push(() => {
			inst._zod.run = inst._zod.parse;
		});
	} else {
		const runChecks = (payload, checks, ctx) => {
			if (payload.memo) return payload;
			let isAborted = aborted(payload);
			let asyncResult;
			for (const ch of checks) {
				if (ch._zod.def.when) {
					if (explicitlyAborted(payload)) continue;
					if (!ch._zod.def.when(payload)) continue;
				} else if (isAborted) continue;
				const currLen = payload.issues.length;
				const _ = ch._zod.check(payload);
				if (_ instanceof Promise && ctx?.async === false) throw new $ZodAsyncError();
				if (asyncResult || _ instanceof Promise) asyncResult = (asyncResult ?? Promise.resolve()).then(async () => {
					await _;
					if (payload.issues.length === currLen) return;
					attachSchema(payload.issues, currLen, inst);
					if (!isAborted) isAborted = aborted(payload, currLen);
				});
				else {
					if (payload.issues.length === currLen) continue;
					attachSchema(payload.issues, currLen, inst);
					if (!isAborted) isAborted = aborted(payload, currLen);
				}
			}
			if (asyncResult) return asyncResult.then(() => {
				return payload;
			});
			return payload;
		};
		const handleCanaryResult = (canary, payload, ctx) => {
			if (aborted(canary)) {
				canary.aborted = true;
				return canary;
			}
			const checkResult = runChecks(payload, checks, ctx);
			if (checkResult instanceof Promise) {
				if (ctx.async === false) throw new $ZodAsyncError();
				return checkResult.then((checkResult) => inst._zod.parse(checkResult, ctx));
			}
			return inst._zod.parse(checkResult, ctx);
		};
		inst._zod.run = (payload, ctx) => {
			if (ctx.skipChecks) return inst._zod.parse(payload, ctx);
			if (ctx.direction === "backward") {
				const canary = inst._zod.parse({
					value: payload.value,
					issues: []
				}, {
					...ctx,
					skipChecks: true
				});
				if (canary instanceof Promise) return canary.then((canary) => {
					return handleCanaryResult(canary, payload, ctx);
				});
				return handleCanaryResult(canary, payload, ctx);
			}
			const result = inst._zod.parse(payload, ctx);
			if (result instanceof Promise) {
				if (ctx.async === false) throw new $ZodAsyncError();
				return result.then((result) => runChecks(result, checks, ctx));
			}
			return runChecks(result, checks, ctx);
		};
	}
}, {
	get "~standard"() {
		return hide(this, "~standard", standardProps(this));
	},
	set "~standard"(value) {
		own(this, "~standard", value);
	}
});
/** The Standard Schema surface for `inst`. Shared so wrappers can extend it without forcing it. */
const toStandardResult = (r, ctx) => r.issues.length ? { issues: r.issues.map((iss) => finalizeIssue(iss, ctx, config())) } : { value: r.value };
async function validateAsync(inst, value) {
	const ctx = { async: true };
	return toStandardResult(await inst._zod.run({
		value,
		issues: []
	}, ctx), ctx);
}
function standardProps(inst) {
	return {
		validate: (value) => {
			const ctx = { async: false };
			try {
				const r = inst._zod.run({
					value,
					issues: []
				}, ctx);
				if (!(r instanceof Promise)) return toStandardResult(r, ctx);
			} catch (_) {}
			return validateAsync(inst, value);
		},
		vendor: "zod",
		version: 1
	};
}
const $ZodString = /*@__PURE__*/ $constructor("$ZodString", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.pattern = def.pattern ?? anyString;
	inst._zod.parse = (payload, _) => {
		if (def.coerce) try {
			payload.value = String(payload.value);
		} catch (_) {}
		if (typeof payload.value === "string") return payload;
		payload.issues.push({
			expected: "string",
			code: "invalid_type",
			input: payload.value,
			inst
		});
		return payload;
	};
});
const $ZodStringFormat = /*@__PURE__*/ $constructor("$ZodStringFormat", (inst, def) => {
	$ZodCheckStringFormat.init(inst, def);
	$ZodString.init(inst, def);
});
const $ZodGUID = /*@__PURE__*/ $constructor("$ZodGUID", (inst, def) => {
	def.pattern ?? (def.pattern = guid);
	$ZodStringFormat.init(inst, def);
});
const $ZodUUID = /*@__PURE__*/ $constructor("$ZodUUID", (inst, def) => {
	if (def.version) {
		const v = {
			v1: 1,
			v2: 2,
			v3: 3,
			v4: 4,
			v5: 5,
			v6: 6,
			v7: 7,
			v8: 8
		}[def.version];
		if (v === void 0) throw new Error(`Invalid UUID version: "${def.version}"`);
		def.pattern ?? (def.pattern = uuid(v));
	} else def.pattern ?? (def.pattern = uuid());
	$ZodStringFormat.init(inst, def);
});
const $ZodEmail = /*@__PURE__*/ $constructor("$ZodEmail", (inst, def) => {
	def.pattern ?? (def.pattern = email$1);
	$ZodStringFormat.init(inst, def);
});
/** The `://` guard rejected the input before the URL constructor saw it. */
const URL_BAD_FORMAT = 1;
/** The URL parser rejected the input. */
const URL_UNPARSEABLE = 2;
function canParseURL(input) {
	try {
		if (typeof URL !== "undefined" && typeof URL.canParse === "function") return URL.canParse(input);
		new URL(input);
		return true;
	} catch {
		return false;
	}
}
function validateURL(trimmed, def) {
	if (!("normalize" in def) && !("hostname" in def) && !("protocol" in def)) return canParseURL(trimmed) || 2;
	return parseURLObject(trimmed, def);
}
/** Parses a URL while preserving the non-normalizing HTTP guard. */
function parseURLObject(trimmed, def) {
	if (!def.normalize && def.protocol?.source === httpProtocol.source && !/^https?:\/\//i.test(trimmed)) return 1;
	try {
		if (typeof URL !== "undefined") {
			const URLStatic = URL;
			if (typeof URLStatic.parse === "function") return URLStatic.parse(trimmed) ?? 2;
		}
		return new URL(trimmed);
	} catch {
		return 2;
	}
}
const asciiTabOrNewline = /[\t\n\r]/g;
/** The URL parser deletes every ASCII tab, LF and CR from its input before it parses, so `new URL("https://exa\nmple.com")` reports on `example.com`. Applying the same deletion to the returned value closes the half of that divergence which can move the host; the parser's other rewrite, stripping C0 controls at the edges, cannot. */
function stripTabAndNewline(value) {
	return value.replace(asciiTabOrNewline, "");
}
function urlHostnameOk(url, hostname) {
	hostname.lastIndex = 0;
	return hostname.test(url.hostname);
}
function urlProtocolOk(url, protocol) {
	protocol.lastIndex = 0;
	return protocol.test(url.protocol.endsWith(":") ? url.protocol.slice(0, -1) : url.protocol);
}
const $ZodURL = /*@__PURE__*/ $constructor("$ZodURL", (inst, def) => {
	$ZodStringFormat.init(inst, def);
	inst._zod.check = (payload) => {
		try {
			const trimmed = payload.value.trim();
			const url = validateURL(trimmed, def);
			if (url === 1) {
				payload.issues.push({
					code: "invalid_format",
					format: "url",
					note: "Invalid URL format",
					input: payload.value,
					inst,
					continue: !def.abort
				});
				return;
			}
			if (url === 2) {
				payload.issues.push({
					code: "invalid_format",
					format: "url",
					input: payload.value,
					inst,
					continue: !def.abort
				});
				return;
			}
			if (url === true) {
				payload.value = stripTabAndNewline(trimmed);
				return;
			}
			if (def.hostname && !urlHostnameOk(url, def.hostname)) payload.issues.push({
				code: "invalid_format",
				format: "url",
				note: "Invalid hostname",
				pattern: def.hostname.source,
				input: payload.value,
				inst,
				continue: !def.abort
			});
			if (def.protocol && !urlProtocolOk(url, def.protocol)) payload.issues.push({
				code: "invalid_format",
				format: "url",
				note: "Invalid protocol",
				pattern: def.protocol.source,
				input: payload.value,
				inst,
				continue: !def.abort
			});
			payload.value = def.normalize ? url.href : stripTabAndNewline(trimmed);
			return;
		} catch (_) {
			payload.issues.push({
				code: "invalid_format",
				format: "url",
				input: payload.value,
				inst,
				continue: !def.abort
			});
		}
	};
});
const $ZodEmoji = /*@__PURE__*/ $constructor("$ZodEmoji", (inst, def) => {
	def.pattern ?? (def.pattern = emoji());
	$ZodStringFormat.init(inst, def);
});
const $ZodNanoID = /*@__PURE__*/ $constructor("$ZodNanoID", (inst, def) => {
	if (def.length !== void 0 && (!Number.isInteger(def.length) || def.length < 1)) throw new Error(`Invalid nanoid length: ${def.length}`);
	def.pattern ?? (def.pattern = def.length === void 0 ? nanoid : nanoidOfLength(def.length));
	$ZodStringFormat.init(inst, def);
});
/**
* @deprecated CUID v1 is deprecated by its authors due to information leakage
* (timestamps embedded in the id). Use {@link $ZodCUID2} instead.
* See https://github.com/paralleldrive/cuid.
*/
const $ZodCUID = /*@__PURE__*/ $constructor("$ZodCUID", (inst, def) => {
	def.pattern ?? (def.pattern = cuid);
	$ZodStringFormat.init(inst, def);
});
const $ZodCUID2 = /*@__PURE__*/ $constructor("$ZodCUID2", (inst, def) => {
	def.pattern ?? (def.pattern = cuid2);
	$ZodStringFormat.init(inst, def);
});
const $ZodULID = /*@__PURE__*/ $constructor("$ZodULID", (inst, def) => {
	def.pattern ?? (def.pattern = ulid);
	$ZodStringFormat.init(inst, def);
});
const $ZodXID = /*@__PURE__*/ $constructor("$ZodXID", (inst, def) => {
	def.pattern ?? (def.pattern = xid);
	$ZodStringFormat.init(inst, def);
});
const $ZodKSUID = /*@__PURE__*/ $constructor("$ZodKSUID", (inst, def) => {
	def.pattern ?? (def.pattern = ksuid);
	$ZodStringFormat.init(inst, def);
});
const $ZodISODateTime = /*@__PURE__*/ $constructor("$ZodISODateTime", (inst, def) => {
	def.pattern ?? (def.pattern = datetime$1(def));
	$ZodStringFormat.init(inst, def);
});
const $ZodISODate = /*@__PURE__*/ $constructor("$ZodISODate", (inst, def) => {
	def.pattern ?? (def.pattern = date);
	$ZodStringFormat.init(inst, def);
});
const $ZodISOTime = /*@__PURE__*/ $constructor("$ZodISOTime", (inst, def) => {
	def.pattern ?? (def.pattern = time(def));
	$ZodStringFormat.init(inst, def);
});
const $ZodISODuration = /*@__PURE__*/ $constructor("$ZodISODuration", (inst, def) => {
	def.pattern ?? (def.pattern = duration);
	$ZodStringFormat.init(inst, def);
});
const $ZodIPv4 = /*@__PURE__*/ $constructor("$ZodIPv4", (inst, def) => {
	def.pattern ?? (def.pattern = ipv4);
	$ZodStringFormat.init(inst, def);
});
/** An IPv6 address is written with hex digits, colons and dots, and nothing else. The guard is what makes the check below an IPv6 check: `new URL("http://[...]")` parses an authority, not an address, so `@` and `\` re-delimit it and `"::@1\\"` validates against the host `0.0.0.1`. The URL parser also deletes ASCII tab, LF and CR rather than failing, which is how `"::1\n"` validated as `::1`. */
const ipv6Alphabet = /^[0-9a-fA-F:.]+$/;
function isValidIPv6(value) {
	if (!ipv6Alphabet.test(value)) return false;
	return canParseURL(`http://[${value}]`);
}
const $ZodIPv6 = /*@__PURE__*/ $constructor("$ZodIPv6", (inst, def) => {
	def.pattern ?? (def.pattern = ipv6);
	$ZodStringFormat.init(inst, def);
	inst._zod.check = (payload) => {
		if (!isValidIPv6(payload.value)) payload.issues.push({
			code: "invalid_format",
			format: "ipv6",
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodCIDRv4 = /*@__PURE__*/ $constructor("$ZodCIDRv4", (inst, def) => {
	def.pattern ?? (def.pattern = cidrv4);
	$ZodStringFormat.init(inst, def);
});
function isValidCIDRv6(value) {
	const parts = value.split("/");
	if (parts.length !== 2) return false;
	const [address, prefix] = parts;
	if (!prefix) return false;
	const prefixNum = Number(prefix);
	if (`${prefixNum}` !== prefix) return false;
	if (prefixNum < 0 || prefixNum > 128) return false;
	return isValidIPv6(address);
}
const $ZodCIDRv6 = /*@__PURE__*/ $constructor("$ZodCIDRv6", (inst, def) => {
	def.pattern ?? (def.pattern = cidrv6);
	$ZodStringFormat.init(inst, def);
	inst._zod.check = (payload) => {
		if (!isValidCIDRv6(payload.value)) payload.issues.push({
			code: "invalid_format",
			format: "cidrv6",
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
function isValidBase64(data) {
	if (data === "") return true;
	if (/\s/.test(data)) return false;
	if (data.length % 4 !== 0) return false;
	try {
		atob(data);
		return true;
	} catch {
		return false;
	}
}
const base64Charset = /^[0-9a-zA-Z+/]*={0,2}$/;
const $ZodBase64 = /*@__PURE__*/ $constructor("$ZodBase64", (inst, def) => {
	def.pattern ?? (def.pattern = base64Charset);
	$ZodStringFormat.init(inst, def);
	inst._zod.check = (payload) => {
		if (isValidBase64(payload.value)) return;
		payload.issues.push({
			code: "invalid_format",
			format: "base64",
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const base64urlCharset = /^[A-Za-z0-9_-]*$/;
function isValidBase64URL(data) {
	if (!base64urlCharset.test(data)) return false;
	const base64 = data.replace(/[-_]/g, (c) => c === "-" ? "+" : "/");
	return isValidBase64(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
}
const $ZodBase64URL = /*@__PURE__*/ $constructor("$ZodBase64URL", (inst, def) => {
	def.pattern ?? (def.pattern = base64urlCharset);
	$ZodStringFormat.init(inst, def);
	inst._zod.check = (payload) => {
		if (isValidBase64URL(payload.value)) return;
		payload.issues.push({
			code: "invalid_format",
			format: "base64url",
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodE164 = /*@__PURE__*/ $constructor("$ZodE164", (inst, def) => {
	def.pattern ?? (def.pattern = e164);
	$ZodStringFormat.init(inst, def);
});
function isValidJWT(token, algorithm = null) {
	try {
		const tokensParts = token.split(".");
		if (tokensParts.length !== 3) return false;
		const [header] = tokensParts;
		if (!header) return false;
		const parsedHeader = JSON.parse(atob(header));
		if ("typ" in parsedHeader && parsedHeader?.typ !== "JWT") return false;
		if (!parsedHeader.alg) return false;
		if (algorithm && (!("alg" in parsedHeader) || parsedHeader.alg !== algorithm)) return false;
		return true;
	} catch {
		return false;
	}
}
const $ZodJWT = /*@__PURE__*/ $constructor("$ZodJWT", (inst, def) => {
	$ZodStringFormat.init(inst, def);
	inst._zod.check = (payload) => {
		if (isValidJWT(payload.value, def.alg)) return;
		payload.issues.push({
			code: "invalid_format",
			format: "jwt",
			input: payload.value,
			inst,
			continue: !def.abort
		});
	};
});
const $ZodNumber = /*@__PURE__*/ $constructor("$ZodNumber", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.pattern = number$2;
	inst._zod.parse = (payload, _ctx) => {
		if (def.coerce) try {
			payload.value = Number(payload.value);
		} catch (_) {}
		const input = payload.value;
		if (typeof input === "number" && !Number.isNaN(input) && Number.isFinite(input)) return payload;
		const received = typeof input === "number" ? Number.isNaN(input) ? "NaN" : !Number.isFinite(input) ? String(input) : void 0 : void 0;
		payload.issues.push({
			expected: "number",
			code: "invalid_type",
			input,
			inst,
			...received ? { received } : {}
		});
		return payload;
	};
});
const $ZodNumberFormat = /*@__PURE__*/ $constructor("$ZodNumberFormat", (inst, def) => {
	$ZodCheckNumberFormat.init(inst, def);
	$ZodNumber.init(inst, def);
});
const $ZodBoolean = /*@__PURE__*/ $constructor("$ZodBoolean", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.pattern = boolean$1;
	inst._zod.parse = (payload, _ctx) => {
		if (def.coerce) try {
			payload.value = Boolean(payload.value);
		} catch (_) {}
		const input = payload.value;
		if (typeof input === "boolean") return payload;
		payload.issues.push({
			expected: "boolean",
			code: "invalid_type",
			input,
			inst
		});
		return payload;
	};
});
const $ZodUnknown = /*@__PURE__*/ $constructor("$ZodUnknown", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.parse = (payload) => payload;
});
const $ZodNever = /*@__PURE__*/ $constructor("$ZodNever", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.parse = (payload, _ctx) => {
		payload.issues.push({
			expected: "never",
			code: "invalid_type",
			input: payload.value,
			inst
		});
		return payload;
	};
});
function capSize(inst, size) {
	const caps = sizeCaps(inst._zod.def.checks);
	if (!caps.length) return;
	const cap = Math.min(...caps.map((c) => c[0]));
	const parse = inst._zod.parse;
	inst._zod.parse = (payload, ctx) => {
		const n = size(payload.value);
		if (n > cap && !ctx?.skipChecks && ctx?.direction !== "backward") {
			for (const [max, ch] of sizeCaps(inst._zod.def.checks)) if (n > max && ch._zod.def.when(payload)) {
				const start = payload.issues.length;
				ch._zod.check(payload);
				payload.issues[start].continue = false;
				attachSchema(payload.issues, start, inst);
				return payload;
			}
		}
		return parse(payload, ctx);
	};
}
const arraySize = (input) => Array.isArray(input) ? input.length : -1;
function handleArrayResult(result, final, index) {
	if (result.issues.length) final.issues.push(...prefixIssues(index, result.issues));
	final.value[index] = result.value;
}
const $ZodArray = /*@__PURE__*/ $constructor("$ZodArray", (inst, def) => {
	$ZodType.init(inst, def);
	const memo = globalConfig.memoizer;
	memo?.attach(inst);
	inst._zod.parse = (payload, ctx) => {
		const input = payload.value;
		if (!Array.isArray(input)) {
			payload.issues.push({
				expected: "array",
				code: "invalid_type",
				input,
				inst
			});
			return payload;
		}
		payload.value = memo ? memo.alloc(inst, payload, Array(input.length), ctx) : Array(input.length);
		const proms = [];
		const abortEarly = ctx?.abortEarly;
		for (let i = 0; i < input.length; i++) {
			const item = input[i];
			const result = def.element._zod.run({
				value: item,
				issues: []
			}, ctx);
			if (result instanceof Promise) proms.push(result.then((result) => handleArrayResult(result, payload, i)));
			else {
				handleArrayResult(result, payload, i);
				if (abortEarly && result.issues.length !== 0 && aborted(result)) break;
			}
		}
		if (proms.length) return Promise.all(proms).then(() => payload);
		return payload;
	};
	capSize(inst, arraySize);
});
function handlePropertyResult(result, final, key, input, optin, optout) {
	const isPresent = key in input;
	const isOptionalOut = optout === "optional";
	if (!isPresent && isOptionalOut && optin === "optional") return;
	if (result.issues.length) {
		if (optin !== void 0 && isOptionalOut && !isPresent) return;
		final.issues.push(...prefixIssues(key, result.issues));
	}
	if (!isPresent && optin === void 0) {
		if (!result.issues.length) final.issues.push({
			code: "invalid_type",
			expected: "nonoptional",
			input: void 0,
			path: [key]
		});
		return;
	}
	if (result.value === void 0) {
		if (isPresent || optin === "defaulted" && !isOptionalOut) final.value[key] = void 0;
	} else final.value[key] = result.value;
}
const NO_SYMBOL_KEYS = [];
function normalizeDef(def) {
	const keys = Object.keys(def.shape);
	const ownSymbols = Object.getOwnPropertySymbols(def.shape);
	const symbolKeys = ownSymbols.length ? ownSymbols : NO_SYMBOL_KEYS;
	const allKeys = symbolKeys.length ? [...keys, ...symbolKeys] : keys;
	for (const k of allKeys) if (!def.shape?.[k]?._zod?.traits?.has("$ZodType")) throw new Error(`Invalid element at key "${String(k)}": expected a Zod schema`);
	const okeys = optionalKeys(def.shape);
	return {
		...def,
		allKeys,
		symbolKeys,
		keySet: new Set(keys),
		numKeys: keys.length,
		optionalKeys: new Set(okeys)
	};
}
function handleCatchall(proms, input, payload, ctx, def, inst, abortEarly) {
	const unrecognized = [];
	const keySet = def.keySet;
	const _catchall = def.catchall._zod;
	const t = _catchall.def.type;
	const optin = _catchall.optin;
	const optout = _catchall.optout;
	let seen = 0;
	for (const key in input) {
		if (abortEarly && payload.issues.length !== seen) {
			if (aborted(payload, seen)) break;
			seen = payload.issues.length;
		}
		if (keySet.has(key)) continue;
		if (key === "__proto__") {
			if (t === "never") unrecognized.push(key);
			continue;
		}
		if (t === "never") {
			unrecognized.push(key);
			continue;
		}
		const r = _catchall.run({
			value: input[key],
			issues: []
		}, ctx);
		if (r instanceof Promise) proms.push(r.then((r) => handlePropertyResult(r, payload, key, input, optin, optout)));
		else handlePropertyResult(r, payload, key, input, optin, optout);
	}
	if (unrecognized.length) payload.issues.push({
		code: "unrecognized_keys",
		keys: unrecognized,
		input,
		inst,
		continue: true
	});
	if (!proms.length) return payload;
	return Promise.all(proms).then(() => {
		return payload;
	});
}
const $ZodObject = /*@__PURE__*/ $constructor("$ZodObject", (inst, def) => {
	$ZodType.init(inst, def);
	const desc = Object.getOwnPropertyDescriptor(def, "shape");
	const sh = desc?.get ? desc.get.raw : def.shape ?? {};
	if (sh) {
		const get = () => {
			const newSh = { ...sh };
			Object.defineProperty(def, "shape", { value: newSh });
			get.raw = newSh;
			return newSh;
		};
		get.raw = sh;
		Object.defineProperty(def, "shape", { get });
	}
	const _normalized = cached(() => normalizeDef(def));
	defineLazyInternal(inst, "propValues", (zod) => {
		const shape = zod.def.shape;
		const propValues = {};
		for (const key in shape) {
			const field = shape[key]._zod;
			if (field.values) {
				if (!Object.prototype.hasOwnProperty.call(propValues, key)) assignProp(propValues, key, /* @__PURE__ */ new Set());
				for (const v of field.values) propValues[key].add(v);
				if (field.optin !== void 0) propValues[key].add(void 0);
			}
		}
		return propValues;
	});
	const isObject$1 = isObject;
	const catchall = def.catchall;
	let value;
	const memo = globalConfig.memoizer;
	memo?.attach(inst);
	inst._zod.parse = (payload, ctx) => {
		value ?? (value = _normalized.value);
		const input = payload.value;
		if (!isObject$1(input)) {
			payload.issues.push({
				expected: "object",
				code: "invalid_type",
				input,
				inst
			});
			return payload;
		}
		payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
		const proms = [];
		const shape = value.shape;
		const abortEarly = ctx?.abortEarly;
		let seen = payload.issues.length;
		for (const key of value.allKeys) {
			if (abortEarly && payload.issues.length !== seen) {
				if (aborted(payload, seen)) break;
				seen = payload.issues.length;
			}
			if (key === "__proto__") continue;
			const el = shape[key];
			const optin = el._zod.optin;
			const optout = el._zod.optout;
			const r = el._zod.run({
				value: input[key],
				issues: []
			}, ctx);
			if (r instanceof Promise) proms.push(r.then((r) => handlePropertyResult(r, payload, key, input, optin, optout)));
			else handlePropertyResult(r, payload, key, input, optin, optout);
		}
		if (!catchall) return proms.length ? Promise.all(proms).then(() => payload) : payload;
		return handleCatchall(proms, input, payload, ctx, _normalized.value, inst, abortEarly === true);
	};
});
const $ZodObjectJIT = /*@__PURE__*/ $constructor("$ZodObjectJIT", (inst, def) => {
	$ZodObject.init(inst, def);
	const superParse = inst._zod.parse;
	const _normalized = cached(() => normalizeDef(def));
	const memo = globalConfig.memoizer;
	const generateFastpass = (shape) => {
		const normalized = _normalized.value;
		const syms = normalized.symbolKeys;
		const doc = new Doc(["payload", "ctx"], {
			shape,
			inst,
			memo,
			syms
		});
		const parseStr = (k) => `shape[${k}]._zod.run({ value: input[${k}], issues: [] }, ctx)`;
		const prefixStr = (id, k) => `
          let ${id}_ab = false;
          for (let i = 0; i < ${id}.issues.length; i++) {
            const iss = ${id}.issues[i];
            iss.path = iss.path ? [${k}, ...iss.path] : [${k}];
            payload.issues.push(iss);
            if (iss.continue !== true) ${id}_ab = true;
          }
          if (${id}_ab && ctx && ctx.abortEarly) {
            payload.value = newResult;
            return payload;
          }`;
		doc.write(`const input = payload.value;`);
		const ids = Object.create(null);
		let counter = 0;
		for (const key of normalized.allKeys) ids[key] = `key_${counter++}`;
		doc.write(memo ? `const newResult = memo.alloc(inst, payload, {}, ctx);` : `const newResult = {};`);
		for (const key of normalized.allKeys) {
			if (key === "__proto__") continue;
			const id = ids[key];
			const k = typeof key === "symbol" ? `syms[${syms.indexOf(key)}]` : esc(key);
			const isPresent = `${k} in input`;
			const schema = shape[key];
			const optin = schema?._zod?.optin;
			const isOptionalIn = optin !== void 0;
			const isOptionalOut = schema?._zod?.optout === "optional";
			doc.write(`const ${id} = ${parseStr(k)};`);
			if (isOptionalIn && isOptionalOut) {
				const assign = optin === "optional" ? `${id}_present` : `${id}.value !== undefined || ${id}_present`;
				doc.write(`
        const ${id}_present = ${isPresent};
        if (!${id}.issues.length || ${id}_present) {
          if (${id}.issues.length) {${prefixStr(id, k)}
          }

          if (${assign}) {
            newResult[${k}] = ${id}.value;
          }
        }

      `);
			} else if (!isOptionalIn) doc.write(`
        const ${id}_present = ${isPresent};
        if (${id}.issues.length) {${prefixStr(id, k)}
        }
        if (!${id}_present && !${id}.issues.length) {
          payload.issues.push({
            code: "invalid_type",
            expected: "nonoptional",
            input: undefined,
            path: [${k}]
          });
          if (ctx && ctx.abortEarly) {
            payload.value = newResult;
            return payload;
          }
        }

        if (${id}_present) {
          newResult[${k}] = ${id}.value;
        }

      `);
			else {
				doc.write(`
        if (${id}.issues.length) {${prefixStr(id, k)}
        }
      `);
				if (optin === "defaulted") doc.write(`newResult[${k}] = ${id}.value;`);
				else doc.write(`
        if (${id}.value !== undefined || ${isPresent}) {
          newResult[${k}] = ${id}.value;
        }
      `);
			}
		}
		doc.write(`payload.value = newResult;`);
		doc.write(`return payload;`);
		return doc.compile();
	};
	let fastpass;
	const isObject$2 = isObject;
	const jit = !globalConfig.jitless;
	const allowsEval$1 = allowsEval;
	const fastEnabled = jit && allowsEval$1.value;
	const catchall = def.catchall;
	let value;
	inst._zod.parse = (payload, ctx) => {
		value ?? (value = _normalized.value);
		const input = payload.value;
		if (!isObject$2(input)) {
			payload.issues.push({
				expected: "object",
				code: "invalid_type",
				input,
				inst
			});
			return payload;
		}
		if (jit && fastEnabled && ctx?.async === false && ctx.jitless !== true) {
			if (!fastpass) fastpass = generateFastpass(def.shape);
			payload = fastpass(payload, ctx);
			if (!catchall) return payload;
			return handleCatchall([], input, payload, ctx, value, inst, ctx?.abortEarly === true);
		}
		return superParse(payload, ctx);
	};
});
function handleUnionResults(results, final, inst, ctx) {
	for (const result of results) if (result.issues.length === 0) {
		final.value = result.value;
		return final;
	}
	const nonaborted = results.filter((r) => !aborted(r));
	if (nonaborted.length === 1) {
		final.value = nonaborted[0].value;
		return nonaborted[0];
	}
	final.issues.push({
		code: "invalid_union",
		input: final.value,
		inst,
		errors: results.map((result) => result.issues.map((iss) => finalizeIssue(iss, ctx, config())))
	});
	return final;
}
const $ZodUnion = /*@__PURE__*/ $constructor("$ZodUnion", (inst, def) => {
	$ZodType.init(inst, def);
	defineLazyInternal(inst, "optin", (zod) => zod.def.options.some((o) => o._zod.optin === "defaulted") ? "defaulted" : zod.def.options.some((o) => o._zod.optin !== void 0) ? "optional" : void 0);
	defineLazyInternal(inst, "optout", (zod) => zod.def.options.some((o) => o._zod.optout === "optional") ? "optional" : void 0);
	defineLazyInternal(inst, "values", (zod) => {
		if (zod.def.options.every((o) => o._zod.values)) return new Set(zod.def.options.flatMap((option) => Array.from(option._zod.values)));
	});
	defineLazyInternal(inst, "pattern", (zod) => {
		if (zod.def.options.every((o) => o._zod.pattern)) {
			const patterns = zod.def.options.map((o) => o._zod.pattern);
			return new RegExp(`^(${patterns.map((p) => cleanRegex(p.source)).join("|")})$`);
		}
	});
	const first = def.options.length === 1 ? def.options[0]._zod.run : null;
	inst._zod.parse = (payload, ctx) => {
		if (first) return first(payload, ctx);
		let async = false;
		const results = [];
		for (const option of def.options) {
			const result = option._zod.run({
				value: payload.value,
				issues: []
			}, ctx);
			if (result instanceof Promise) {
				results.push(result);
				async = true;
			} else {
				if (result.issues.length === 0) return result;
				results.push(result);
			}
		}
		if (!async) return handleUnionResults(results, payload, inst, ctx);
		return Promise.all(results).then((results) => {
			return handleUnionResults(results, payload, inst, ctx);
		});
	};
});
const $ZodIntersection = /*@__PURE__*/ $constructor("$ZodIntersection", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.parse = (payload, ctx) => {
		const input = payload.value;
		const left = def.left._zod.run({
			value: input,
			issues: []
		}, ctx);
		const right = def.right._zod.run({
			value: input,
			issues: []
		}, ctx);
		if (left instanceof Promise || right instanceof Promise) return Promise.all([left, right]).then(([left, right]) => {
			return handleIntersectionResults(payload, left, right);
		});
		return handleIntersectionResults(payload, left, right);
	};
});
function mergeValues(a, b) {
	if (a === b) return {
		valid: true,
		data: a
	};
	if (a instanceof Date && b instanceof Date && +a === +b) return {
		valid: true,
		data: a
	};
	if (isPlainObject(a) && isPlainObject(b)) {
		const bKeys = Object.keys(b);
		const sharedKeys = Object.keys(a).filter((key) => bKeys.indexOf(key) !== -1);
		const newObj = {
			...a,
			...b
		};
		if (Object.prototype.hasOwnProperty.call(newObj, "__proto__")) delete newObj.__proto__;
		for (const key of sharedKeys) {
			if (key === "__proto__") continue;
			const sharedValue = mergeValues(a[key], b[key]);
			if (!sharedValue.valid) return {
				valid: false,
				mergeErrorPath: [key, ...sharedValue.mergeErrorPath]
			};
			newObj[key] = sharedValue.data;
		}
		return {
			valid: true,
			data: newObj
		};
	}
	if (Array.isArray(a) && Array.isArray(b)) {
		if (a.length !== b.length) return {
			valid: false,
			mergeErrorPath: []
		};
		const newArray = [];
		for (let index = 0; index < a.length; index++) {
			const itemA = a[index];
			const itemB = b[index];
			const sharedValue = mergeValues(itemA, itemB);
			if (!sharedValue.valid) return {
				valid: false,
				mergeErrorPath: [index, ...sharedValue.mergeErrorPath]
			};
			newArray.push(sharedValue.data);
		}
		return {
			valid: true,
			data: newArray
		};
	}
	return {
		valid: false,
		mergeErrorPath: []
	};
}
function handleIntersectionResults(result, left, right) {
	const unrecKeys = /* @__PURE__ */ new Map();
	let unrecIssue;
	const keyIssues = /* @__PURE__ */ new Map();
	const collect = (iss, side) => {
		let keys;
		if (iss.code === "unrecognized_keys" && !iss.path?.length) {
			unrecIssue ?? (unrecIssue = iss);
			keys = iss.keys;
		} else if (iss.code === "invalid_key" && iss.origin === "record" && iss.path?.length === 1) {
			const k = String(iss.path[0]);
			if (!keyIssues.has(k)) keyIssues.set(k, iss);
			keys = [k];
		} else return false;
		for (const k of keys) {
			if (!unrecKeys.has(k)) unrecKeys.set(k, {});
			unrecKeys.get(k)[side] = true;
		}
		return true;
	};
	for (const iss of left.issues) if (!collect(iss, "l")) result.issues.push(iss);
	for (const iss of right.issues) if (!collect(iss, "r")) result.issues.push(iss);
	const bothKeys = [...unrecKeys].filter(([, f]) => f.l && f.r).map(([k]) => k);
	if (bothKeys.length) {
		const aggregated = unrecIssue ? bothKeys.filter((k) => unrecIssue.keys.includes(k)) : [];
		if (aggregated.length) result.issues.push({
			...unrecIssue,
			keys: aggregated
		});
		for (const k of bothKeys) if (!aggregated.includes(k) && keyIssues.has(k)) result.issues.push(keyIssues.get(k));
	}
	const merged = mergeValues(left.value, right.value);
	if (!merged.valid) {
		if (aborted(result)) return result;
		throw new Error(`Unmergable intersection. Error path: ${JSON.stringify(merged.mergeErrorPath)}`);
	}
	result.value = merged.data;
	return result;
}
const $ZodRecord = /*@__PURE__*/ $constructor("$ZodRecord", (inst, def) => {
	$ZodType.init(inst, def);
	const memo = globalConfig.memoizer;
	memo?.attach(inst);
	inst._zod.parse = (payload, ctx) => {
		const input = payload.value;
		if (!isPlainObject(input)) {
			payload.issues.push({
				expected: "record",
				code: "invalid_type",
				input,
				inst
			});
			return payload;
		}
		const proms = [];
		const values = def.keyType._zod.values;
		if (values && !def.partial) {
			payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
			const recordKeys = /* @__PURE__ */ new Set();
			for (const key of values) if (typeof key === "string" || typeof key === "number" || typeof key === "symbol") {
				recordKeys.add(typeof key === "number" ? key.toString() : key);
				if (key === "__proto__") continue;
				const keyResult = def.keyType._zod.run({
					value: key,
					issues: []
				}, ctx);
				if (keyResult instanceof Promise) throw new Error("Async schemas not supported in object keys currently");
				if (keyResult.issues.length) {
					payload.issues.push({
						code: "invalid_key",
						origin: "record",
						issues: keyResult.issues.map((iss) => finalizeIssue(iss, ctx, config())),
						input: key,
						path: [key],
						inst
					});
					continue;
				}
				const outKey = keyResult.value;
				if (outKey === "__proto__") continue;
				const result = def.valueType._zod.run({
					value: input[key],
					issues: []
				}, ctx);
				if (result instanceof Promise) proms.push(result.then((result) => {
					if (result.issues.length) payload.issues.push(...prefixIssues(key, result.issues));
					payload.value[outKey] = result.value;
				}));
				else {
					if (result.issues.length) payload.issues.push(...prefixIssues(key, result.issues));
					payload.value[outKey] = result.value;
				}
			}
			let unrecognized;
			for (const key in input) if (!recordKeys.has(key)) {
				if (def.mode === "loose") {
					if (key === "__proto__") continue;
					payload.value[key] = input[key];
				} else {
					unrecognized = unrecognized ?? [];
					unrecognized.push(key);
				}
			}
			if (unrecognized && unrecognized.length > 0) payload.issues.push({
				code: "unrecognized_keys",
				input,
				inst,
				keys: unrecognized,
				continue: true
			});
		} else {
			payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
			let unrecognized;
			for (const key of Reflect.ownKeys(input)) {
				if (key === "__proto__") continue;
				if (!Object.prototype.propertyIsEnumerable.call(input, key)) continue;
				let keyResult = def.keyType._zod.run({
					value: key,
					issues: []
				}, ctx);
				if (keyResult instanceof Promise) throw new Error("Async schemas not supported in object keys currently");
				if (typeof key === "string" && number$2.test(key) && keyResult.issues.length) {
					const retryResult = def.keyType._zod.run({
						value: Number(key),
						issues: []
					}, ctx);
					if (retryResult instanceof Promise) throw new Error("Async schemas not supported in object keys currently");
					if (retryResult.issues.length === 0) keyResult = retryResult;
				}
				if (keyResult.issues.length) {
					if (def.mode === "loose") payload.value[key] = input[key];
					else if (values) {
						unrecognized = unrecognized ?? [];
						unrecognized.push(key);
					} else payload.issues.push({
						code: "invalid_key",
						origin: "record",
						issues: keyResult.issues.map((iss) => finalizeIssue(iss, ctx, config())),
						input: key,
						path: [key],
						inst
					});
					continue;
				}
				const outKey = keyResult.value;
				if (outKey === "__proto__") continue;
				const result = def.valueType._zod.run({
					value: input[key],
					issues: []
				}, ctx);
				if (result instanceof Promise) proms.push(result.then((result) => {
					if (result.issues.length) payload.issues.push(...prefixIssues(key, result.issues));
					payload.value[outKey] = result.value;
				}));
				else {
					if (result.issues.length) payload.issues.push(...prefixIssues(key, result.issues));
					payload.value[outKey] = result.value;
				}
			}
			if (unrecognized && unrecognized.length > 0) payload.issues.push({
				code: "unrecognized_keys",
				input,
				inst,
				keys: unrecognized,
				continue: true
			});
		}
		if (proms.length) return Promise.all(proms).then(() => payload);
		return payload;
	};
});
const $ZodEnum = /*@__PURE__*/ $constructor("$ZodEnum", (inst, def) => {
	$ZodType.init(inst, def);
	const values = getEnumValues(def.entries);
	const valuesSet = new Set(values);
	inst._zod.values = valuesSet;
	defineLazyInternal(inst, "pattern", (zod) => {
		const patternValues = getEnumValues(zod.def.entries).filter((k) => propertyKeyTypes.has(typeof k));
		return new RegExp(patternValues.length ? `^(${patternValues.map((o) => escapeRegex(o.toString())).join("|")})$` : "^[^\\s\\S]$");
	});
	inst._zod.parse = (payload, _ctx) => {
		const input = payload.value;
		if (valuesSet.has(input)) return payload;
		payload.issues.push({
			code: "invalid_value",
			values,
			input,
			inst
		});
		return payload;
	};
});
const $ZodLiteral = /*@__PURE__*/ $constructor("$ZodLiteral", (inst, def) => {
	$ZodType.init(inst, def);
	const values = new Set(def.values);
	inst._zod.values = values;
	defineLazyInternal(inst, "pattern", (zod) => {
		const vals = zod.def.values;
		return new RegExp(vals.length ? `^(${vals.map((o) => typeof o === "string" ? escapeRegex(o) : o ? escapeRegex(o.toString()) : String(o)).join("|")})$` : "^[^\\s\\S]$");
	});
	inst._zod.parse = (payload, _ctx) => {
		const input = payload.value;
		if (values.has(input)) return payload;
		payload.issues.push({
			code: "invalid_value",
			values: def.values,
			input,
			inst
		});
		return payload;
	};
});
const $ZodTransform = /*@__PURE__*/ $constructor("$ZodTransform", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.optin = "optional";
	globalConfig.memoizer?.guard(inst);
	inst._zod.parse = (payload, ctx) => {
		if (ctx.direction === "backward") throw new $ZodEncodeError(inst.constructor.name);
		const _out = def.transform(payload.value, payload);
		if (ctx.async) return (_out instanceof Promise ? _out : Promise.resolve(_out)).then((output) => {
			payload.value = output;
			return payload;
		});
		if (_out instanceof Promise) throw new $ZodAsyncError();
		payload.value = _out;
		return payload;
	};
});
function handleOptionalResult(payload, result) {
	payload.value = result.issues.length ? void 0 : result.value;
	return payload;
}
const $ZodOptional = /*@__PURE__*/ $constructor("$ZodOptional", (inst, def) => {
	$ZodType.init(inst, def);
	defineLazyInternal(inst, "optin", (zod) => zod.def.innerType._zod.optin === "defaulted" ? "defaulted" : "optional");
	inst._zod.optout = "optional";
	defineLazyInternal(inst, "values", (zod) => {
		const values = zod.def.innerType._zod.values;
		return values ? /* @__PURE__ */ new Set([...values, void 0]) : void 0;
	});
	defineLazyInternal(inst, "pattern", (zod) => {
		const pattern = zod.def.innerType._zod.pattern;
		return pattern ? new RegExp(`^(${cleanRegex(pattern.source)})?$`) : void 0;
	});
	inst._zod.parse = (payload, ctx) => {
		if (payload.value === void 0) {
			if (def.innerType._zod.optin !== "defaulted") return payload;
			const result = def.innerType._zod.run({
				value: payload.value,
				issues: []
			}, ctx);
			if (result instanceof Promise) return result.then((result) => handleOptionalResult(payload, result));
			return handleOptionalResult(payload, result);
		}
		return def.innerType._zod.run(payload, ctx);
	};
});
const $ZodExactOptional = /*@__PURE__*/ $constructor("$ZodExactOptional", (inst, def) => {
	$ZodOptional.init(inst, def);
	defineLazyInternal(inst, "values", (zod) => zod.def.innerType._zod.values);
	defineLazyInternal(inst, "pattern", (zod) => zod.def.innerType._zod.pattern);
	inst._zod.parse = (payload, ctx) => {
		return def.innerType._zod.run(payload, ctx);
	};
});
const $ZodNullable = /*@__PURE__*/ $constructor("$ZodNullable", (inst, def) => {
	$ZodType.init(inst, def);
	defineLazyInternal(inst, "optin", (zod) => zod.def.innerType._zod.optin);
	defineLazyInternal(inst, "optout", (zod) => zod.def.innerType._zod.optout);
	defineLazyInternal(inst, "pattern", (zod) => {
		const pattern = zod.def.innerType._zod.pattern;
		return pattern ? new RegExp(`^(${cleanRegex(pattern.source)}|null)$`) : void 0;
	});
	defineLazyInternal(inst, "values", (zod) => {
		return zod.def.innerType._zod.values ? /* @__PURE__ */ new Set([...zod.def.innerType._zod.values, null]) : void 0;
	});
	inst._zod.parse = (payload, ctx) => {
		if (payload.value === null) return payload;
		return def.innerType._zod.run(payload, ctx);
	};
});
const $ZodDefault = /*@__PURE__*/ $constructor("$ZodDefault", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.optin = "defaulted";
	defineLazyInternal(inst, "values", (zod) => zod.def.innerType._zod.values);
	inst._zod.parse = (payload, ctx) => {
		if (ctx.direction === "backward") return def.innerType._zod.run(payload, ctx);
		if (payload.value === void 0) {
			payload.value = def.defaultValue;
			/**
			* $ZodDefault returns the default value immediately in forward direction.
			* It doesn't pass the default value into the validator ("prefault"). There's no reason to pass the default value through validation. The validity of the default is enforced by TypeScript statically. Otherwise, it's the responsibility of the user to ensure the default is valid. In the case of pipes with divergent in/out types, you can specify the default on the `in` schema of your ZodPipe to set a "prefault" for the pipe.   */
			return payload;
		}
		const result = def.innerType._zod.run(payload, ctx);
		if (result instanceof Promise) return result.then((result) => handleDefaultResult(result, def));
		return handleDefaultResult(result, def);
	};
});
function handleDefaultResult(payload, def) {
	if (payload.value === void 0) payload.value = def.defaultValue;
	return payload;
}
const $ZodPrefault = /*@__PURE__*/ $constructor("$ZodPrefault", (inst, def) => {
	$ZodType.init(inst, def);
	inst._zod.optin = "defaulted";
	defineLazyInternal(inst, "values", (zod) => zod.def.innerType._zod.values);
	inst._zod.parse = (payload, ctx) => {
		if (ctx.direction === "backward") return def.innerType._zod.run(payload, ctx);
		if (payload.value === void 0) payload.value = def.defaultValue;
		return def.innerType._zod.run(payload, ctx);
	};
});
const $ZodNonOptional = /*@__PURE__*/ $constructor("$ZodNonOptional", (inst, def) => {
	$ZodType.init(inst, def);
	defineLazyInternal(inst, "values", (zod) => {
		const v = zod.def.innerType._zod.values;
		return v ? new Set([...v].filter((x) => x !== void 0)) : void 0;
	});
	inst._zod.parse = (payload, ctx) => {
		const result = def.innerType._zod.run(payload, ctx);
		if (result instanceof Promise) return result.then((result) => handleNonOptionalResult(result, inst));
		return handleNonOptionalResult(result, inst);
	};
});
function handleNonOptionalResult(payload, inst) {
	if (!payload.issues.length && payload.value === void 0) payload.issues.push({
		code: "invalid_type",
		expected: "nonoptional",
		input: payload.value,
		inst
	});
	return payload;
}
function handleCatchResult(payload, result, def, ctx) {
	if (!result.issues.length) {
		payload.value = result.value;
		if (result.memo) payload.memo = true;
		return payload;
	}
	payload.value = def.catchValue({
		...result,
		value: payload.value,
		error: { issues: result.issues.map((iss) => finalizeIssue(iss, ctx, config())) },
		input: payload.value
	});
	return payload;
}
const $ZodCatch = /*@__PURE__*/ $constructor("$ZodCatch", (inst, def) => {
	$ZodType.init(inst, def);
	defineLazyInternal(inst, "optin", (zod) => zod.def.innerType._zod.optin === "defaulted" ? "defaulted" : "optional");
	defineLazyInternal(inst, "optout", (zod) => zod.def.innerType._zod.optout);
	defineLazyInternal(inst, "values", (zod) => zod.def.innerType._zod.values);
	inst._zod.parse = (payload, ctx) => {
		if (ctx.direction === "backward") return def.innerType._zod.run(payload, ctx);
		const result = def.innerType._zod.run({
			value: payload.value,
			issues: []
		}, ctx);
		if (result instanceof Promise) return result.then((result) => handleCatchResult(payload, result, def, ctx));
		return handleCatchResult(payload, result, def, ctx);
	};
});
const $ZodPipe = /*@__PURE__*/ $constructor("$ZodPipe", (inst, def) => {
	$ZodType.init(inst, def);
	defineLazyInternal(inst, "values", (zod) => zod.def.in._zod.values);
	defineLazyInternal(inst, "optin", (zod) => zod.def.in._zod.optin);
	defineLazyInternal(inst, "optout", (zod) => zod.def.out._zod.optout);
	defineLazyInternal(inst, "propValues", (zod) => zod.def.in._zod.propValues);
	inst._zod.parse = (payload, ctx) => {
		if (ctx.direction === "backward") {
			const right = def.out._zod.run(payload, ctx);
			if (right instanceof Promise) return right.then((right) => handlePipeResult(right, def.in, ctx));
			return handlePipeResult(right, def.in, ctx);
		}
		const left = def.in._zod.run(payload, ctx);
		if (left instanceof Promise) return left.then((left) => handlePipeResult(left, def.out, ctx));
		return handlePipeResult(left, def.out, ctx);
	};
});
function handlePipeResult(left, next, ctx) {
	if (left.issues.some((iss) => iss.code !== "unrecognized_keys")) {
		left.aborted = true;
		return left;
	}
	return next._zod.run({
		value: left.value,
		issues: left.issues
	}, ctx);
}
const $ZodReadonly = /*@__PURE__*/ $constructor("$ZodReadonly", (inst, def) => {
	$ZodType.init(inst, def);
	defineLazyInternal(inst, "propValues", (zod) => zod.def.innerType._zod.propValues);
	defineLazyInternal(inst, "values", (zod) => zod.def.innerType._zod.values);
	defineLazyInternal(inst, "optin", (zod) => zod.def.innerType?._zod?.optin);
	defineLazyInternal(inst, "optout", (zod) => zod.def.innerType?._zod?.optout);
	inst._zod.parse = (payload, ctx) => {
		if (ctx.direction === "backward") return def.innerType._zod.run(payload, ctx);
		const result = def.innerType._zod.run(payload, ctx);
		if (result instanceof Promise) return result.then(handleReadonlyResult);
		return handleReadonlyResult(result);
	};
});
function handleReadonlyResult(payload) {
	if (!payload.memo) payload.value = Object.freeze(payload.value);
	return payload;
}
const $ZodCustom = /*@__PURE__*/ $constructor("$ZodCustom", (inst, def) => {
	$ZodCheck.init(inst, def);
	$ZodType.init(inst, def);
	inst._zod.parse = (payload, _) => {
		return payload;
	};
	inst._zod.check = (payload) => {
		const input = payload.value;
		const r = def.fn(input);
		if (r instanceof Promise) return r.then((r) => handleRefineResult(r, payload, input, inst));
		handleRefineResult(r, payload, input, inst);
	};
});
function handleRefineResult(result, payload, input, inst) {
	if (!result) {
		const _iss = {
			code: "custom",
			input,
			inst,
			path: [...inst._zod.def.path ?? []],
			continue: !inst._zod.def.abort
		};
		if (inst._zod.def.params) _iss.params = inst._zod.def.params;
		payload.issues.push(issue(_iss));
	}
}

// servers/crm/node_modules/zod/v4/core/memoizer.js
var $ZodCyclicError = class extends Error {
	constructor() {
		super(`Cannot parse a reference cycle that closes through a transform`);
		this.name = "ZodCyclicError";
	}
};
/** Keyed off the context object every schema in one parse call already shares. */
const STATE = "~memo";
const NO_ISSUES = [];
function isRef(value) {
	return value !== null && typeof value === "object";
}
function cloneIssues(issues) {
	return issues.map((iss) => iss.path ? {
		...iss,
		path: iss.path.slice()
	} : { ...iss });
}
const recursive = /*@__PURE__*/ new WeakMap();
/** What the walk established, in order of certainty: ordered so the strongest answer among children wins. */
const NONE = 0;
const ASSUMED = 1;
const PROVEN = 2;
/** Whether this schema's subtree contains a cycle, so one parse can re-enter it. */
function isRecursive(inst, stack, resolve) {
	const cached = recursive.get(inst);
	if (cached !== void 0) return cached ? PROVEN : NONE;
	if (stack.has(inst)) return PROVEN;
	stack.add(inst);
	let result = NONE;
	const check = (child) => {
		if (result !== PROVEN && child?._zod) {
			const answer = isRecursive(child, stack, resolve);
			if (answer > result) result = answer;
		}
	};
	const shape = (sh, spread) => {
		let answer = NONE;
		for (const key of Reflect.ownKeys(sh)) {
			const desc = Object.getOwnPropertyDescriptor(sh, key);
			if (spread && !desc.enumerable) continue;
			const child = desc.get ? ASSUMED : desc.value?._zod ? isRecursive(desc.value, stack, resolve) : NONE;
			if (child > answer) answer = child;
		}
		return answer;
	};
	const merge = (answer) => {
		if (answer > result) result = answer;
	};
	const def = inst._zod.def;
	switch (def.type) {
		case "object": {
			const raw = rawShape(def);
			merge(raw ? shape(raw, true) : ASSUMED);
			check(def.catchall);
			break;
		}
		case "array":
			check(def.element);
			break;
		case "tuple":
			for (const el of def.items) check(el);
			check(def.rest);
			break;
		case "record":
		case "map":
			check(def.keyType);
			check(def.valueType);
			break;
		case "set":
			check(def.valueType);
			break;
		case "union":
			for (const el of def.options) check(el);
			break;
		case "intersection":
			check(def.left);
			check(def.right);
			break;
		case "optional":
		case "nullable":
		case "default":
		case "prefault":
		case "catch":
		case "readonly":
		case "nonoptional":
		case "promise":
		case "success":
			check(def.innerType);
			break;
		case "pipe":
			check(def.in);
			check(def.out);
			break;
		case "function":
			check(def.input);
			check(def.output);
			break;
		case "lazy": {
			const inner = def._cachedInner ?? (resolve ? inst._zod.innerType : void 0);
			merge(inner ? isRecursive(inner, stack, false) : ASSUMED);
			break;
		}
		case "template_literal":
		case "string":
		case "number":
		case "int":
		case "boolean":
		case "bigint":
		case "symbol":
		case "undefined":
		case "null":
		case "void":
		case "never":
		case "any":
		case "unknown":
		case "date":
		case "nan":
		case "enum":
		case "literal":
		case "file":
		case "transform":
		case "custom": break;
		default: for (const key in def) {
			const desc = Object.getOwnPropertyDescriptor(def, key);
			if (!desc || desc.get) continue;
			const value = desc.value;
			if (!value || typeof value !== "object") continue;
			if (value._zod) check(value);
			else if (Array.isArray(value)) for (const el of value) check(el);
		}
	}
	stack.delete(inst);
	return settle(inst, result);
}
/** An assumed answer must not outlive the resolution that settles it, so only a certain one is cached. */
function settle(inst, answer) {
	if (answer !== ASSUMED) recursive.set(inst, answer === PROVEN);
	return answer;
}
function bucketFor(state, inst) {
	let bucket = state.buckets.get(inst);
	if (!bucket) {
		bucket = /* @__PURE__ */ new WeakMap();
		state.buckets.set(inst, bucket);
	}
	return bucket;
}
let handoff;
const open = [];
const memo = {
	alloc(_inst, payload, empty) {
		const bucket = handoff;
		if (!bucket) return empty;
		handoff = void 0;
		const entry = {
			value: empty,
			issues: null
		};
		bucket.set(payload.value, entry);
		open.push(entry);
		return empty;
	},
	guard(inst) {
		var _a;
		(_a = inst._zod).deferred ?? (_a.deferred = []);
		inst._zod.deferred.push(() => {
			const base = inst._zod.parse;
			const wrapped = (payload, ctx) => {
				if (ctx.direction !== "backward" && isBackEdge(ctx, payload.value)) throw new $ZodCyclicError();
				return base(payload, ctx);
			};
			inst._zod.parse = wrapped;
			if (inst._zod.run === base) inst._zod.run = wrapped;
		});
	},
	attach(inst) {
		var _a;
		let isRecursiveInst;
		let rechecked = false;
		let lastCtx;
		let lastBucket;
		(_a = inst._zod).deferred ?? (_a.deferred = []);
		inst._zod.deferred.push(() => {
			const base = inst._zod.parse;
			const wrapped = (payload, ctx) => {
				if (isRecursiveInst === void 0) {
					const walked = isRecursive(inst, /* @__PURE__ */ new Set(), false);
					if (walked === NONE) {
						inst._zod.parse = base;
						if (inst._zod.run === wrapped) inst._zod.run = base;
						return base(payload, ctx);
					}
					if (walked === PROVEN || rechecked) isRecursiveInst = true;
					else rechecked = true;
				}
				const input = payload.value;
				if (!isRef(input)) return base(payload, ctx);
				let state = ctx[STATE];
				if (!state) {
					state = {
						buckets: /* @__PURE__ */ new WeakMap(),
						backEdges: void 0
					};
					ctx[STATE] = state;
				}
				let bucket;
				if (lastCtx === ctx) bucket = lastBucket;
				else {
					bucket = bucketFor(state, inst);
					lastCtx = ctx;
					lastBucket = bucket;
				}
				const hit = bucket.get(input);
				if (hit) {
					payload.value = hit.value;
					if (hit.issues) {
						if (hit.issues.length) payload.issues.push(...cloneIssues(hit.issues));
					} else {
						payload.memo = true;
						state.backEdges ?? (state.backEdges = /* @__PURE__ */ new WeakSet());
						state.backEdges.add(hit.value);
					}
					return payload;
				}
				handoff = bucket;
				const depth = open.length;
				const result = base(payload, ctx);
				handoff = void 0;
				const entry = open.length > depth ? open.pop() : void 0;
				if (result instanceof Promise) return result.then((r) => {
					if (entry) entry.issues = r.issues.length ? cloneIssues(r.issues) : NO_ISSUES;
					return r;
				});
				if (entry) entry.issues = result.issues.length ? cloneIssues(result.issues) : NO_ISSUES;
				return result;
			};
			inst._zod.parse = wrapped;
			if (inst._zod.run === base) inst._zod.run = wrapped;
		});
	}
};
/** The memoizer that gives containers cycle support. `zod` installs it by default; `zod/mini` opts in with `config({ memoizer: memoizer() })`. */
function memoizer() {
	return memo;
}
/** Whether this value is a node a back-edge resolved to before it finished. */
function isBackEdge(ctx, value) {
	const backEdges = ctx[STATE]?.backEdges;
	return backEdges !== void 0 && isRef(value) && backEdges.has(value);
}

// servers/crm/node_modules/zod/v4/locales/en.js
const error = () => {
	const Sizable = {
		string: {
			unit: "characters",
			verb: "to have"
		},
		file: {
			unit: "bytes",
			verb: "to have"
		},
		array: {
			unit: "items",
			verb: "to have"
		},
		set: {
			unit: "items",
			verb: "to have"
		},
		map: {
			unit: "entries",
			verb: "to have"
		}
	};
	function getSizing(origin) {
		return Sizable[origin] ?? null;
	}
	const FormatDictionary = {
		regex: "input",
		email: "email address",
		url: "URL",
		emoji: "emoji",
		uuid: "UUID",
		uuidv4: "UUIDv4",
		uuidv6: "UUIDv6",
		nanoid: "nanoid",
		guid: "GUID",
		cuid: "cuid",
		cuid2: "cuid2",
		ulid: "ULID",
		xid: "XID",
		ksuid: "KSUID",
		datetime: "ISO datetime",
		date: "ISO date",
		time: "ISO time",
		duration: "ISO duration",
		ipv4: "IPv4 address",
		ipv6: "IPv6 address",
		mac: "MAC address",
		cidrv4: "IPv4 range",
		cidrv6: "IPv6 range",
		base64: "base64-encoded string",
		base64url: "base64url-encoded string",
		json_string: "JSON string",
		e164: "E.164 number",
		currency_code: "currency code",
		credit_card: "credit card number",
		iban: "IBAN",
		jwt: "JWT",
		template_literal: "input"
	};
	const TypeDictionary = { nan: "NaN" };
	function getTypeName(type, input) {
		if (type === "number" && typeof input === "number" && !Number.isFinite(input)) return String(input);
		return TypeDictionary[type] ?? type;
	}
	return (issue) => {
		switch (issue.code) {
			case "invalid_type": return `Invalid input: expected ${getTypeName(issue.expected)}, received ${getTypeName(parsedType(issue.input), issue.input)}`;
			case "invalid_value":
				if (issue.values.length === 1) return `Invalid input: expected ${stringifyPrimitive(issue.values[0])}`;
				return `Invalid option: expected one of ${joinValues(issue.values, "|")}`;
			case "too_big": {
				const adj = issue.exact ? "exactly " : issue.inclusive ? "<=" : "<";
				const sizing = getSizing(issue.origin);
				if (sizing) return `Too big: expected ${issue.origin ?? "value"} to have ${adj}${issue.maximum.toString()} ${sizing.unit ?? "elements"}`;
				return `Too big: expected ${issue.origin ?? "value"} to be ${adj}${issue.maximum.toString()}`;
			}
			case "too_small": {
				const adj = issue.exact ? "exactly " : issue.inclusive ? ">=" : ">";
				const sizing = getSizing(issue.origin);
				if (sizing) return `Too small: expected ${issue.origin} to have ${adj}${issue.minimum.toString()} ${sizing.unit}`;
				return `Too small: expected ${issue.origin} to be ${adj}${issue.minimum.toString()}`;
			}
			case "invalid_format": {
				const _issue = issue;
				if (_issue.format === "starts_with") return `Invalid string: must start with "${_issue.prefix}"`;
				if (_issue.format === "ends_with") return `Invalid string: must end with "${_issue.suffix}"`;
				if (_issue.format === "includes") return `Invalid string: must include "${_issue.includes}"`;
				if (_issue.format === "regex") return `Invalid string: must match pattern ${_issue.pattern}`;
				return `Invalid ${FormatDictionary[_issue.format] ?? issue.format}`;
			}
			case "not_multiple_of": return `Invalid number: must be a multiple of ${issue.divisor}`;
			case "unrecognized_keys": return `Unrecognized key${issue.keys.length > 1 ? "s" : ""}: ${joinValues(issue.keys, ", ")}`;
			case "invalid_key": return `Invalid key in ${issue.origin}`;
			case "invalid_union":
				if (issue.options && Array.isArray(issue.options) && issue.options.length > 0) return `Invalid discriminator value. Expected ${issue.options.map((o) => `'${o}'`).join(" | ")}`;
				if (issue.inclusive === false) return "Invalid input: more than one option matched";
				return "Invalid input";
			case "invalid_element": return `Invalid value in ${issue.origin}`;
			default: return `Invalid input`;
		}
	};
};
function en_default() {
	return { localeError: error() };
}

// servers/crm/node_modules/zod/v4/core/registries.js
var _a;
var $ZodRegistry = class {
	constructor() {
		this._map = /* @__PURE__ */ new WeakMap();
		this._idmap = /* @__PURE__ */ new Map();
	}
	add(schema, ..._meta) {
		const meta = _meta[0];
		this._map.set(schema, meta);
		if (meta && typeof meta === "object" && "id" in meta) this._idmap.set(meta.id, schema);
		return this;
	}
	clear() {
		this._map = /* @__PURE__ */ new WeakMap();
		this._idmap = /* @__PURE__ */ new Map();
		return this;
	}
	remove(schema) {
		const meta = this._map.get(schema);
		if (meta && typeof meta === "object" && "id" in meta) this._idmap.delete(meta.id);
		this._map.delete(schema);
		return this;
	}
	get(schema) {
		const p = schema._zod.parent;
		if (p) {
			const pm = { ...this.get(p) ?? {} };
			delete pm.id;
			const f = {
				...pm,
				...this._map.get(schema)
			};
			return Object.keys(f).length ? f : void 0;
		}
		return this._map.get(schema);
	}
	has(schema) {
		return this._map.has(schema);
	}
};
function registry() {
	return new $ZodRegistry();
}
(_a = globalThis).__zod_globalRegistry ?? (_a.__zod_globalRegistry = registry());
const globalRegistry = globalThis.__zod_globalRegistry;

// servers/crm/node_modules/zod/v4/core/api.js
function snapshotChecks(def) {
	if (def.checks) def.checks = [...def.checks];
	return def;
}
// @__NO_SIDE_EFFECTS__
function _string(Class, params) {
	return new Class(snapshotChecks({
		type: "string",
		...normalizeParams(params)
	}));
}
// @__NO_SIDE_EFFECTS__
function _email(Class, params) {
	return new Class({
		type: "string",
		format: "email",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _guid(Class, params) {
	return new Class({
		type: "string",
		format: "guid",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _uuid(Class, params) {
	return new Class({
		type: "string",
		format: "uuid",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _uuidv4(Class, params) {
	return new Class({
		type: "string",
		format: "uuid",
		check: "string_format",
		abort: false,
		version: "v4",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _uuidv6(Class, params) {
	return new Class({
		type: "string",
		format: "uuid",
		check: "string_format",
		abort: false,
		version: "v6",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _uuidv7(Class, params) {
	return new Class({
		type: "string",
		format: "uuid",
		check: "string_format",
		abort: false,
		version: "v7",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _url(Class, params) {
	return new Class({
		type: "string",
		format: "url",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _emoji(Class, params) {
	return new Class({
		type: "string",
		format: "emoji",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _nanoid(Class, params) {
	return new Class({
		type: "string",
		format: "nanoid",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
/**
* @deprecated CUID v1 is deprecated by its authors due to information leakage
* (timestamps embedded in the id). Use {@link _cuid2} instead.
* See https://github.com/paralleldrive/cuid.
*/
// @__NO_SIDE_EFFECTS__
function _cuid(Class, params) {
	return new Class({
		type: "string",
		format: "cuid",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _cuid2(Class, params) {
	return new Class({
		type: "string",
		format: "cuid2",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _ulid(Class, params) {
	return new Class({
		type: "string",
		format: "ulid",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _xid(Class, params) {
	return new Class({
		type: "string",
		format: "xid",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _ksuid(Class, params) {
	return new Class({
		type: "string",
		format: "ksuid",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _ipv4(Class, params) {
	return new Class({
		type: "string",
		format: "ipv4",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _ipv6(Class, params) {
	return new Class({
		type: "string",
		format: "ipv6",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _cidrv4(Class, params) {
	return new Class({
		type: "string",
		format: "cidrv4",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _cidrv6(Class, params) {
	return new Class({
		type: "string",
		format: "cidrv6",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _base64(Class, params) {
	return new Class({
		type: "string",
		format: "base64",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _base64url(Class, params) {
	return new Class({
		type: "string",
		format: "base64url",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _e164(Class, params) {
	return new Class({
		type: "string",
		format: "e164",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _jwt(Class, params) {
	return new Class({
		type: "string",
		format: "jwt",
		check: "string_format",
		abort: false,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _isoDateTime(Class, params) {
	return new Class({
		type: "string",
		format: "datetime",
		check: "string_format",
		offset: false,
		local: false,
		precision: null,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _isoDate(Class, params) {
	return new Class({
		type: "string",
		format: "date",
		check: "string_format",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _isoTime(Class, params) {
	return new Class({
		type: "string",
		format: "time",
		check: "string_format",
		precision: null,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _isoDuration(Class, params) {
	return new Class({
		type: "string",
		format: "duration",
		check: "string_format",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _number(Class, params) {
	return new Class(snapshotChecks({
		type: "number",
		checks: [],
		...normalizeParams(params)
	}));
}
// @__NO_SIDE_EFFECTS__
function _coercedNumber(Class, params) {
	return new Class(snapshotChecks({
		type: "number",
		coerce: true,
		checks: [],
		...normalizeParams(params)
	}));
}
// @__NO_SIDE_EFFECTS__
function _int(Class, params) {
	return new Class({
		type: "number",
		check: "number_format",
		abort: false,
		format: "safeint",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _boolean(Class, params) {
	return new Class({
		type: "boolean",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _unknown(Class) {
	return new Class({ type: "unknown" });
}
// @__NO_SIDE_EFFECTS__
function _never(Class, params) {
	return new Class({
		type: "never",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _lt(value, params) {
	return new $ZodCheckLessThan({
		check: "less_than",
		...normalizeParams(params),
		value,
		inclusive: false
	});
}
// @__NO_SIDE_EFFECTS__
function _lte(value, params) {
	return new $ZodCheckLessThan({
		check: "less_than",
		...normalizeParams(params),
		value,
		inclusive: true
	});
}
// @__NO_SIDE_EFFECTS__
function _gt(value, params) {
	return new $ZodCheckGreaterThan({
		check: "greater_than",
		...normalizeParams(params),
		value,
		inclusive: false
	});
}
// @__NO_SIDE_EFFECTS__
function _gte(value, params) {
	return new $ZodCheckGreaterThan({
		check: "greater_than",
		...normalizeParams(params),
		value,
		inclusive: true
	});
}
// @__NO_SIDE_EFFECTS__
function _multipleOf(value, params) {
	return new $ZodCheckMultipleOf({
		check: "multiple_of",
		...normalizeParams(params),
		value
	});
}
// @__NO_SIDE_EFFECTS__
function _maxLength(maximum, params) {
	return new $ZodCheckMaxLength({
		check: "max_length",
		...normalizeParams(params),
		maximum
	});
}
// @__NO_SIDE_EFFECTS__
function _minLength(minimum, params) {
	return new $ZodCheckMinLength({
		check: "min_length",
		...normalizeParams(params),
		minimum
	});
}
// @__NO_SIDE_EFFECTS__
function _length(length, params) {
	return new $ZodCheckLengthEquals({
		check: "length_equals",
		...normalizeParams(params),
		length
	});
}
// @__NO_SIDE_EFFECTS__
function _regex(pattern, params) {
	return new $ZodCheckRegex({
		check: "string_format",
		format: "regex",
		...normalizeParams(params),
		pattern
	});
}
// @__NO_SIDE_EFFECTS__
function _lowercase(params) {
	return new $ZodCheckLowerCase({
		check: "string_format",
		format: "lowercase",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _uppercase(params) {
	return new $ZodCheckUpperCase({
		check: "string_format",
		format: "uppercase",
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _includes(includes, params) {
	return new $ZodCheckIncludes({
		check: "string_format",
		format: "includes",
		...normalizeParams(params),
		includes
	});
}
// @__NO_SIDE_EFFECTS__
function _startsWith(prefix, params) {
	return new $ZodCheckStartsWith({
		check: "string_format",
		format: "starts_with",
		...normalizeParams(params),
		prefix
	});
}
// @__NO_SIDE_EFFECTS__
function _endsWith(suffix, params) {
	return new $ZodCheckEndsWith({
		check: "string_format",
		format: "ends_with",
		...normalizeParams(params),
		suffix
	});
}
// @__NO_SIDE_EFFECTS__
function _overwrite(tx) {
	return new $ZodCheckOverwrite({
		check: "overwrite",
		tx
	});
}
// @__NO_SIDE_EFFECTS__
function _normalize(form) {
	return /* @__PURE__ */ _overwrite((input) => input.normalize(form));
}
// @__NO_SIDE_EFFECTS__
function _trim() {
	return /* @__PURE__ */ _overwrite((input) => input.trim());
}
// @__NO_SIDE_EFFECTS__
function _toLowerCase() {
	return /* @__PURE__ */ _overwrite((input) => input.toLowerCase());
}
// @__NO_SIDE_EFFECTS__
function _toUpperCase() {
	return /* @__PURE__ */ _overwrite((input) => input.toUpperCase());
}
// @__NO_SIDE_EFFECTS__
function _slugify() {
	return /* @__PURE__ */ _overwrite((input) => slugify(input));
}
// @__NO_SIDE_EFFECTS__
function _array(Class, element, params) {
	return new Class({
		type: "array",
		element,
		...normalizeParams(params)
	});
}
// @__NO_SIDE_EFFECTS__
function _refine(Class, fn, _params) {
	return new Class({
		type: "custom",
		check: "custom",
		fn,
		...normalizeParams(_params)
	});
}
// @__NO_SIDE_EFFECTS__
function _superRefine(fn, params) {
	const ch = /* @__PURE__ */ _check((payload) => {
		payload.addIssue = (issue$2) => {
			if (typeof issue$2 === "string") payload.issues.push(issue(issue$2, payload.value, ch._zod.def));
			else {
				const _issue = issue$2;
				if (_issue.fatal) _issue.continue = false;
				_issue.code ?? (_issue.code = "custom");
				if (!("input" in _issue)) _issue.input = payload.value;
				_issue.inst ?? (_issue.inst = ch);
				_issue.continue ?? (_issue.continue = !ch._zod.def.abort);
				payload.issues.push(issue(_issue));
			}
		};
		return fn(payload.value, payload);
	}, params);
	return ch;
}
// @__NO_SIDE_EFFECTS__
function _check(fn, params) {
	const ch = new $ZodCheck({
		check: "custom",
		...normalizeParams(params)
	});
	ch._zod.check = fn;
	return ch;
}

// servers/crm/node_modules/zod/v4/core/to-json-schema.js
function assignProps(target, ...sources) {
	for (const source of sources) for (const key of Reflect.ownKeys(source)) if (Object.prototype.propertyIsEnumerable.call(source, key)) assignProp(target, key, source[key]);
	return target;
}
function initializeContext(params) {
	let target = params?.target ?? "draft-2020-12";
	if (target === "draft-4") target = "draft-04";
	if (target === "draft-7") target = "draft-07";
	return {
		processors: params.processors ?? {},
		metadataRegistry: params?.metadata ?? globalRegistry,
		target,
		unrepresentable: params?.unrepresentable ?? "throw",
		override: params?.override ?? (() => {}),
		io: params?.io ?? "output",
		counter: 0,
		seen: /* @__PURE__ */ new Map(),
		sharedDefsExtractedFor: void 0,
		sharedEmitDoneFor: void 0,
		cycles: params?.cycles ?? "ref",
		reused: params?.reused ?? "inline",
		intersections: [],
		deferred: [],
		external: params?.external ?? void 0
	};
}
/**
* Applies the `unrepresentable` setting at a site that has no JSON Schema equivalent. Throws
* `message` unless the setting (or the handler's return value) says otherwise. Returns `true` if a
* custom JSON Schema was written into `json`, in which case the caller must not write its own.
*/
function handleUnrepresentable(schema, ctx, json, params, message) {
	const result = typeof ctx.unrepresentable === "function" ? ctx.unrepresentable({
		zodSchema: schema,
		path: params.path,
		message
	}) : ctx.unrepresentable;
	if (result === "any") return false;
	if (result === void 0 || result === "throw") throw new Error(message);
	Object.assign(json, result);
	return true;
}
function processSchema(schema, ctx, _params = {
	path: [],
	schemaPath: []
}) {
	var _a;
	const def = schema._zod.def;
	const seen = ctx.seen.get(schema);
	if (seen) {
		seen.count++;
		if (_params.schemaPath.includes(schema)) seen.cycle = _params.path;
		return seen.schema;
	}
	const result = {
		schema: {},
		count: 1,
		cycle: void 0,
		path: _params.path
	};
	ctx.seen.set(schema, result);
	ctx.sharedDefsExtractedFor = void 0;
	ctx.sharedEmitDoneFor = void 0;
	const overrideSchema = schema._zod.toJSONSchema?.();
	if (overrideSchema) result.schema = overrideSchema;
	else {
		const params = {
			..._params,
			schemaPath: [..._params.schemaPath, schema],
			path: _params.path
		};
		if (schema._zod.processJSONSchema) schema._zod.processJSONSchema(ctx, result.schema, params);
		else {
			const _json = result.schema;
			const processor = ctx.processors[def.type];
			if (!processor) throw new Error(`[toJSONSchema]: Non-representable type encountered: ${def.type}`);
			processor(schema, ctx, _json, params);
		}
		const parent = schema._zod.parent;
		if (parent) {
			if (!result.ref) result.ref = parent;
			processSchema(parent, ctx, params);
			ctx.seen.get(parent).isParent = true;
		}
	}
	const meta = ctx.metadataRegistry.get(schema);
	if (meta) assignProps(result.schema, meta);
	if (ctx.io === "input" && isTransforming(schema)) {
		delete result.schema.examples;
		delete result.schema.default;
	}
	if (ctx.io === "input" && "_prefault" in result.schema) (_a = result.schema).default ?? (_a.default = result.schema._prefault);
	delete result.schema._prefault;
	return ctx.seen.get(schema).schema;
}
function encodeJSONPointerSegment(segment) {
	return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
function extractDefs(ctx, schema) {
	const root = ctx.seen.get(schema);
	if (!root) throw new Error("Unprocessed schema. This is a bug in Zod.");
	if (ctx.external && ctx.sharedDefsExtractedFor === ctx.external) return;
	const idToSchema = /* @__PURE__ */ new Map();
	for (const entry of ctx.seen.entries()) {
		const id = ctx.metadataRegistry.get(entry[0])?.id;
		if (id) {
			const existing = idToSchema.get(id);
			if (existing && existing !== entry[0]) throw new Error(`Duplicate schema id "${id}" detected during JSON Schema conversion. Two different schemas cannot share the same id when converted together.`);
			idToSchema.set(id, entry[0]);
		}
	}
	const makeURI = (entry) => {
		const defsSegment = ctx.target === "draft-2020-12" ? "$defs" : "definitions";
		if (ctx.external) {
			const externalId = ctx.external.registry.get(entry[0])?.id;
			const uriGenerator = ctx.external.uri ?? ((id) => id);
			if (externalId) return { ref: uriGenerator(externalId) };
			const id = entry[1].defId ?? entry[1].schema.id ?? `schema${ctx.counter++}`;
			entry[1].defId = id;
			return {
				defId: id,
				ref: `${uriGenerator("__shared")}#/${defsSegment}/${encodeJSONPointerSegment(id)}`
			};
		}
		const uriPrefix = `#`;
		const defUriPrefix = `${uriPrefix}/${defsSegment}/`;
		if (entry[1] === root && !entry[1].schema.id) return { ref: uriPrefix };
		const defId = entry[1].schema.id ?? `__schema${ctx.counter++}`;
		return {
			defId,
			ref: defUriPrefix + encodeJSONPointerSegment(defId)
		};
	};
	const extractToDef = (entry) => {
		if (entry[1].schema.$ref) return;
		const seen = entry[1];
		const { ref, defId } = makeURI(entry);
		seen.def = { ...seen.schema };
		if (defId) seen.defId = defId;
		const schema = seen.schema;
		for (const key in schema) delete schema[key];
		schema.$ref = ref;
	};
	if (ctx.cycles === "throw") for (const entry of ctx.seen.entries()) {
		const seen = entry[1];
		if (seen.cycle) throw new Error(`Cycle detected: #/${seen.cycle?.join("/")}/<root>

Set the \`cycles\` parameter to \`"ref"\` to resolve cyclical schemas with defs.`);
	}
	for (const entry of ctx.seen.entries()) {
		const seen = entry[1];
		if (schema === entry[0]) {
			extractToDef(entry);
			continue;
		}
		if (ctx.external) {
			const ext = ctx.external.registry.get(entry[0])?.id;
			if (schema !== entry[0] && ext) {
				extractToDef(entry);
				continue;
			}
		}
		if (ctx.metadataRegistry.get(entry[0])?.id) {
			extractToDef(entry);
			continue;
		}
		if (seen.cycle) {
			extractToDef(entry);
			continue;
		}
		if (seen.count > 1) {
			if (ctx.reused === "ref") extractToDef(entry);
		}
	}
	if (ctx.external) ctx.sharedDefsExtractedFor = ctx.external;
}
/** Rewrites `anyOf: [{type: "a"}, {type: "b"}]` to `type: ["a", "b"]`, which every JSON Schema draft treats as equivalent and most consumers render far better for the nullable case. Only branches that are a bare type assertion qualify — anything carrying a constraint, `$ref`, `const` or metadata is left alone. Runs after `flattenRef`, so a branch an override decorated or `$defs` extraction turned into a `$ref` is no longer bare and correctly stays in `anyOf`. `oneOf` is excluded: `integer` and `number` overlap, so "exactly one" and "at least one" are not the same there. OpenAPI 3.0 is excluded: its `type` must be a single string. */
function compactTypeUnion(schema) {
	const options = schema.anyOf;
	if (!Array.isArray(options) || options.length === 0 || schema.type !== void 0) return;
	const types = [];
	for (const option of options) {
		if (!option || typeof option !== "object") return;
		compactTypeUnion(option);
		const keys = Object.keys(option);
		if (keys.length !== 1 || keys[0] !== "type") return;
		const type = option.type;
		for (const member of Array.isArray(type) ? type : [type]) {
			if (typeof member !== "string") return;
			if (!types.includes(member)) types.push(member);
		}
	}
	delete schema.anyOf;
	schema.type = types.length === 1 ? types[0] : types;
}
/** Keywords `foldIntersection` knows how to combine. Anything else — `$ref`, `patternProperties`,
* an annotation like `description` — makes a member unfoldable, so a constraint this does not
* understand leaves the `allOf` alone instead of being silently dropped or misattributed. */
const FOLDABLE_KEYS = /* @__PURE__ */ new Set([
	"type",
	"properties",
	"required",
	"additionalProperties"
]);
const UNION_KEYS = ["oneOf", "anyOf"];
/** A member's constraint on a key it does not declare itself. A `catchall` states one; `false`, an absent `additionalProperties`, and the empty schema a loose object emits state nothing. */
function undeclaredConstraint(member) {
	const extra = member.additionalProperties;
	if (extra === void 0 || extra === false || typeof extra !== "object" || extra === null) return null;
	return Object.keys(extra).length ? extra : null;
}
/** Combines object members into the single object they describe together, or returns `null` if any of them carries a keyword outside {@link FOLDABLE_KEYS}. */
function foldObjects(members) {
	const objects = [];
	for (const member of members) {
		if (typeof member !== "object" || member.type !== "object") return null;
		for (const key in member) if (!FOLDABLE_KEYS.has(key)) return null;
		objects.push(member);
	}
	const properties = {};
	const required = /* @__PURE__ */ new Set();
	for (const object of objects) {
		for (const key in object.properties) {
			if (Object.prototype.hasOwnProperty.call(properties, key)) continue;
			const parts = [];
			for (const other of objects) {
				const part = other.properties?.[key] ?? undeclaredConstraint(other);
				if (part === null || part === void 0) continue;
				if (!parts.some((seen) => JSON.stringify(seen) === JSON.stringify(part))) parts.push(part);
			}
			const merged = parts.length === 1 ? parts[0] : foldObjects(parts) ?? { allOf: parts };
			assignProp(properties, key, merged);
		}
		for (const key of object.required ?? []) required.add(key);
	}
	const folded = {
		type: "object",
		properties
	};
	if (required.size) folded.required = [...required];
	if (objects.every((object) => object.additionalProperties === false)) folded.additionalProperties = false;
	else {
		const constraints = [];
		for (const object of objects) {
			const constraint = undeclaredConstraint(object);
			if (constraint && !constraints.some((seen) => JSON.stringify(seen) === JSON.stringify(constraint))) constraints.push(constraint);
		}
		if (constraints.length === 1) folded.additionalProperties = constraints[0];
		else if (constraints.length > 1) folded.additionalProperties = { allOf: constraints };
	}
	return folded;
}
/** `additionalProperties` in an `allOf` member sees only that member's own `properties`, so two
* closed object members reject each other's keys and the schema validates nothing. Zod's parser
* pools the key sets instead — `handleIntersectionResults` reports a key as unrecognized only when
* *every* side rejects it — so the emitted schema has to pool them too, and folding the members
* into one object is the encoding that says so on every target.
*
* This runs from `finalize`, after `extractDefs`, which is what keeps it clear of the `$ref`
* machinery: a member extracted into `$defs` is already a `$ref` by now and declines to fold, so it
* keeps its reference and its own closedness rather than being inlined as a stale copy. */
function foldIntersection(json) {
	const allOf = json.allOf;
	if (!Array.isArray(allOf) || allOf.length < 2) return;
	for (const key of FOLDABLE_KEYS) if (key in json) return;
	const unions = allOf.filter((m) => UNION_KEYS.some((k) => Array.isArray(m[k])));
	let folded = null;
	if (!unions.length) folded = foldObjects(allOf);
	else {
		const union = unions[0];
		const keyword = UNION_KEYS.find((k) => Array.isArray(union[k]));
		if (Object.keys(union).length !== 1) return;
		const rest = allOf.filter((m) => m !== union);
		const branches = union[keyword].map((branch) => foldObjects([...rest, branch]));
		if (branches.some((b) => !b)) return;
		folded = { [keyword]: branches };
	}
	if (!folded) return;
	delete json.allOf;
	assignProps(json, folded);
}
function finalize(ctx, schema) {
	const root = ctx.seen.get(schema);
	if (!root) throw new Error("Unprocessed schema. This is a bug in Zod.");
	const flattenRef = (zodSchema) => {
		const seen = ctx.seen.get(zodSchema);
		if (seen.ref === null) return;
		const schema = seen.def ?? seen.schema;
		const _cached = { ...schema };
		const ref = seen.ref;
		seen.ref = null;
		if (ref) {
			flattenRef(ref);
			const refSeen = ctx.seen.get(ref);
			const refSchema = refSeen.schema;
			if (refSchema.$ref && (ctx.target === "draft-07" || ctx.target === "draft-04" || ctx.target === "openapi-3.0")) {
				schema.allOf = schema.allOf ?? [];
				schema.allOf.push(refSchema);
			} else assignProps(schema, refSchema);
			assignProps(schema, _cached);
			if (zodSchema._zod.parent === ref) for (const key in schema) {
				if (key === "$ref" || key === "allOf") continue;
				if (!(key in _cached)) delete schema[key];
			}
			if (refSchema.$ref && refSeen.def) for (const key in schema) {
				if (key === "$ref" || key === "allOf") continue;
				if (key in refSeen.def && JSON.stringify(schema[key]) === JSON.stringify(refSeen.def[key])) delete schema[key];
			}
		}
		const parent = zodSchema._zod.parent;
		if (parent && parent !== ref) {
			flattenRef(parent);
			const parentSeen = ctx.seen.get(parent);
			if (parentSeen?.schema.$ref) {
				schema.$ref = parentSeen.schema.$ref;
				if (parentSeen.def) for (const key in schema) {
					if (key === "$ref" || key === "allOf") continue;
					if (key in parentSeen.def && JSON.stringify(schema[key]) === JSON.stringify(parentSeen.def[key])) delete schema[key];
				}
			}
		}
		ctx.override({
			zodSchema,
			jsonSchema: schema,
			path: seen.path ?? []
		});
	};
	if (!ctx.external || ctx.sharedEmitDoneFor !== ctx.external) {
		for (const entry of [...ctx.seen.entries()].reverse()) flattenRef(entry[0]);
		if (ctx.target !== "openapi-3.0") for (const entry of ctx.seen.entries()) compactTypeUnion(entry[1].def ?? entry[1].schema);
		for (const rewrite of ctx.deferred) rewrite();
		if (ctx.intersections.length) {
			const carriers = /* @__PURE__ */ new Map();
			for (const seen of ctx.seen.values()) for (const json of [seen.schema, seen.def]) {
				const allOf = json?.allOf;
				if (!Array.isArray(allOf)) continue;
				const existing = carriers.get(allOf);
				if (existing) existing.push(json);
				else carriers.set(allOf, [json]);
			}
			for (const allOf of ctx.intersections) for (const json of carriers.get(allOf) ?? []) foldIntersection(json);
		}
	}
	const result = {};
	if (ctx.target === "draft-2020-12") result.$schema = "https://json-schema.org/draft/2020-12/schema";
	else if (ctx.target === "draft-07") result.$schema = "http://json-schema.org/draft-07/schema#";
	else if (ctx.target === "draft-04") result.$schema = "http://json-schema.org/draft-04/schema#";
	else if (ctx.target === "openapi-3.0") {}
	if (ctx.external?.uri) {
		const id = ctx.external.registry.get(schema)?.id;
		if (!id) throw new Error("Schema is missing an `id` property");
		result.$id = ctx.external.uri(id);
	}
	assignProps(result, root.defId ? root.schema : root.def ?? root.schema);
	const rootMetaId = ctx.metadataRegistry.get(schema)?.id;
	if (rootMetaId !== void 0 && result.id === rootMetaId) delete result.id;
	const defs = ctx.external?.defs ?? {};
	if (!ctx.external || ctx.sharedEmitDoneFor !== ctx.external) for (const entry of ctx.seen.entries()) {
		const seen = entry[1];
		if (seen.def && seen.defId) {
			if (seen.def.id === seen.defId) delete seen.def.id;
			assignProp(defs, seen.defId, seen.def);
		}
	}
	if (ctx.external) ctx.sharedEmitDoneFor = ctx.external;
	if (ctx.external) {} else if (Object.keys(defs).length > 0) {
		if (ctx.target === "draft-2020-12") result.$defs = defs;
		else result.definitions = defs;
	}
	try {
		const finalized = JSON.parse(JSON.stringify(result));
		Object.defineProperty(finalized, "~standard", {
			value: {
				...schema["~standard"],
				jsonSchema: {
					input: createStandardJSONSchemaMethod(schema, "input", ctx.processors),
					output: createStandardJSONSchemaMethod(schema, "output", ctx.processors)
				}
			},
			enumerable: false,
			writable: false
		});
		return finalized;
	} catch (_err) {
		throw new Error("Error converting schema to JSON.");
	}
}
function isTransforming(_schema, _ctx) {
	const ctx = _ctx ?? { seen: /* @__PURE__ */ new Set() };
	if (ctx.seen.has(_schema)) return false;
	ctx.seen.add(_schema);
	const def = _schema._zod.def;
	if (def.type === "transform") return true;
	if (def.type === "array") return isTransforming(def.element, ctx);
	if (def.type === "set") return isTransforming(def.valueType, ctx);
	if (def.type === "lazy") return isTransforming(def.getter(), ctx);
	if (def.type === "promise" || def.type === "optional" || def.type === "nonoptional" || def.type === "nullable" || def.type === "readonly" || def.type === "default" || def.type === "prefault" || def.type === "catch") return isTransforming(def.innerType, ctx);
	if (def.type === "intersection") return isTransforming(def.left, ctx) || isTransforming(def.right, ctx);
	if (def.type === "record" || def.type === "map") return isTransforming(def.keyType, ctx) || isTransforming(def.valueType, ctx);
	if (def.type === "pipe") {
		if (_schema._zod.traits.has("$ZodCodec")) return true;
		return isTransforming(def.in, ctx) || isTransforming(def.out, ctx);
	}
	if (def.type === "object") {
		for (const key in def.shape) if (isTransforming(def.shape[key], ctx)) return true;
		return false;
	}
	if (def.type === "union") {
		for (const option of def.options) if (isTransforming(option, ctx)) return true;
		return false;
	}
	if (def.type === "tuple") {
		for (const item of def.items) if (isTransforming(item, ctx)) return true;
		if (def.rest && isTransforming(def.rest, ctx)) return true;
		return false;
	}
	return false;
}
/**
* Creates a toJSONSchema method for a schema instance.
* This encapsulates the logic of initializing context, processing, extracting defs, and finalizing.
*/
const createToJSONSchemaMethod = (schema, processors = {}) => (params) => {
	const ctx = initializeContext({
		...params,
		processors
	});
	processSchema(schema, ctx);
	extractDefs(ctx, schema);
	return finalize(ctx, schema);
};
const createStandardJSONSchemaMethod = (schema, io, processors = {}) => (params) => {
	const { libraryOptions, target } = params ?? {};
	const ctx = initializeContext({
		...libraryOptions ?? {},
		target,
		io,
		processors
	});
	processSchema(schema, ctx);
	extractDefs(ctx, schema);
	return finalize(ctx, schema);
};

// servers/crm/node_modules/zod/v4/core/json-schema-processors.js
const narrowMin = (agg, key, value) => {
	if (agg[key] === void 0 || value > agg[key]) agg[key] = value;
};
const narrowMax = (agg, key, value) => {
	if (agg[key] === void 0 || value < agg[key]) agg[key] = value;
};
const narrowBoth = (agg, value) => {
	narrowMin(agg, "minimum", value);
	narrowMax(agg, "maximum", value);
};
const addDivisor = (agg, value) => {
	agg.multipleOf ?? (agg.multipleOf = []);
	if (!agg.multipleOf.includes(value)) agg.multipleOf.push(value);
};
const addPattern = (agg, pattern) => {
	agg.patterns ?? (agg.patterns = /* @__PURE__ */ new Set());
	agg.patterns.add(pattern);
};
const intersectMime = (agg, mime) => {
	agg.mime = agg.mime ? agg.mime.filter((m) => mime.includes(m)) : [...mime];
};
const setFormat = (agg, format) => {
	agg.format = format;
	if (format.includes("int")) agg.isInt = true;
};
const minContributor = (agg, def) => narrowMin(agg, "minimum", def.minimum);
const maxContributor = (agg, def) => narrowMax(agg, "maximum", def.maximum);
const formatContributor = (ranges) => (agg, def) => {
	setFormat(agg, def.format);
	const [minimum, maximum] = ranges[def.format];
	narrowMin(agg, "minimum", minimum);
	narrowMax(agg, "maximum", maximum);
};
const contributors = {
	greater_than: (agg, def) => narrowMin(agg, def.inclusive ? "minimum" : "exclusiveMinimum", def.value),
	less_than: (agg, def) => narrowMax(agg, def.inclusive ? "maximum" : "exclusiveMaximum", def.value),
	multiple_of: (agg, def) => addDivisor(agg, def.value),
	number_format: formatContributor(NUMBER_FORMAT_RANGES),
	bigint_format: formatContributor(BIGINT_FORMAT_RANGES),
	min_length: minContributor,
	max_length: maxContributor,
	length_equals: (agg, def) => narrowBoth(agg, def.length),
	min_size: minContributor,
	max_size: maxContributor,
	size_equals: (agg, def) => narrowBoth(agg, def.size),
	string_format: (agg, def) => {
		setFormat(agg, def.format);
		if (def.pattern) addPattern(agg, def.pattern);
		if (def.format === "base64" || def.format === "base64url") agg.contentEncoding = def.format;
		if (def.local || def.precision === -1) agg.laxFormat = true;
	},
	mime_type: (agg, def) => intersectMime(agg, def.mime)
};
function aggregateChecks(schema) {
	const agg = {};
	const def = schema._zod.def;
	const list = schema._zod.traits.has("$ZodCheck") ? [schema, ...def.checks ?? []] : def.checks ?? [];
	for (const ch of list) contributors[ch._zod.def.check]?.(agg, ch._zod.def);
	const bag = schema._zod.bag;
	if (bag.minimum !== void 0) narrowMin(agg, "minimum", bag.minimum);
	if (bag.exclusiveMinimum !== void 0) narrowMin(agg, "exclusiveMinimum", bag.exclusiveMinimum);
	if (bag.maximum !== void 0) narrowMax(agg, "maximum", bag.maximum);
	if (bag.exclusiveMaximum !== void 0) narrowMax(agg, "exclusiveMaximum", bag.exclusiveMaximum);
	if (bag.multipleOf !== void 0) addDivisor(agg, bag.multipleOf);
	if (bag.format !== void 0) {
		agg.format ?? (agg.format = bag.format);
		if (bag.format.includes("int")) agg.isInt = true;
	}
	if (bag.mime) intersectMime(agg, bag.mime);
	for (const pattern of bag.patterns ?? []) addPattern(agg, pattern);
	return agg;
}
const formatMap = {
	guid: "uuid",
	url: "uri",
	datetime: "date-time",
	json_string: "json-string",
	regex: ""
};
const exactPatterns = /* @__PURE__ */ new Map([[base64Charset, base64], [base64urlCharset, base64url]]);
const exactPattern = (p) => exactPatterns.get(p) ?? p;
const stringProcessor = (schema, ctx, _json, _params) => {
	const json = _json;
	json.type = "string";
	const { minimum, maximum, format, patterns, contentEncoding, laxFormat } = aggregateChecks(schema);
	if (typeof minimum === "number") json.minLength = minimum;
	if (typeof maximum === "number") json.maxLength = maximum;
	if (format) {
		json.format = formatMap[format] ?? format;
		if (json.format === "") delete json.format;
		if (format === "time" || laxFormat) delete json.format;
	}
	if (contentEncoding) json.contentEncoding = contentEncoding;
	if (patterns && patterns.size > 0) {
		const patternList = [...patterns].map(exactPattern);
		if (patternList.length === 1) json.pattern = patternList[0].source;
		else if (patternList.length > 1) json.allOf = [...patternList.map((regex) => ({
			...ctx.target === "draft-07" || ctx.target === "draft-04" || ctx.target === "openapi-3.0" ? { type: "string" } : {},
			pattern: regex.source
		}))];
	}
};
const numberProcessor = (schema, ctx, _json, params) => {
	const json = _json;
	const { minimum, maximum, multipleOf, exclusiveMaximum, exclusiveMinimum, isInt } = aggregateChecks(schema);
	json.type = isInt ? "integer" : "number";
	const exMin = typeof exclusiveMinimum === "number" && exclusiveMinimum >= (minimum ?? Number.NEGATIVE_INFINITY);
	const exMax = typeof exclusiveMaximum === "number" && exclusiveMaximum <= (maximum ?? Number.POSITIVE_INFINITY);
	const legacy = ctx.target === "draft-04" || ctx.target === "openapi-3.0";
	if (exMin) {
		if (legacy) {
			json.minimum = exclusiveMinimum;
			json.exclusiveMinimum = true;
		} else json.exclusiveMinimum = exclusiveMinimum;
	} else if (typeof minimum === "number") json.minimum = minimum;
	if (exMax) {
		if (legacy) {
			json.maximum = exclusiveMaximum;
			json.exclusiveMaximum = true;
		} else json.exclusiveMaximum = exclusiveMaximum;
	} else if (typeof maximum === "number") json.maximum = maximum;
	if (multipleOf) {
		const divisors = /* @__PURE__ */ new Set();
		for (const divisor of multipleOf) if (Number.isFinite(divisor) && divisor !== 0) divisors.add(Math.abs(divisor));
		else handleUnrepresentable(schema, ctx, json, params, `A multipleOf divisor of ${divisor} cannot be represented in JSON Schema`);
		const [first, ...rest] = divisors;
		if (first !== void 0) json.multipleOf = first;
		if (rest.length) json.allOf = [...json.allOf ?? [], ...rest.map((m) => ({ multipleOf: m }))];
	}
};
const booleanProcessor = (_schema, _ctx, json, _params) => {
	json.type = "boolean";
};
const neverProcessor = (_schema, _ctx, json, _params) => {
	json.not = {};
};
const unknownProcessor = (_schema, _ctx, _json, _params) => {};
const enumProcessor = (schema, _ctx, json, _params) => {
	const def = schema._zod.def;
	const values = getEnumValues(def.entries);
	if (values.length === 0) {
		json.not = {};
		return;
	}
	if (values.every((v) => typeof v === "number")) json.type = "number";
	if (values.every((v) => typeof v === "string")) json.type = "string";
	json.enum = values;
};
const literalProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	if (def.values.length === 0) {
		json.not = {};
		return;
	}
	const vals = [];
	for (const val of def.values) if (val === void 0) {
		if (handleUnrepresentable(schema, ctx, json, params, "Literal `undefined` cannot be represented in JSON Schema")) return;
	} else if (typeof val === "bigint") {
		if (handleUnrepresentable(schema, ctx, json, params, "BigInt literals cannot be represented in JSON Schema")) return;
		vals.push(Number(val));
	} else vals.push(val);
	if (vals.length === 0) {} else if (vals.length === 1) {
		const val = vals[0];
		json.type = val === null ? "null" : typeof val;
		if (ctx.target === "draft-04" || ctx.target === "openapi-3.0") json.enum = [val];
		else json.const = val;
	} else {
		if (vals.every((v) => typeof v === "number")) json.type = "number";
		if (vals.every((v) => typeof v === "string")) json.type = "string";
		if (vals.every((v) => typeof v === "boolean")) json.type = "boolean";
		if (vals.every((v) => v === null)) json.type = "null";
		json.enum = vals;
	}
};
const customProcessor = (schema, ctx, json, params) => {
	handleUnrepresentable(schema, ctx, json, params, "Custom types cannot be represented in JSON Schema");
};
const transformProcessor = (schema, ctx, json, params) => {
	handleUnrepresentable(schema, ctx, json, params, "Transforms cannot be represented in JSON Schema");
};
const arrayProcessor = (schema, ctx, _json, params) => {
	const json = _json;
	const def = schema._zod.def;
	const { minimum, maximum } = aggregateChecks(schema);
	if (typeof minimum === "number") json.minItems = minimum;
	if (typeof maximum === "number") json.maxItems = maximum;
	json.type = "array";
	json.items = processSchema(def.element, ctx, {
		...params,
		path: [...params.path, "items"]
	});
};
function inputOptin(schema) {
	const def = schema._zod.def;
	if (def.type === "pipe" && def.in._zod.traits.has("$ZodTransform")) return inputOptin(def.out);
	if (def.type === "catch") return inputOptin(def.innerType);
	return schema._zod.optin;
}
const objectProcessor = (schema, ctx, _json, params) => {
	const json = _json;
	const def = schema._zod.def;
	const shape = def.shape;
	if (Object.getOwnPropertySymbols(shape).length && handleUnrepresentable(schema, ctx, json, params, "Symbol keys cannot be represented in JSON Schema")) return;
	json.type = "object";
	json.properties = {};
	for (const key in shape) assignProp(json.properties, key, processSchema(shape[key], ctx, {
		...params,
		path: [
			...params.path,
			"properties",
			key
		]
	}));
	const requiredKeys = [];
	for (const key of Object.keys(shape)) {
		const field = def.shape[key];
		if (ctx.io === "input" ? inputOptin(field) === void 0 : field._zod.optout === void 0) requiredKeys.push(key);
	}
	if (requiredKeys.length > 0) json.required = requiredKeys;
	if (def.catchall?._zod.def.type === "never") json.additionalProperties = false;
	else if (!def.catchall) {
		if (ctx.io === "output") json.additionalProperties = false;
	} else if (def.catchall) json.additionalProperties = processSchema(def.catchall, ctx, {
		...params,
		path: [...params.path, "additionalProperties"]
	});
};
const unionProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	const isExclusive = def.inclusive === false;
	const options = def.options.map((x, i) => processSchema(x, ctx, {
		...params,
		path: [
			...params.path,
			isExclusive ? "oneOf" : "anyOf",
			i
		]
	}));
	if (isExclusive) json.oneOf = options;
	else json.anyOf = options;
};
const intersectionProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	const a = processSchema(def.left, ctx, {
		...params,
		path: [
			...params.path,
			"allOf",
			0
		]
	});
	const b = processSchema(def.right, ctx, {
		...params,
		path: [
			...params.path,
			"allOf",
			1
		]
	});
	const isSimpleIntersection = (val) => "allOf" in val && Object.keys(val).length === 1;
	const allOf = [...isSimpleIntersection(a) ? a.allOf : [a], ...isSimpleIntersection(b) ? b.allOf : [b]];
	json.allOf = allOf;
	ctx.intersections.push(allOf);
};
/** JSON object keys are always strings, so a numeric record key schema is re-expressed over the
* numeric-string form the record parser matches. Deferred to `finalize`, after the flatten: a key
* behind a wrapper only carries its own `type` before then, and a union key only has its branches.
*
* A numeric bound cannot apply to a property name, so `minimum` and its siblings are dropped rather
* than carried over: keeping them beside `type: "string"` reproduces the match-nothing schema this
* exists to fix. A key that carries one therefore emits wider than the record parses — `z.record(z.number().min(5), V)`
* accepts `"3"` — which is the deliberate trade, since throwing on it would reject an ordinary schema
* outright. */
function stringifyKeyNames(bySchema, json, visited) {
	if (json.$ref) {
		if (visited.has(json)) return json;
		visited.add(json);
		const def = bySchema.get(json)?.def;
		if (!def) return json;
		const inlined = stringifyKeyNames(bySchema, def, visited);
		return inlined === def ? json : inlined;
	}
	for (const keyword of ["anyOf", "oneOf"]) {
		const branches = json[keyword];
		if (!Array.isArray(branches)) continue;
		const mapped = branches.map((branch) => stringifyKeyNames(bySchema, branch, visited));
		if (mapped.some((branch, i) => branch !== branches[i])) json = {
			...json,
			[keyword]: mapped
		};
	}
	const types = Array.isArray(json.type) ? json.type : [json.type];
	const numericType = !types.includes("string") && types.some((t) => t === "number" || t === "integer");
	const values = json.enum ?? (json.const !== void 0 ? [json.const] : void 0);
	if (!numericType && !values?.some((v) => typeof v === "number")) return json;
	const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, format, id, ...rest } = json;
	if (rest.enum) rest.enum = rest.enum.map((v) => typeof v === "number" ? String(v) : v);
	else if (typeof rest.const === "number") rest.const = String(rest.const);
	if (!numericType) return rest;
	rest.type = "string";
	if (!values) rest.pattern = (types.includes("number") ? number$2 : integer).source;
	return rest;
}
/** Every record of one conversion, so the carriers are found in a single pass rather than once per record. */
const pendingRecords = /* @__PURE__ */ new WeakMap();
function rewriteKeyNames(ctx) {
	const bySchema = /* @__PURE__ */ new Map();
	for (const entry of ctx.seen.values()) if (entry.def && !bySchema.has(entry.schema)) bySchema.set(entry.schema, entry);
	const rewrites = /* @__PURE__ */ new Map();
	for (const record of pendingRecords.get(ctx) ?? []) {
		const seen = ctx.seen.get(record);
		const names = (seen?.def ?? seen?.schema)?.propertyNames;
		if (!names || names === true || rewrites.has(names)) continue;
		const rewritten = stringifyKeyNames(bySchema, names, /* @__PURE__ */ new Set());
		if (rewritten !== names) rewrites.set(names, rewritten);
	}
	if (!rewrites.size) return;
	for (const entry of ctx.seen.values()) for (const carrier of [entry.schema, entry.def]) {
		const rewritten = carrier && rewrites.get(carrier.propertyNames);
		if (rewritten) carrier.propertyNames = rewritten;
	}
}
const recordProcessor = (schema, ctx, _json, params) => {
	const json = _json;
	const def = schema._zod.def;
	json.type = "object";
	const keyType = def.keyType;
	const patterns = aggregateChecks(keyType).patterns;
	if (def.mode === "loose" && patterns && patterns.size > 0) {
		const valueSchema = processSchema(def.valueType, ctx, {
			...params,
			path: [
				...params.path,
				"patternProperties",
				"*"
			]
		});
		json.patternProperties = {};
		for (const pattern of patterns) assignProp(json.patternProperties, exactPattern(pattern).source, valueSchema);
	} else {
		if (ctx.target === "draft-07" || ctx.target === "draft-2020-12") {
			json.propertyNames = processSchema(def.keyType, ctx, {
				...params,
				path: [...params.path, "propertyNames"]
			});
			let pending = pendingRecords.get(ctx);
			if (!pending) {
				pending = [];
				pendingRecords.set(ctx, pending);
				ctx.deferred.push(() => rewriteKeyNames(ctx));
			}
			pending.push(schema);
		}
		json.additionalProperties = processSchema(def.valueType, ctx, {
			...params,
			path: [...params.path, "additionalProperties"]
		});
	}
	const keyValues = keyType._zod.values;
	const omittableOnInput = ctx.io === "input" && inputOptin(def.valueType) !== void 0;
	if (keyValues && !def.partial && !omittableOnInput) {
		const validKeyValues = [...keyValues].filter((v) => typeof v === "string" || typeof v === "number");
		if (validKeyValues.length > 0) json.required = validKeyValues.map(String);
	}
};
const nullableProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	const inner = processSchema(def.innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	if (ctx.target === "openapi-3.0") {
		seen.ref = def.innerType;
		json.nullable = true;
	} else json.anyOf = [inner, { type: "null" }];
};
const nonoptionalProcessor = (schema, ctx, _json, params) => {
	const def = schema._zod.def;
	processSchema(def.innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	seen.ref = def.innerType;
};
/** Round-trips a default value through JSON so the emitted schema is guaranteed to be valid JSON.
* A BigInt has no reliable encoding, so it goes through `unrepresentable` like any other
* unrepresentable value. Returns a sentinel when the caller must not write a default of its own. */
const UNREPRESENTABLE_DEFAULT = Symbol();
function serializeDefaultValue(value, schema, ctx, json, params) {
	let unrepresentable = false;
	const serialized = JSON.stringify(value, (_, val) => {
		if (typeof val !== "bigint") return val;
		unrepresentable = true;
		return null;
	});
	if (!unrepresentable) return JSON.parse(serialized);
	handleUnrepresentable(schema, ctx, json, params, "BigInt defaults cannot be represented in JSON Schema");
	return UNREPRESENTABLE_DEFAULT;
}
const defaultProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	processSchema(def.innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	seen.ref = def.innerType;
	const value = serializeDefaultValue(def.defaultValue, schema, ctx, json, params);
	if (value !== UNREPRESENTABLE_DEFAULT) json.default = value;
};
const prefaultProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	processSchema(def.innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	seen.ref = def.innerType;
	if (ctx.io !== "input") return;
	const value = serializeDefaultValue(def.defaultValue, schema, ctx, json, params);
	if (value !== UNREPRESENTABLE_DEFAULT) json._prefault = value;
};
const catchProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	processSchema(def.innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	seen.ref = def.innerType;
	let catchValue;
	try {
		catchValue = def.catchValue(void 0);
	} catch {
		handleUnrepresentable(schema, ctx, json, params, "Dynamic catch values are not supported in JSON Schema");
		return;
	}
	json.default = catchValue;
};
const pipeProcessor = (schema, ctx, _json, params) => {
	const def = schema._zod.def;
	const inIsTransform = def.in._zod.traits.has("$ZodTransform");
	const innerType = ctx.io === "input" ? inIsTransform ? def.out : def.in : def.out;
	processSchema(innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	seen.ref = innerType;
};
const readonlyProcessor = (schema, ctx, json, params) => {
	const def = schema._zod.def;
	processSchema(def.innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	seen.ref = def.innerType;
	json.readOnly = true;
};
const optionalProcessor = (schema, ctx, _json, params) => {
	const def = schema._zod.def;
	processSchema(def.innerType, ctx, params);
	const seen = ctx.seen.get(schema);
	seen.ref = def.innerType;
};

// servers/crm/node_modules/zod/v4/classic/errors.js
const _installedErrorProtos = /* @__PURE__ */ new WeakSet([Object.prototype, Error.prototype]);
function _lazyMethod(proto, key, make) {
	Object.defineProperty(proto, key, {
		configurable: true,
		enumerable: false,
		get() {
			const value = make(this);
			Object.defineProperty(this, key, {
				value,
				configurable: true,
				writable: true
			});
			return value;
		},
		set(value) {
			Object.defineProperty(this, key, {
				value,
				configurable: true,
				writable: true
			});
		}
	});
}
const initializer = (inst, issues) => {
	$ZodError.init(inst, issues);
	inst.name = "ZodError";
	const proto = Object.getPrototypeOf(inst);
	if (_installedErrorProtos.has(proto)) return;
	_installedErrorProtos.add(proto);
	_lazyMethod(proto, "format", (self) => (mapper) => formatError(self, mapper));
	_lazyMethod(proto, "flatten", (self) => (mapper) => flattenError(self, mapper));
	_lazyMethod(proto, "addIssue", (self) => (issue) => {
		self.issues.push(issue);
		self.message = JSON.stringify(self.issues, jsonStringifyReplacer, 2);
	});
	_lazyMethod(proto, "addIssues", (self) => (issues) => {
		self.issues.push(...issues);
		self.message = JSON.stringify(self.issues, jsonStringifyReplacer, 2);
	});
	Object.defineProperty(proto, "isEmpty", {
		configurable: true,
		enumerable: false,
		get() {
			return this.issues.length === 0;
		}
	});
};
const ZodRealError = /*@__PURE__*/ $constructor("ZodError", initializer, void 0, { Parent: Error });

// servers/crm/node_modules/zod/v4/classic/parse.js
const parse = /* @__PURE__ */ _parse(ZodRealError);
const parseAsync = /* @__PURE__ */ _parseAsync(ZodRealError);
const safeParse = /* @__PURE__ */ _safeParse(ZodRealError);
const safeParseAsync = /* @__PURE__ */ _safeParseAsync(ZodRealError);
const encode = /* @__PURE__ */ _encode(ZodRealError);
const decode = /* @__PURE__ */ _decode(ZodRealError);
const encodeAsync = /* @__PURE__ */ _encodeAsync(ZodRealError);
const decodeAsync = /* @__PURE__ */ _decodeAsync(ZodRealError);
const safeEncode = /* @__PURE__ */ _safeEncode(ZodRealError);
const safeDecode = /* @__PURE__ */ _safeDecode(ZodRealError);
const safeEncodeAsync = /* @__PURE__ */ _safeEncodeAsync(ZodRealError);
const safeDecodeAsync = /* @__PURE__ */ _safeDecodeAsync(ZodRealError);

// servers/crm/node_modules/zod/v4/classic/schemas.js
function _ensureDefaultLocale() {
	if (!globalConfig.localeError) config(en_default());
}
function _ensureDefaultMemoizer() {
	if (!globalConfig.memoizer) config({ memoizer: memoizer() });
}
const ZodType = /*@__PURE__*/ $constructor("ZodType", (inst, def) => {
	_ensureDefaultLocale();
	$ZodType.init(inst, def);
	inst.def = def;
	inst.type = def.type;
	return inst;
}, {
	check(...chks) {
		const def = this.def;
		return this.clone(mergeDefs(def, { checks: [...def.checks ?? [], ...chks.map((ch) => typeof ch === "function" ? { _zod: {
			check: ch,
			def: { check: "custom" },
			onattach: []
		} } : ch)] }), { parent: true });
	},
	with(...chks) {
		return this.check(...chks);
	},
	clone(def, params) {
		return clone(this, def, params);
	},
	brand() {
		return this;
	},
	register(reg, meta) {
		reg.add(this, meta);
		return this;
	},
	refine(check, params) {
		return this.check(refine(check, params));
	},
	superRefine(refinement, params) {
		return this.check(superRefine(refinement, params));
	},
	overwrite(fn) {
		return this.check(_overwrite(fn));
	},
	optional() {
		return optional(this);
	},
	exactOptional() {
		return exactOptional(this);
	},
	nullable() {
		return nullable(this);
	},
	nullish() {
		return optional(nullable(this));
	},
	nonoptional(params) {
		return nonoptional(this, params);
	},
	array() {
		return array(this);
	},
	or(arg) {
		return union([this, arg]);
	},
	and(arg) {
		return intersection(this, arg);
	},
	transform(tx) {
		return pipe(this, transform(tx));
	},
	default(d) {
		return _default(this, d);
	},
	prefault(d) {
		return prefault(this, d);
	},
	catch(params) {
		return _catch(this, params);
	},
	pipe(target) {
		return pipe(this, target);
	},
	readonly() {
		return readonly(this);
	},
	describe(description) {
		const cl = this.clone();
		globalRegistry.add(cl, { description });
		return cl;
	},
	meta(...args) {
		if (args.length === 0) return globalRegistry.get(this);
		const cl = this.clone();
		globalRegistry.add(cl, args[0]);
		return cl;
	},
	isOptional() {
		return this.safeParse(void 0).success;
	},
	isNullable() {
		return this.safeParse(null).success;
	},
	apply(fn, ...args) {
		return args.length === 0 ? fn(this) : fn(this, ...args);
	},
	get "~standard"() {
		return hide(this, "~standard", {
			...standardProps(this),
			jsonSchema: {
				input: createStandardJSONSchemaMethod(this, "input"),
				output: createStandardJSONSchemaMethod(this, "output")
			}
		});
	},
	set "~standard"(value) {
		own(this, "~standard", value);
	},
	parse: function _parse(data, params) {
		return parse(this, data, params, { callee: _parse });
	},
	parseAsync: async function _parseAsync(data, params) {
		return await parseAsync(this, data, params, { callee: _parseAsync });
	},
	safeParse(data, params) {
		return safeParse(this, data, params);
	},
	async safeParseAsync(data, params) {
		return safeParseAsync(this, data, params);
	},
	get spa() {
		return this?.safeParseAsync;
	},
	set spa(value) {
		own(this, "spa", value);
	},
	validate(data, params) {
		return validate(this, data, params);
	},
	validateAsync(data, params) {
		return validateAsync$1(this, data, params);
	},
	encode: function _encode(data, params) {
		return encode(this, data, params, { callee: _encode });
	},
	decode: function _decode(data, params) {
		return decode(this, data, params, { callee: _decode });
	},
	encodeAsync: async function _encodeAsync(data, params) {
		return await encodeAsync(this, data, params, { callee: _encodeAsync });
	},
	decodeAsync: async function _decodeAsync(data, params) {
		return await decodeAsync(this, data, params, { callee: _decodeAsync });
	},
	safeEncode(data, params) {
		return safeEncode(this, data, params);
	},
	safeDecode(data, params) {
		return safeDecode(this, data, params);
	},
	async safeEncodeAsync(data, params) {
		return safeEncodeAsync(this, data, params);
	},
	async safeDecodeAsync(data, params) {
		return safeDecodeAsync(this, data, params);
	},
	toJSONSchema(params) {
		return createToJSONSchemaMethod(this, {})(params);
	},
	get description() {
		return globalRegistry.get(this)?.description;
	},
	get _def() {
		return this._zod.def;
	}
});
/** @internal */
const _ZodString = /*@__PURE__*/ $constructor("_ZodString", (inst, def) => {
	$ZodString.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => stringProcessor(inst, ctx, json, params);
}, /*@__PURE__*/ derived({
	format: (inst) => aggregateChecks(inst).format ?? null,
	minLength: (inst) => aggregateChecks(inst).minimum ?? null,
	maxLength: (inst) => aggregateChecks(inst).maximum ?? null
}, {
	regex(...args) {
		return this.check(_regex(...args));
	},
	includes(...args) {
		return this.check(_includes(...args));
	},
	startsWith(...args) {
		return this.check(_startsWith(...args));
	},
	endsWith(...args) {
		return this.check(_endsWith(...args));
	},
	min(...args) {
		return this.check(_minLength(...args));
	},
	max(...args) {
		return this.check(_maxLength(...args));
	},
	length(...args) {
		return this.check(_length(...args));
	},
	nonempty(...args) {
		return this.check(_minLength(1, ...args));
	},
	lowercase(params) {
		return this.check(_lowercase(params));
	},
	uppercase(params) {
		return this.check(_uppercase(params));
	},
	trim() {
		return this.check(_trim());
	},
	normalize(...args) {
		return this.check(_normalize(...args));
	},
	toLowerCase() {
		return this.check(_toLowerCase());
	},
	toUpperCase() {
		return this.check(_toUpperCase());
	},
	slugify() {
		return this.check(_slugify());
	}
}));
const ZodString = /*@__PURE__*/ $constructor("ZodString", (inst, def) => {
	$ZodString.init(inst, def);
	_ZodString.init(inst, def);
}, {
	email(params) {
		return this.check(_email(ZodEmail, params));
	},
	url(params) {
		return this.check(_url(ZodURL, params));
	},
	jwt(params) {
		return this.check(_jwt(ZodJWT, params));
	},
	emoji(params) {
		return this.check(_emoji(ZodEmoji, params));
	},
	guid(params) {
		return this.check(_guid(ZodGUID, params));
	},
	uuid(params) {
		return this.check(_uuid(ZodUUID, params));
	},
	uuidv4(params) {
		return this.check(_uuidv4(ZodUUID, params));
	},
	uuidv6(params) {
		return this.check(_uuidv6(ZodUUID, params));
	},
	uuidv7(params) {
		return this.check(_uuidv7(ZodUUID, params));
	},
	nanoid(params) {
		return this.check(_nanoid(ZodNanoID, params));
	},
	cuid(params) {
		return this.check(_cuid(ZodCUID, params));
	},
	cuid2(params) {
		return this.check(_cuid2(ZodCUID2, params));
	},
	ulid(params) {
		return this.check(_ulid(ZodULID, params));
	},
	base64(params) {
		return this.check(_base64(ZodBase64, params));
	},
	base64url(params) {
		return this.check(_base64url(ZodBase64URL, params));
	},
	xid(params) {
		return this.check(_xid(ZodXID, params));
	},
	ksuid(params) {
		return this.check(_ksuid(ZodKSUID, params));
	},
	ipv4(params) {
		return this.check(_ipv4(ZodIPv4, params));
	},
	ipv6(params) {
		return this.check(_ipv6(ZodIPv6, params));
	},
	cidrv4(params) {
		return this.check(_cidrv4(ZodCIDRv4, params));
	},
	cidrv6(params) {
		return this.check(_cidrv6(ZodCIDRv6, params));
	},
	e164(params) {
		return this.check(_e164(ZodE164, params));
	},
	datetime(params) {
		return this.check(_isoDateTime(ZodISODateTime, params));
	},
	date(params) {
		return this.check(_isoDate(ZodISODate, params));
	},
	time(params) {
		return this.check(_isoTime(ZodISOTime, params));
	},
	duration(params) {
		return this.check(_isoDuration(ZodISODuration, params));
	}
});
function string(params) {
	return _string(ZodString, params);
}
const ZodStringFormat = /*@__PURE__*/ $constructor("ZodStringFormat", (inst, def) => {
	$ZodStringFormat.init(inst, def);
	_ZodString.init(inst, def);
});
const ZodISODateTime = /*@__PURE__*/ $constructor("ZodISODateTime", (inst, def) => {
	$ZodISODateTime.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodISODate = /*@__PURE__*/ $constructor("ZodISODate", (inst, def) => {
	$ZodISODate.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodISOTime = /*@__PURE__*/ $constructor("ZodISOTime", (inst, def) => {
	$ZodISOTime.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodISODuration = /*@__PURE__*/ $constructor("ZodISODuration", (inst, def) => {
	$ZodISODuration.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodEmail = /*@__PURE__*/ $constructor("ZodEmail", (inst, def) => {
	$ZodEmail.init(inst, def);
	ZodStringFormat.init(inst, def);
});
function email(params) {
	return _email(ZodEmail, params);
}
const ZodGUID = /*@__PURE__*/ $constructor("ZodGUID", (inst, def) => {
	$ZodGUID.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodUUID = /*@__PURE__*/ $constructor("ZodUUID", (inst, def) => {
	$ZodUUID.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodURL = /*@__PURE__*/ $constructor("ZodURL", (inst, def) => {
	$ZodURL.init(inst, def);
	ZodStringFormat.init(inst, def);
});
function url(params) {
	return _url(ZodURL, params);
}
const ZodEmoji = /*@__PURE__*/ $constructor("ZodEmoji", (inst, def) => {
	$ZodEmoji.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodNanoID = /*@__PURE__*/ $constructor("ZodNanoID", (inst, def) => {
	$ZodNanoID.init(inst, def);
	ZodStringFormat.init(inst, def);
});
/**
* @deprecated CUID v1 is deprecated by its authors due to information leakage
* (timestamps embedded in the id). Use {@link ZodCUID2} instead.
* See https://github.com/paralleldrive/cuid.
*/
const ZodCUID = /*@__PURE__*/ $constructor("ZodCUID", (inst, def) => {
	$ZodCUID.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodCUID2 = /*@__PURE__*/ $constructor("ZodCUID2", (inst, def) => {
	$ZodCUID2.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodULID = /*@__PURE__*/ $constructor("ZodULID", (inst, def) => {
	$ZodULID.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodXID = /*@__PURE__*/ $constructor("ZodXID", (inst, def) => {
	$ZodXID.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodKSUID = /*@__PURE__*/ $constructor("ZodKSUID", (inst, def) => {
	$ZodKSUID.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodIPv4 = /*@__PURE__*/ $constructor("ZodIPv4", (inst, def) => {
	$ZodIPv4.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodIPv6 = /*@__PURE__*/ $constructor("ZodIPv6", (inst, def) => {
	$ZodIPv6.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodCIDRv4 = /*@__PURE__*/ $constructor("ZodCIDRv4", (inst, def) => {
	$ZodCIDRv4.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodCIDRv6 = /*@__PURE__*/ $constructor("ZodCIDRv6", (inst, def) => {
	$ZodCIDRv6.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodBase64 = /*@__PURE__*/ $constructor("ZodBase64", (inst, def) => {
	$ZodBase64.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodBase64URL = /*@__PURE__*/ $constructor("ZodBase64URL", (inst, def) => {
	$ZodBase64URL.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodE164 = /*@__PURE__*/ $constructor("ZodE164", (inst, def) => {
	$ZodE164.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodJWT = /*@__PURE__*/ $constructor("ZodJWT", (inst, def) => {
	$ZodJWT.init(inst, def);
	ZodStringFormat.init(inst, def);
});
const ZodNumber = /*@__PURE__*/ $constructor("ZodNumber", (inst, def) => {
	$ZodNumber.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => numberProcessor(inst, ctx, json, params);
	inst.isFinite = true;
}, /*@__PURE__*/ derived({
	minValue: (inst) => {
		const { minimum, exclusiveMinimum } = aggregateChecks(inst);
		return Math.max(minimum ?? Number.NEGATIVE_INFINITY, exclusiveMinimum ?? Number.NEGATIVE_INFINITY);
	},
	maxValue: (inst) => {
		const { maximum, exclusiveMaximum } = aggregateChecks(inst);
		return Math.min(maximum ?? Number.POSITIVE_INFINITY, exclusiveMaximum ?? Number.POSITIVE_INFINITY);
	},
	isInt: (inst) => {
		const { isInt, multipleOf } = aggregateChecks(inst);
		return !!isInt || !!multipleOf?.some(Number.isSafeInteger);
	},
	format: (inst) => aggregateChecks(inst).format ?? null
}, {
	gt(value, params) {
		return this.check(_gt(value, params));
	},
	gte(value, params) {
		return this.check(_gte(value, params));
	},
	min(value, params) {
		return this.check(_gte(value, params));
	},
	lt(value, params) {
		return this.check(_lt(value, params));
	},
	lte(value, params) {
		return this.check(_lte(value, params));
	},
	max(value, params) {
		return this.check(_lte(value, params));
	},
	int(params) {
		return this.check(int(params));
	},
	safe(params) {
		return this.check(int(params));
	},
	positive(params) {
		return this.check(_gt(0, params));
	},
	nonnegative(params) {
		return this.check(_gte(0, params));
	},
	negative(params) {
		return this.check(_lt(0, params));
	},
	nonpositive(params) {
		return this.check(_lte(0, params));
	},
	multipleOf(value, params) {
		return this.check(_multipleOf(value, params));
	},
	step(value, params) {
		return this.check(_multipleOf(value, params));
	},
	finite() {
		return this;
	}
}));
function number$1(params) {
	return _number(ZodNumber, params);
}
const ZodNumberFormat = /*@__PURE__*/ $constructor("ZodNumberFormat", (inst, def) => {
	$ZodNumberFormat.init(inst, def);
	ZodNumber.init(inst, def);
});
function int(params) {
	return _int(ZodNumberFormat, params);
}
const ZodBoolean = /*@__PURE__*/ $constructor("ZodBoolean", (inst, def) => {
	$ZodBoolean.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => booleanProcessor(inst, ctx, json, params);
});
function boolean(params) {
	return _boolean(ZodBoolean, params);
}
const ZodUnknown = /*@__PURE__*/ $constructor("ZodUnknown", (inst, def) => {
	$ZodUnknown.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => unknownProcessor(inst, ctx, json, params);
});
function unknown() {
	return _unknown(ZodUnknown);
}
const ZodNever = /*@__PURE__*/ $constructor("ZodNever", (inst, def) => {
	$ZodNever.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => neverProcessor(inst, ctx, json, params);
});
function never(params) {
	return _never(ZodNever, params);
}
const ZodArray = /*@__PURE__*/ $constructor("ZodArray", (inst, def) => {
	_ensureDefaultMemoizer();
	$ZodArray.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => arrayProcessor(inst, ctx, json, params);
	inst.element = def.element;
}, {
	min(n, params) {
		return this.check(_minLength(n, params));
	},
	nonempty(params) {
		return this.check(_minLength(1, params));
	},
	max(n, params) {
		return this.check(_maxLength(n, params));
	},
	length(n, params) {
		return this.check(_length(n, params));
	},
	unwrap() {
		return this.element;
	}
});
function array(element, params) {
	return _array(ZodArray, element, params);
}
const ZodObject = /*@__PURE__*/ $constructor("ZodObject", (inst, def) => {
	_ensureDefaultMemoizer();
	$ZodObjectJIT.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => objectProcessor(inst, ctx, json, params);
	installLazyProp(inst, "shape", (self) => self._zod.def.shape, false);
}, {
	keyof() {
		return _enum(Object.keys(this._zod.def.shape));
	},
	catchall(catchall) {
		return this.clone(mergeDefs(this._zod.def, { catchall }));
	},
	passthrough() {
		return this.clone(mergeDefs(this._zod.def, { catchall: unknown() }));
	},
	loose() {
		return this.clone(mergeDefs(this._zod.def, { catchall: unknown() }));
	},
	strict() {
		return this.clone(mergeDefs(this._zod.def, { catchall: never() }));
	},
	strip() {
		return this.clone(mergeDefs(this._zod.def, { catchall: void 0 }));
	},
	extend(incoming) {
		return extend(this, incoming);
	},
	safeExtend(incoming) {
		return safeExtend(this, incoming);
	},
	merge(other) {
		return merge(this, other);
	},
	pick(mask) {
		return pick(this, mask);
	},
	omit(mask) {
		return omit(this, mask);
	},
	partial(...args) {
		return partial(ZodOptional, this, args[0]);
	},
	exactPartial(...args) {
		return partial(ZodExactOptional, this, args[0], "exactPartial");
	},
	required(...args) {
		return required(ZodNonOptional, this, args[0]);
	}
});
function object(shape, params) {
	const def = {
		type: "object",
		shape: shape ?? {},
		...normalizeParams(params)
	};
	return new ZodObject(def);
}
const ZodUnion = /*@__PURE__*/ $constructor("ZodUnion", (inst, def) => {
	$ZodUnion.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => unionProcessor(inst, ctx, json, params);
	inst.options = def.options;
});
function union(options, params) {
	return new ZodUnion({
		type: "union",
		options,
		...normalizeParams(params)
	});
}
const ZodIntersection = /*@__PURE__*/ $constructor("ZodIntersection", (inst, def) => {
	$ZodIntersection.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => intersectionProcessor(inst, ctx, json, params);
});
function intersection(left, right) {
	return new ZodIntersection({
		type: "intersection",
		left,
		right
	});
}
const ZodRecord = /*@__PURE__*/ $constructor("ZodRecord", (inst, def) => {
	_ensureDefaultMemoizer();
	$ZodRecord.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => recordProcessor(inst, ctx, json, params);
	inst.keyType = def.keyType;
	inst.valueType = def.valueType;
});
function record(keyType, valueType, params) {
	if (!valueType || !valueType._zod) return new ZodRecord({
		type: "record",
		keyType: string(),
		valueType: keyType,
		...normalizeParams(valueType)
	});
	return new ZodRecord({
		type: "record",
		keyType,
		valueType,
		...normalizeParams(params)
	});
}
const ZodEnum = /*@__PURE__*/ $constructor("ZodEnum", (inst, def) => {
	$ZodEnum.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => enumProcessor(inst, ctx, json, params);
	inst.enum = def.entries;
	inst.options = [...inst._zod.values];
	const keys = new Set(Object.keys(def.entries));
	inst.extract = (values, params) => {
		const newEntries = {};
		for (const value of values) if (keys.has(value)) newEntries[value] = def.entries[value];
		else throw new Error(`Key ${value} not found in enum`);
		return new ZodEnum({
			...def,
			checks: [],
			...normalizeParams(params),
			entries: newEntries
		});
	};
	inst.exclude = (values, params) => {
		const newEntries = { ...def.entries };
		for (const value of values) if (keys.has(value)) delete newEntries[value];
		else throw new Error(`Key ${value} not found in enum`);
		return new ZodEnum({
			...def,
			checks: [],
			...normalizeParams(params),
			entries: newEntries
		});
	};
});
function _enum(values, params) {
	const entries = Array.isArray(values) ? Object.fromEntries(values.map((v) => [v, v])) : values;
	return new ZodEnum({
		type: "enum",
		entries,
		...normalizeParams(params)
	});
}
const ZodLiteral = /*@__PURE__*/ $constructor("ZodLiteral", (inst, def) => {
	$ZodLiteral.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => literalProcessor(inst, ctx, json, params);
	inst.values = new Set(def.values);
	Object.defineProperty(inst, "value", { get() {
		if (def.values.length > 1) throw new Error("This schema contains multiple valid literal values. Use `.values` instead.");
		return def.values[0];
	} });
});
function literal(value, params) {
	return new ZodLiteral({
		type: "literal",
		values: Array.isArray(value) ? value : [value],
		...normalizeParams(params)
	});
}
const ZodTransform = /*@__PURE__*/ $constructor("ZodTransform", (inst, def) => {
	_ensureDefaultMemoizer();
	$ZodTransform.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => transformProcessor(inst, ctx, json, params);
	inst._zod.parse = (payload, _ctx) => {
		if (_ctx.direction === "backward") throw new $ZodEncodeError(inst.constructor.name);
		payload.addIssue = (issue$1) => {
			if (typeof issue$1 === "string") payload.issues.push(issue(issue$1, payload.value, def));
			else {
				const _issue = issue$1;
				if (_issue.fatal) _issue.continue = false;
				_issue.code ?? (_issue.code = "custom");
				if (!("input" in _issue)) _issue.input = payload.value;
				_issue.inst ?? (_issue.inst = inst);
				payload.issues.push(issue(_issue));
			}
		};
		const output = def.transform(payload.value, payload);
		if (output instanceof Promise) return output.then((output) => {
			payload.value = output;
			return payload;
		});
		payload.value = output;
		return payload;
	};
});
function transform(fn) {
	return new ZodTransform({
		type: "transform",
		transform: fn
	});
}
const ZodOptional = /*@__PURE__*/ $constructor("ZodOptional", (inst, def) => {
	$ZodOptional.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => optionalProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
});
function optional(innerType) {
	return new ZodOptional({
		type: "optional",
		innerType
	});
}
const ZodExactOptional = /*@__PURE__*/ $constructor("ZodExactOptional", (inst, def) => {
	$ZodExactOptional.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => optionalProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
});
function exactOptional(innerType) {
	return new ZodExactOptional({
		type: "optional",
		innerType
	});
}
const ZodNullable = /*@__PURE__*/ $constructor("ZodNullable", (inst, def) => {
	$ZodNullable.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => nullableProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
});
function nullable(innerType) {
	return new ZodNullable({
		type: "nullable",
		innerType
	});
}
const ZodDefault = /*@__PURE__*/ $constructor("ZodDefault", (inst, def) => {
	$ZodDefault.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => defaultProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
	inst.removeDefault = inst.unwrap;
});
function _default(innerType, defaultValue) {
	return new ZodDefault({
		type: "default",
		innerType,
		get defaultValue() {
			return typeof defaultValue === "function" ? defaultValue() : shallowClone(defaultValue);
		}
	});
}
const ZodPrefault = /*@__PURE__*/ $constructor("ZodPrefault", (inst, def) => {
	$ZodPrefault.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => prefaultProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
});
function prefault(innerType, defaultValue) {
	return new ZodPrefault({
		type: "prefault",
		innerType,
		get defaultValue() {
			return typeof defaultValue === "function" ? defaultValue() : shallowClone(defaultValue);
		}
	});
}
const ZodNonOptional = /*@__PURE__*/ $constructor("ZodNonOptional", (inst, def) => {
	$ZodNonOptional.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => nonoptionalProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
});
function nonoptional(innerType, params) {
	return new ZodNonOptional({
		type: "nonoptional",
		innerType,
		...normalizeParams(params)
	});
}
const ZodCatch = /*@__PURE__*/ $constructor("ZodCatch", (inst, def) => {
	$ZodCatch.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => catchProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
	inst.removeCatch = inst.unwrap;
});
function _catch(innerType, catchValue) {
	return new ZodCatch({
		type: "catch",
		innerType,
		catchValue: typeof catchValue === "function" ? catchValue : constantCatch(catchValue)
	});
}
const ZodPipe = /*@__PURE__*/ $constructor("ZodPipe", (inst, def) => {
	$ZodPipe.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => pipeProcessor(inst, ctx, json, params);
	inst.in = def.in;
	inst.out = def.out;
});
function pipe(in_, out) {
	return new ZodPipe({
		type: "pipe",
		in: in_,
		out
	});
}
const ZodReadonly = /*@__PURE__*/ $constructor("ZodReadonly", (inst, def) => {
	$ZodReadonly.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => readonlyProcessor(inst, ctx, json, params);
	inst.unwrap = () => inst._zod.def.innerType;
});
function readonly(innerType) {
	return new ZodReadonly({
		type: "readonly",
		innerType
	});
}
const ZodCustom = /*@__PURE__*/ $constructor("ZodCustom", (inst, def) => {
	$ZodCustom.init(inst, def);
	ZodType.init(inst, def);
	inst._zod.processJSONSchema = (ctx, json, params) => customProcessor(inst, ctx, json, params);
});
function refine(fn, _params = {}) {
	return _refine(ZodCustom, fn, _params);
}
function superRefine(fn, params) {
	return _superRefine(fn, params);
}

// servers/crm/node_modules/zod/v4/classic/iso.js
function datetime(params) {
	return _isoDateTime(ZodISODateTime, params);
}

// servers/crm/node_modules/zod/v4/classic/coerce.js
function number(params) {
	return _coercedNumber(ZodNumber, params);
}

// packages/core/dist/money.js
/**
* Money across currencies: ISO 4217 minor-unit exponents from one table (never an assumed 2), and
* the one form every per-currency threshold setting takes: `USD:20000,EUR:20000,JPY:30000`, an
* ISO 4217 code and an amount in that currency's minor units, comma separated. A currency without
* an entry has no threshold: writes in it are refused with an error naming the setting.
*/
/**
* Minor-unit exponents (ISO 4217 list one, "minor unit" column) for the currencies in common use.
* Codes absent here are unknown: a threshold table naming one is refused at start-up.
*/
const CURRENCY_EXPONENTS = Object.freeze({
	BIF: 0,
	CLP: 0,
	DJF: 0,
	GNF: 0,
	ISK: 0,
	JPY: 0,
	KMF: 0,
	KRW: 0,
	PYG: 0,
	RWF: 0,
	UGX: 0,
	UYI: 0,
	VND: 0,
	VUV: 0,
	XAF: 0,
	XOF: 0,
	XPF: 0,
	BHD: 3,
	IQD: 3,
	JOD: 3,
	KWD: 3,
	LYD: 3,
	OMR: 3,
	TND: 3,
	CLF: 4,
	UYW: 4,
	AED: 2,
	ARS: 2,
	AUD: 2,
	BDT: 2,
	BGN: 2,
	BRL: 2,
	CAD: 2,
	CHF: 2,
	CNY: 2,
	COP: 2,
	CZK: 2,
	DKK: 2,
	EGP: 2,
	EUR: 2,
	GBP: 2,
	HKD: 2,
	HUF: 2,
	IDR: 2,
	ILS: 2,
	INR: 2,
	KES: 2,
	MAD: 2,
	MXN: 2,
	MYR: 2,
	NGN: 2,
	NOK: 2,
	NZD: 2,
	PEN: 2,
	PHP: 2,
	PKR: 2,
	PLN: 2,
	QAR: 2,
	RON: 2,
	RSD: 2,
	RUB: 2,
	SAR: 2,
	SEK: 2,
	SGD: 2,
	THB: 2,
	TRY: 2,
	TWD: 2,
	UAH: 2,
	USD: 2,
	ZAR: 2
});
/** The exponent of an ISO 4217 code (any case), or null when the table does not know it. */
function minorUnitExponent(currency) {
	return CURRENCY_EXPONENTS[currency.toUpperCase()] ?? null;
}
/** Whole units of a currency (as a CRM stores deal amounts) in its minor units. */
function toMinorUnits(amountMajor, currency) {
	const exp = minorUnitExponent(currency);
	return exp === null ? null : amountMajor * 10 ** exp;
}
/** Parses `USD:20000,EUR:20000,JPY:30000`; throws an Error whose message says what is wrong. */
function parseMoneyTable(text) {
	const out = {};
	const entries = text.split(",").map((s) => s.trim()).filter(Boolean);
	if (entries.length === 0) throw new Error("at least one entry, e.g. USD:20000");
	for (const entry of entries) {
		const m = /^([A-Za-z]{3}):(\d{1,15})$/.exec(entry);
		if (!m) throw new Error(`"${entry}" is not CODE:MINOR_UNITS (e.g. USD:20000)`);
		const code = m[1].toUpperCase();
		if (minorUnitExponent(code) === null) throw new Error(`${code} is not a known ISO 4217 currency`);
		if (code in out) throw new Error(`${code} is listed twice`);
		out[code] = Number(m[2]);
	}
	return Object.freeze(out);
}
/** A typed setting holding a money table (for a server's config schema); `fallback` is its default text. */
function moneyTableSetting(fallback) {
	return string$1().default(fallback).transform((text, ctx) => {
		try {
			return parseMoneyTable(text);
		} catch (err) {
			ctx.addIssue({
				code: "custom",
				message: `${err.message}; the form is CODE:MINOR_UNITS,... e.g. USD:20000,EUR:20000,JPY:30000`
			});
			return NEVER;
		}
	});
}
/**
* The table's amount for a currency, or a validation error naming the setting: a write in a
* currency nobody configured a limit for is refused rather than treated as unlimited (or as USD).
*/
function amountFor(table, currency, setting) {
	const code = currency.toUpperCase();
	const v = table[code];
	if (v !== void 0) return v;
	throw new PortcullisError({
		code: "currency_not_configured",
		category: "validation",
		message: `No ${setting} entry for ${code}: writes in ${code} are refused until one is configured.`,
		remediation: `Ask an operator to add ${code}:<amount in minor units> to ${setting}.`,
		retryable: false,
		details: {
			currency: code,
			setting
		}
	});
}

// servers/crm/dist/domain.js
/**
* The CRM's record types as the tools and both backends see them. Backends translate their own
* storage (SQL rows, HubSpot objects) into these shapes, so tools never know which one runs.
*/
const STAGES = [
	"prospecting",
	"qualification",
	"proposal",
	"negotiation",
	"closed_won",
	"closed_lost"
];
const OPEN_STAGES = [
	"prospecting",
	"qualification",
	"proposal",
	"negotiation"
];
/**
* Legal moves of an opportunity: forward one step at a time, lost from any open stage, and
* closed stages are final (reopening a closed deal is an operator decision, not an agent's).
*/
const STAGE_TRANSITIONS = {
	prospecting: ["qualification", "closed_lost"],
	qualification: ["proposal", "closed_lost"],
	proposal: ["negotiation", "closed_lost"],
	negotiation: ["closed_won", "closed_lost"],
	closed_won: [],
	closed_lost: []
};
function isOpenStage(stage) {
	return OPEN_STAGES.includes(stage);
}
const ACTIVITY_TYPES = [
	"call",
	"email",
	"meeting",
	"note",
	"task"
];
const INDUSTRIES = [
	"software",
	"manufacturing",
	"healthcare",
	"finance",
	"retail",
	"energy",
	"education",
	"logistics",
	"media",
	"telecom"
];
const REGIONS = [
	"na",
	"emea",
	"apac",
	"latam"
];

// servers/crm/dist/config.js
/** `a=1,b=2` → { a: '1', b: '2' }; used by the HubSpot id mappings. */
const mapping = (what) => string().regex(/^\s*[^=,\s]+\s*=\s*[^=,\s]+\s*(,\s*[^=,\s]+\s*=\s*[^=,\s]+\s*)*$/, `a comma-separated list of ${what}, e.g. alice=12345,bob=67890`).transform((s) => Object.fromEntries(s.split(",").map((pair) => pair.split("=").map((x) => x.trim()))));
const credentialRef = string().regex(/^(env:|file:|aws-sm:)\S+$/, "a credential reference: env:NAME, file:/path or aws-sm:secret-id[#json-key]");
const LOCAL_HOSTS = [
	"127.0.0.1",
	"localhost",
	"[::1]",
	"::1"
];
/** `Name <address>` or a bare address, on one line: it becomes the From header. */
const fromAddress = string().max(200).regex(/^(?:[^\r\n<>"]{1,100} <[^\s<>@]+@[A-Za-z0-9.-]+>|[^\s<>@]+@[A-Za-z0-9.-]+)$/, "an address, optionally with a display name: \"Acme Support <support@acme.example>\"");
const positiveInt = (max) => number().int().min(0).max(max);
const stageMapping = mapping("crm_stage=hubspot_stage_id pairs").refine((m) => Object.keys(m).every((k) => STAGES.includes(k)), `keys must be CRM stages (${STAGES.join(", ")})`);
/** 100,000.00 in USD, EUR and GBP: the large-deal rule's default. */
const DEFAULT_LARGE_DEAL_THRESHOLD = "USD:10000000,EUR:10000000,GBP:10000000";
/**
* The CRM server's own settings (docs/architecture.md section 6), validated at start: a bad value stops the
* server with a message naming the variable.
*/
const configSchema = object({
	CRM_BACKEND: _enum(["embedded", "hubspot"]).default("embedded"),
	/**
	* Per currency, minor units (CODE:MINOR_UNITS,...): closing a deal of at least this much as won
	* needs a manager or admin. A currency without an entry is refused for opportunity writes.
	*/
	CRM_LARGE_DEAL_THRESHOLD: moneyTableSetting(DEFAULT_LARGE_DEAL_THRESHOLD),
	CRM_SEED: _enum(["demo", "none"]).optional(),
	CRM_HUBSPOT_TOKEN: string().regex(/^(env:|file:|aws-sm:)\S+$/, "a credential reference: env:NAME, file:/path or aws-sm:secret-id[#json-key]").optional(),
	CRM_HUBSPOT_BASE_URL: url().default("https://api.hubapi.com").refine((u) => {
		const url = new URL(u);
		return url.protocol === "https:" || url.protocol === "http:" && [
			"127.0.0.1",
			"localhost",
			"[::1]"
		].includes(url.hostname);
	}, "must be https (http only for 127.0.0.1 or localhost)"),
	CRM_HUBSPOT_TENANT: string().regex(/^[A-Za-z0-9._-]{1,64}$/, "a tenant id").optional(),
	CRM_HUBSPOT_OWNER_MAP: mapping("owner_id=hubspot_owner_id pairs").optional(),
	CRM_HUBSPOT_TEAM_MAP: mapping("team=hubspot_team_id pairs").optional(),
	CRM_HUBSPOT_STAGE_MAP: stageMapping.optional(),
	CRM_HUBSPOT_PIPELINE: string().min(1).max(100).default("default"),
	CRM_HUBSPOT_REGION_PROPERTY: string().regex(/^[a-z0-9_]{1,100}$/, "a HubSpot property name").default("portcullis_region"),
	CRM_HUBSPOT_BILLING_CUSTOMER_PROPERTY: string().regex(/^[a-z0-9_]{1,100}$/, "a HubSpot property name").default("billing_customer_id"),
	CRM_HUBSPOT_EMAIL_SUBSCRIPTION_ID: string().regex(/^[0-9]{1,20}$/, "a HubSpot subscription type id (digits)").optional(),
	CRM_EMAIL_TRANSPORT: _enum([
		"file",
		"smtp",
		"ses"
	]).default("file"),
	CRM_EMAIL_FROM: fromAddress.default("Portcullis CRM <crm@portcullis.localhost>"),
	CRM_EMAIL_TEMPLATE_DIR: string().min(1).optional(),
	CRM_EMAIL_DAILY_SEND_BUDGET: positiveInt(1e5).default(50),
	CRM_EMAIL_CONTACT_DAILY_LIMIT: positiveInt(1e3).default(2),
	CRM_SMTP_HOST: string().regex(/^[A-Za-z0-9.-]{1,253}$|^\[?[0-9a-fA-F:.]+\]?$/, "a host name or IP address").optional(),
	CRM_SMTP_PORT: number().int().min(1).max(65535).default(587),
	CRM_SMTP_SECURITY: _enum([
		"starttls",
		"tls",
		"none"
	]).default("starttls"),
	CRM_SMTP_USER: string().min(1).max(200).optional(),
	CRM_SMTP_PASSWORD: credentialRef.optional(),
	CRM_SMTP_CA_FILE: string().min(1).optional(),
	CRM_SES_REGION: string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region, e.g. eu-west-1").optional(),
	CRM_SES_ENDPOINT: url().refine((u) => {
		const url = new URL(u);
		return url.protocol === "https:" || url.protocol === "http:" && LOCAL_HOSTS.includes(url.hostname);
	}, "must be https (http only for 127.0.0.1 or localhost)").optional(),
	CRM_SES_CONFIGURATION_SET: string().min(1).max(64).optional(),
	CRM_SES_ACCESS_KEY_ID: credentialRef.optional(),
	CRM_SES_SECRET_ACCESS_KEY: credentialRef.optional()
}).superRefine((c, ctx) => {
	const need = (key, message) => ctx.addIssue({
		code: "custom",
		path: [key],
		message
	});
	if (c.CRM_EMAIL_TRANSPORT === "smtp") {
		if (c.CRM_SMTP_HOST === void 0) need("CRM_SMTP_HOST", "is required when CRM_EMAIL_TRANSPORT=smtp");
		else if (c.CRM_SMTP_SECURITY === "none" && !LOCAL_HOSTS.includes(c.CRM_SMTP_HOST)) need("CRM_SMTP_SECURITY", "none (no TLS) is allowed only for a relay on 127.0.0.1 or localhost");
		if (c.CRM_SMTP_USER === void 0 !== (c.CRM_SMTP_PASSWORD === void 0)) need("CRM_SMTP_PASSWORD", "CRM_SMTP_USER and CRM_SMTP_PASSWORD go together (or neither)");
	}
	if (c.CRM_EMAIL_TRANSPORT === "ses") {
		if (c.CRM_SES_REGION === void 0) need("CRM_SES_REGION", "is required when CRM_EMAIL_TRANSPORT=ses");
		if (c.CRM_SES_ACCESS_KEY_ID === void 0 !== (c.CRM_SES_SECRET_ACCESS_KEY === void 0)) need("CRM_SES_SECRET_ACCESS_KEY", "CRM_SES_ACCESS_KEY_ID and CRM_SES_SECRET_ACCESS_KEY go together (or neither, for the default AWS credential chain)");
	}
	if (c.CRM_BACKEND !== "hubspot") return;
	if (c.CRM_HUBSPOT_TOKEN === void 0) ctx.addIssue({
		code: "custom",
		path: ["CRM_HUBSPOT_TOKEN"],
		message: "is required when CRM_BACKEND=hubspot (a credential reference such as aws-sm:crm/hubspot#token)"
	});
	if (c.CRM_HUBSPOT_TENANT === void 0) ctx.addIssue({
		code: "custom",
		path: ["CRM_HUBSPOT_TENANT"],
		message: "is required when CRM_BACKEND=hubspot (the tenant whose HubSpot portal this is)"
	});
});
function stageMap(c) {
	return c.CRM_HUBSPOT_STAGE_MAP ?? {};
}
/** Whether the embedded store gets the demo data: CRM_SEED, else none in production, demo elsewhere. */
function crmSeedFor(config, env) {
	return config.CRM_SEED ?? (/^production$/i.test(env.NODE_ENV ?? "") ? "none" : "demo");
}

// packages/core/dist/idempotency.js
/**
* The idempotency ledger (docs/architecture.md section 3, item 7): one table in the kit store,
* one row per (tenant, principal, tool, key) holding the canonical hash of the first call's
* arguments and, once done, its result. A repeat with the same key and arguments answers the
* first result and acts nothing again; the same key with other arguments is a conflict
* (`idempotency_key_reused`). Every call takes the Queryable to use, so a server reserves,
* writes and completes inside its own transaction: the record and the ledger entry commit
* together or not at all.
*/
const idempotencyMigrations = [{
	id: "0001_idempotency",
	sql: `
CREATE TABLE IF NOT EXISTS portcullis_idempotency (
  tenant text NOT NULL,
  principal text NOT NULL,
  tool text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  data jsonb,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, principal, tool, key)
);
CREATE INDEX IF NOT EXISTS portcullis_idempotency_created ON portcullis_idempotency (tool, created_at);
`
}];
function idempotencyKeyReused() {
	return new PortcullisError({
		code: "idempotency_key_reused",
		category: "conflict",
		message: "This idempotency_key was already used for a call with different arguments.",
		remediation: "Use a new idempotency_key for a different request, or repeat the original arguments exactly to get the original result."
	});
}
function idempotencyInProgress() {
	return new PortcullisError({
		code: "idempotency_in_progress",
		category: "conflict",
		message: "A call with this idempotency_key is still in progress.",
		retryable: true,
		retryAfterMs: 1e3,
		remediation: "Retry the same call shortly; it will return the result of the call in progress."
	});
}
/** The hash two calls must share to be "the same request". */
function requestHash(args) {
	return canonicalHash(args);
}
var IdempotencyLedger = class IdempotencyLedger {
	retentionHours;
	abandonedAfterSeconds;
	constructor(opts) {
		this.retentionHours = opts.retentionHours === void 0 ? 24 : opts.retentionHours;
		this.abandonedAfterSeconds = opts.abandonedAfterSeconds ?? 300;
	}
	/** Creates the ledger table if needed (a kit migration) and returns a ledger over it. */
	static async open(store, opts = {}) {
		await migrate(store, "core-idempotency", idempotencyMigrations);
		return new IdempotencyLedger(opts);
	}
	/**
	* Claims the key for these arguments, or reports what an earlier call left. Inside a
	* transaction the row is locked until it ends, so concurrent calls with one key serialise.
	* `data` is kept with a new claim (e.g. what a pending call reserved) and returned while pending.
	*/
	async claim(q, scope, args, data) {
		const hash = requestHash(args);
		if (this.retentionHours !== null) await q.query(`DELETE FROM portcullis_idempotency WHERE tool = $1 AND created_at < now() - make_interval(hours => $2)`, [scope.tool, this.retentionHours]);
		if ((await q.query(`INSERT INTO portcullis_idempotency (tenant, principal, tool, key, request_hash, state, data)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6::jsonb)
       ON CONFLICT (tenant, principal, tool, key) DO NOTHING RETURNING key`, [
			scope.tenant,
			scope.principal,
			scope.tool,
			scope.key,
			hash,
			data === void 0 ? null : JSON.stringify(data)
		])).rowCount > 0) return { state: "new" };
		const row = (await q.query(`SELECT request_hash, state, data, result,
              created_at < now() - make_interval(secs => $5) AS abandoned
         FROM portcullis_idempotency
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4
          FOR UPDATE`, [
			scope.tenant,
			scope.principal,
			scope.tool,
			scope.key,
			this.abandonedAfterSeconds
		])).rows[0];
		if (row === void 0) throw idempotencyInProgress();
		if (row.request_hash !== hash) throw idempotencyKeyReused();
		if (row.state === "done") return {
			state: "replay",
			result: row.result
		};
		return {
			state: "pending",
			data: row.data,
			abandoned: row.abandoned
		};
	}
	/**
	* Claim for callers with no use for a pending entry: an abandoned one is taken over (its
	* process died mid-call), a live one answers `idempotency_in_progress` (retryable).
	*/
	async reserve(q, scope, args) {
		const c = await this.claim(q, scope, args);
		if (c.state !== "pending") return c;
		if (!c.abandoned) throw idempotencyInProgress();
		await q.query(`UPDATE portcullis_idempotency SET created_at = now()
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4`, [
			scope.tenant,
			scope.principal,
			scope.tool,
			scope.key
		]);
		return { state: "new" };
	}
	/** Records the result a replay answers with. */
	async complete(q, scope, result) {
		await q.query(`UPDATE portcullis_idempotency SET state = 'done', result = $5::jsonb
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4`, [
			scope.tenant,
			scope.principal,
			scope.tool,
			scope.key,
			JSON.stringify(result ?? null)
		]);
	}
	/** Forgets a pending claim whose call definitely did not act, so the same key may be used again. */
	async release(q, scope) {
		await q.query(`DELETE FROM portcullis_idempotency
        WHERE tenant = $1 AND principal = $2 AND tool = $3 AND key = $4 AND state = 'pending'`, [
			scope.tenant,
			scope.principal,
			scope.tool,
			scope.key
		]);
	}
	/**
	* The whole pattern in one transaction: reserve, run `fn` with the transaction, record its
	* result. Without a key `fn` simply runs. A throw rolls back the write and the claim together.
	*/
	async once(store, scope, args, fn) {
		return store.transaction(async (tx) => {
			if (scope !== null) {
				const r = await this.reserve(tx, scope, args);
				if (r.state === "replay") return {
					result: r.result,
					replayed: true
				};
			}
			const result = await fn(tx);
			if (scope !== null) await this.complete(tx, scope, result);
			return {
				result,
				replayed: false
			};
		});
	}
};

// packages/core/dist/paging.js
/**
* Paging shared by every server: the request and page shapes backends speak, and the one cap on
* page size. Cursors themselves are opaque and signed (`@portcullis/core/cursor`).
*/
/** Largest page any list or search returns, whatever the caller asks for. */
const MAX_PAGE_SIZE = 100;
/** The page size when the caller names none (a server may choose a smaller default). */
const DEFAULT_PAGE_SIZE = 25;
/** The limit a backend actually uses: 1..MAX_PAGE_SIZE, whatever was asked. */
function clampLimit(page) {
	if (!Number.isFinite(page.limit)) return 100;
	return Math.min(100, Math.max(1, Math.floor(page.limit)));
}
/** A tool's page request from its `cursor` and `limit` arguments, bound to the calling principal. */
function pageRequest(args, principal) {
	return {
		cursor: args.cursor ?? null,
		limit: args.limit,
		principal: principal.id
	};
}
/** The `cursor` argument of every paged tool: the previous page's `next_cursor`, unchanged. */
const cursorField = string$1().min(1).max(2048).optional().describe("Opaque next_cursor from the previous page of the same search. Omit it for the first page; never edit it.");
/** The `limit` argument of every paged tool: 1..MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when omitted. */
const limitField = number$3().int().min(1).max(100).default(25).describe(`Records per page, 1 to ${100} (default ${25}).`);

// servers/crm/dist/backend-common.js
/**
* Search words: letters and digits only, lower-cased, at most `max` of them. Both backends match a
* word against the start of a word in the field (HubSpot's CONTAINS_TOKEN with a trailing `*`),
* so the same query finds the same records whichever backend runs.
*/
function queryTokens(query, max) {
	if (query === void 0) return [];
	return query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0).slice(0, max);
}
function staleVersion(kind, id, expected, current, getTool) {
	return errors.conflict("stale_version", `${kind} ${id} was changed since it was read (version ${expected} given, current version is ${current}).`, `Read it again with ${getTool}, re-apply the change to the current values, and retry with the current version.`, { current_version: current });
}
function illegalTransition(id, from, to) {
	const legal = STAGE_TRANSITIONS[from];
	return errors.conflict("illegal_stage_transition", `Opportunity ${id} cannot move from ${from} to ${to}.`, legal.length > 0 ? `Legal next stages from ${from}: ${legal.join(", ")}.` : `${from} is a closed stage and is final; no further stage changes are possible.`, {
		current_stage: from,
		legal_next_stages: [...legal]
	});
}
function unknownOwner(ownerId) {
	return errors.validation(`${ownerId} is not a CRM owner in your tenant.`, "Give owner_id of an existing CRM owner (for example the owner_id of a record you read), or omit it to own the record yourself.");
}
function checkTransition(id, from, to) {
	if (!STAGE_TRANSITIONS[from].includes(to)) throw illegalTransition(id, from, to);
}
/**
* An activity may name an account, a contact and an opportunity; whichever are given must belong
* to one account, which the activity is then filed under.
*/
function activityAccount(initial) {
	let accountId = initial;
	return {
		get accountId() {
			return accountId;
		},
		link(found, what) {
			if (found === null) return;
			if (accountId !== null && accountId !== found) throw errors.validation(`The ${what} belongs to account ${found}, not ${accountId}.`, "Give targets of the same account, or only one target.");
			accountId = found;
		}
	};
}

// servers/crm/dist/seed.js
function owner(id, name, team, domain, role) {
	return {
		id,
		name,
		team,
		email: `${id}@${domain}`,
		role
	};
}
const DEMO_TENANTS = {
	acme: {
		domain: "acme.example",
		teams: [{
			id: "east",
			name: "East",
			manager_id: "carol"
		}, {
			id: "west",
			name: "West",
			manager_id: "dave"
		}],
		owners: [
			owner("alice", "Alice Archer", "east", "acme.example", "rep"),
			owner("bob", "Bob Baker", "west", "acme.example", "rep"),
			owner("carol", "Carol Chen", "east", "acme.example", "manager"),
			owner("dave", "Dave Dunn", "west", "acme.example", "manager"),
			owner("erin", "Erin Evans", "east", "acme.example", "rep"),
			owner("frank", "Frank Fischer", "west", "acme.example", "rep")
		],
		accounts: 150
	},
	globex: {
		domain: "globex.example",
		teams: [{
			id: "north",
			name: "North",
			manager_id: "ivan"
		}, {
			id: "south",
			name: "South",
			manager_id: "judy"
		}],
		owners: [
			owner("grace", "Grace Green", "north", "globex.example", "rep"),
			owner("heidi", "Heidi Hall", "south", "globex.example", "rep"),
			owner("ivan", "Ivan Ivanov", "north", "globex.example", "manager"),
			owner("judy", "Judy Jones", "south", "globex.example", "manager")
		],
		accounts: 100
	}
};
const ADJECTIVES = [
	"Northwind",
	"Bluebird",
	"Summit",
	"Granite",
	"Silverline",
	"Redwood",
	"Harbor",
	"Cobalt",
	"Evergreen",
	"Ironclad",
	"Brightwater",
	"Stonebridge",
	"Clearview",
	"Oakridge",
	"Pioneer",
	"Sterling",
	"Crescent",
	"Falcon",
	"Meridian",
	"Vertex"
];
const NOUNS = [
	"Systems",
	"Labs",
	"Works",
	"Dynamics",
	"Partners",
	"Networks",
	"Foods",
	"Health",
	"Energy",
	"Logistics",
	"Media",
	"Capital"
];
const SUFFIXES = [
	"Inc",
	"Ltd",
	"GmbH",
	"LLC",
	"SA",
	"Group"
];
const FIRST_NAMES = [
	"Ada",
	"Ben",
	"Chloe",
	"Diego",
	"Elena",
	"Felix",
	"Greta",
	"Hiro",
	"Ines",
	"Jonas",
	"Kara",
	"Liam",
	"Maya",
	"Nils",
	"Olga",
	"Priya",
	"Quinn",
	"Rosa",
	"Sven",
	"Tara",
	"Umar",
	"Vera",
	"Wes",
	"Xena",
	"Yusuf",
	"Zoe"
];
const LAST_NAMES = [
	"Abbott",
	"Becker",
	"Castro",
	"Dubois",
	"Eriksen",
	"Fontaine",
	"Garcia",
	"Hansen",
	"Ivanova",
	"Jensen",
	"Kowalski",
	"Larsen",
	"Moreau",
	"Nakamura",
	"Okafor",
	"Petrov",
	"Quintero",
	"Rossi",
	"Schmidt",
	"Tanaka",
	"Usman",
	"Varga",
	"Weber",
	"Yilmaz",
	"Zimmer"
];
const TITLES = [
	"CEO",
	"CFO",
	"CTO",
	"VP Sales",
	"Head of Procurement",
	"IT Director",
	"Operations Manager",
	"Buyer",
	"Engineer",
	null
];
const DEAL_KINDS = [
	"Platform renewal",
	"Expansion",
	"Pilot",
	"Support upgrade",
	"Migration",
	"Enterprise licence",
	"Training"
];
const SUBJECTS = {
	call: [
		"Discovery call",
		"Pricing call",
		"Check-in call"
	],
	email: [
		"Sent proposal",
		"Follow-up email",
		"Sent case study"
	],
	meeting: [
		"On-site demo",
		"Executive meeting",
		"Technical workshop"
	],
	note: [
		"Budget confirmed",
		"Competitor in play",
		"Champion identified"
	],
	task: [
		"Prepare quote",
		"Send contract",
		"Schedule review"
	]
};
/** mulberry32: tiny, fast and good enough for demo data; seeded from the tenant name. */
function prng(seed) {
	let a = createHash("sha256").update(seed).digest().readUInt32LE(0);
	return () => {
		a = a + 1831565813 | 0;
		let t = a;
		t = Math.imul(t ^ t >>> 15, t | 1);
		t ^= t + Math.imul(t ^ t >>> 7, t | 61);
		return ((t ^ t >>> 14) >>> 0) / 4294967296;
	};
}
function seedId(prefix, tenant, n) {
	return `${prefix}_${createHash("sha256").update(`${tenant}:${prefix}:${n}`).digest("hex").slice(0, 16)}`;
}
/**
* The demo link to billing: every sixth contact (numbers 0, 6, 12 ...) is the contact of one
* billing customer, `cus_<tenant>_0001` onwards, for as many customers as the billing demo data
* has per tenant. The billing seed computes the same pairs from the other side (contact ids are
* `con_` + sha256("<tenant>:con:<n>")), and test/billing-link.test.ts checks both agree.
*/
const BILLING_LINK_STRIDE = 6;
const BILLING_CUSTOMERS = {
	acme: 12,
	globex: 8
};
function billingCustomerOf(tenant, contactN) {
	if (contactN % 6 !== 0) return null;
	const i = contactN / 6 + 1;
	return i <= (BILLING_CUSTOMERS[tenant] ?? 0) ? `cus_${tenant}_${String(i).padStart(4, "0")}` : null;
}
const DAY = 864e5;
const BASE = Date.UTC(2025, 0, 6);
function generateSeed(tenant, opts = {}) {
	const spec = DEMO_TENANTS[tenant];
	if (spec === void 0) throw new Error(`No demo data for tenant ${tenant}`);
	const rnd = prng(tenant);
	const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
	const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
	const reps = spec.owners;
	const teamOf = new Map(spec.owners.map((o) => [o.id, o.team]));
	const accounts = [];
	const contacts = [];
	const opportunities = [];
	const activities = [];
	const usedNames = /* @__PURE__ */ new Set();
	const count = opts.accounts ?? spec.accounts;
	let contactN = 0;
	let oppN = 0;
	let actN = 0;
	for (let i = 0; i < count; i++) {
		let name = `${pick(ADJECTIVES)} ${pick(NOUNS)} ${pick(SUFFIXES)}`;
		for (let n = 2; usedNames.has(name) && n < 1e3; n++) name = `${name.replace(/ \d+$/, "")} ${n}`;
		usedNames.add(name);
		const ownerId = reps[i % reps.length].id;
		const created = (/* @__PURE__ */ new Date(BASE - int(30, 700) * DAY)).toISOString();
		const domain = `${name.split(" ").slice(0, 2).join("").toLowerCase().replace(/[^a-z0-9]/g, "")}${i}.example.com`;
		const account = {
			id: seedId("acc", tenant, i),
			tenant,
			name,
			domain,
			industry: pick(INDUSTRIES),
			region: pick(REGIONS),
			owner_id: ownerId,
			team: teamOf.get(ownerId) ?? "",
			created_at: created,
			updated_at: created,
			version: 1
		};
		accounts.push(account);
		const nContacts = int(4, 6);
		const accountContacts = [];
		for (let c = 0; c < nContacts; c++) {
			const first = pick(FIRST_NAMES);
			const last = pick(LAST_NAMES);
			const cOwner = rnd() < .8 ? ownerId : pick(reps).id;
			const contact = {
				id: seedId("con", tenant, contactN),
				tenant,
				account_id: account.id,
				first_name: first,
				last_name: last,
				title: pick(TITLES),
				email: `${first}.${last}${contactN}@${domain}`.toLowerCase(),
				phone: `+1 555 ${String(100 + contactN % 900).padStart(3, "0")} ${String(1e3 + int(0, 8999))}`,
				owner_id: cOwner,
				team: teamOf.get(cOwner) ?? "",
				created_at: created,
				updated_at: created,
				version: 1,
				billing_customer_id: billingCustomerOf(tenant, contactN)
			};
			contactN++;
			contacts.push(contact);
			accountContacts.push(contact);
		}
		const nOpps = i % 3 === 0 ? 2 : 1 + (rnd() < .3 ? 1 : 0);
		for (let o = 0; o < nOpps; o++) {
			const stage = pick(STAGES);
			const oppCreated = (/* @__PURE__ */ new Date(BASE - int(1, 300) * DAY)).toISOString();
			const opp = {
				id: seedId("opp", tenant, oppN),
				tenant,
				account_id: account.id,
				name: `${name.split(" ")[0] ?? name} ${pick(DEAL_KINDS)}`,
				stage,
				amount: oppN % 5 === 0 ? int(100, 900) * 1e3 : int(5, 95) * 1e3,
				currency: "USD",
				close_date: new Date(BASE + (isOpenStage(stage) ? int(10, 270) : -int(5, 200)) * DAY).toISOString().slice(0, 10),
				owner_id: ownerId,
				team: teamOf.get(ownerId) ?? "",
				created_at: oppCreated,
				updated_at: oppCreated,
				version: 1
			};
			oppN++;
			opportunities.push(opp);
			const nActs = int(2, 4);
			for (let a = 0; a < nActs; a++) {
				const type = pick(ACTIVITY_TYPES);
				const at = new Date(Date.parse(oppCreated) + int(0, 60) * DAY + int(0, 86399) * 1e3).toISOString();
				const who = accountContacts.length > 0 && rnd() < .7 ? pick(accountContacts) : null;
				activities.push({
					id: seedId("act", tenant, actN),
					type,
					subject: pick(SUBJECTS[type] ?? ["Update"]),
					body: rnd() < .5 ? `${pick(SUBJECTS[type] ?? ["Update"])} with ${who ? `${who.first_name} ${who.last_name}` : "the customer"}.` : null,
					occurred_at: at,
					account_id: account.id,
					contact_id: who?.id ?? null,
					opportunity_id: opp.id,
					owner_id: ownerId,
					created_at: at
				});
				actN++;
			}
		}
	}
	return {
		tenant,
		teams: spec.teams,
		owners: spec.owners,
		accounts,
		contacts,
		opportunities,
		activities
	};
}

// servers/crm/dist/embedded.js
/** Bumped when the demo data changes shape; an existing store keeps the data it was seeded with. */
const SEED_VERSION = "demo-v1";
/**
* The default backend: CRM tables in the kit's store (PGlite, or PostgreSQL with DATABASE_URL).
* Writes run in one transaction with their idempotency reservation, so a crash can never leave a
* write without its ledger entry or the other way round.
*/
var EmbeddedBackend = class EmbeddedBackend {
	store;
	cursors;
	ledger;
	kind = "embedded";
	constructor(store, cursors, ledger) {
		this.store = store;
		this.cursors = cursors;
		this.ledger = ledger;
	}
	/**
	* Expects the CRM migrations to have run. Seeds the demo tenants once when `seed` is set.
	* `cursors` is the kit's codec (openCursorCodec), so cursors survive restarts.
	*/
	static async open(store, opts) {
		const ledger = await IdempotencyLedger.open(store);
		if (opts.seed) await seedDemoData(store);
		return new EmbeddedBackend(store, opts.cursors, ledger);
	}
	async getOwner(tenant, ownerId) {
		const r = (await this.store.query("SELECT id, name, team FROM crm_owners WHERE tenant = $1 AND id = $2", [tenant, ownerId])).rows[0];
		return r === void 0 ? null : {
			id: str(r.id),
			name: str(r.name),
			team: str(r.team)
		};
	}
	async searchAccounts(tenant, query, page) {
		const tokens = queryTokens(query.query, 3);
		const where = new Where(tenant);
		for (const t of tokens) where.add(`lower(name) ~ ${where.param(wordStart(t))}`);
		where.words = tokens.length > 0;
		if (query.industry !== void 0) where.add(`industry = ${where.param(query.industry)}`);
		if (query.region !== void 0) where.add(`region = ${where.param(query.region)}`);
		if (query.owner_id !== void 0) where.add(`owner_id = ${where.param(query.owner_id)}`);
		const scope = {
			tenant,
			tokens,
			industry: query.industry,
			region: query.region,
			owner: query.owner_id
		};
		return this.page("accounts", "crm_accounts", where, scope, page, ["lower(name) COLLATE \"C\"", "id COLLATE \"C\""], (r) => [str(r.name).toLowerCase(), str(r.id)], toAccount);
	}
	async getAccount(tenant, id) {
		const res = await this.store.query("SELECT * FROM crm_accounts WHERE tenant = $1 AND id = $2", [tenant, id]);
		return res.rows[0] === void 0 ? null : toAccount(res.rows[0]);
	}
	async searchContacts(tenant, query, page) {
		const tokens = queryTokens(query.query, 2);
		const where = new Where(tenant);
		for (const t of tokens) {
			const p = where.param(wordStart(t));
			where.add(`(lower(first_name) ~ ${p} OR lower(last_name) ~ ${p})`);
		}
		where.words = tokens.length > 0;
		if (query.account_id !== void 0) where.add(`account_id = ${where.param(query.account_id)}`);
		if (query.owner_id !== void 0) where.add(`owner_id = ${where.param(query.owner_id)}`);
		const scope = {
			tenant,
			tokens,
			account: query.account_id,
			owner: query.owner_id
		};
		return this.page("contacts", "crm_contacts", where, scope, page, [
			"lower(last_name) COLLATE \"C\"",
			"lower(first_name) COLLATE \"C\"",
			"id COLLATE \"C\""
		], (r) => [
			str(r.last_name).toLowerCase(),
			str(r.first_name).toLowerCase(),
			str(r.id)
		], toContact);
	}
	async getContact(tenant, id) {
		const res = await this.store.query("SELECT * FROM crm_contacts WHERE tenant = $1 AND id = $2", [tenant, id]);
		return res.rows[0] === void 0 ? null : toContact(res.rows[0]);
	}
	createContact(tenant, input, opts) {
		return this.write(tenant, "crm_create_contact", opts, input, async (tx) => {
			const owner = await ownerIn(tx, tenant, input.owner_id);
			if (input.account_id !== null) await mustExist(tx, "crm_accounts", "Account", tenant, input.account_id);
			return toContact(one((await tx.query(`INSERT INTO crm_contacts (id, tenant, account_id, first_name, last_name, title, email, phone, owner_id, team, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), now(), 1) RETURNING *`, [
				newId("con"),
				tenant,
				input.account_id,
				input.first_name,
				input.last_name,
				input.title,
				input.email,
				input.phone,
				owner.id,
				owner.team
			])).rows));
		});
	}
	updateContact(tenant, id, expectedVersion, changes, opts) {
		return this.write(tenant, "crm_update_contact", opts, {
			id,
			expectedVersion,
			changes
		}, async (tx) => {
			const row = (await tx.query("SELECT version FROM crm_contacts WHERE tenant = $1 AND id = $2 FOR UPDATE", [tenant, id])).rows[0];
			if (row === void 0) throw errors.notFound(`Contact ${id}`);
			const current = Number(row.version);
			if (current !== expectedVersion) throw staleVersion("Contact", id, expectedVersion, current, "crm_get_contact");
			const sets = [];
			const params = [tenant, id];
			const set = (col, v) => {
				params.push(v);
				sets.push(`${col} = $${params.length}`);
			};
			if (changes.first_name !== void 0) set("first_name", changes.first_name);
			if (changes.last_name !== void 0) set("last_name", changes.last_name);
			if (changes.title !== void 0) set("title", changes.title);
			if (changes.email !== void 0) set("email", changes.email);
			if (changes.phone !== void 0) set("phone", changes.phone);
			if (changes.account_id !== void 0) {
				if (changes.account_id !== null) await mustExist(tx, "crm_accounts", "Account", tenant, changes.account_id);
				set("account_id", changes.account_id);
			}
			if (changes.owner_id !== void 0) {
				const owner = await ownerIn(tx, tenant, changes.owner_id);
				set("owner_id", owner.id);
				set("team", owner.team);
			}
			return toContact(one((await tx.query(`UPDATE crm_contacts SET ${[
				...sets,
				"version = version + 1",
				"updated_at = now()"
			].join(", ")}
          WHERE tenant = $1 AND id = $2 RETURNING *`, params)).rows));
		});
	}
	async searchOpportunities(tenant, query, page) {
		const tokens = queryTokens(query.query, 2);
		const where = new Where(tenant);
		for (const t of tokens) where.add(`lower(name) ~ ${where.param(wordStart(t))}`);
		where.words = tokens.length > 0;
		if (query.account_id !== void 0) where.add(`account_id = ${where.param(query.account_id)}`);
		if (query.owner_id !== void 0) where.add(`owner_id = ${where.param(query.owner_id)}`);
		const stages = query.stages === void 0 ? void 0 : [...new Set(query.stages)].sort();
		if (stages !== void 0) where.add(stages.length === 0 ? "false" : `stage IN (${stages.map((s) => where.param(s)).join(", ")})`);
		if (query.min_amount !== void 0) where.add(`amount >= ${where.param(query.min_amount)}`);
		const scope = {
			tenant,
			tokens,
			account: query.account_id,
			owner: query.owner_id,
			stages,
			min: query.min_amount
		};
		return this.page("opportunities", "crm_opportunities", where, scope, page, ["close_date COLLATE \"C\"", "id COLLATE \"C\""], (r) => [str(r.close_date), str(r.id)], toOpportunity);
	}
	async getOpportunity(tenant, id) {
		const res = await this.store.query("SELECT * FROM crm_opportunities WHERE tenant = $1 AND id = $2", [tenant, id]);
		return res.rows[0] === void 0 ? null : toOpportunity(res.rows[0]);
	}
	createOpportunity(tenant, input, opts) {
		return this.write(tenant, "crm_create_opportunity", opts, input, async (tx) => {
			const owner = await ownerIn(tx, tenant, input.owner_id);
			await mustExist(tx, "crm_accounts", "Account", tenant, input.account_id);
			return toOpportunity(one((await tx.query(`INSERT INTO crm_opportunities (id, tenant, account_id, name, stage, amount, currency, close_date, owner_id, team, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), now(), 1) RETURNING *`, [
				newId("opp"),
				tenant,
				input.account_id,
				input.name,
				input.stage,
				input.amount,
				input.currency,
				input.close_date,
				owner.id,
				owner.team
			])).rows));
		});
	}
	updateOpportunityStage(tenant, id, expectedVersion, stage, opts) {
		return this.write(tenant, "crm_update_opportunity_stage", opts, {
			id,
			expectedVersion,
			stage
		}, async (tx) => {
			const row = (await tx.query("SELECT version, stage FROM crm_opportunities WHERE tenant = $1 AND id = $2 FOR UPDATE", [tenant, id])).rows[0];
			if (row === void 0) throw errors.notFound(`Opportunity ${id}`);
			const current = Number(row.version);
			if (current !== expectedVersion) throw staleVersion("Opportunity", id, expectedVersion, current, "crm_search_opportunities");
			checkTransition(id, str(row.stage), stage);
			return toOpportunity(one((await tx.query(`UPDATE crm_opportunities SET stage = $3, version = version + 1, updated_at = now() WHERE tenant = $1 AND id = $2 RETURNING *`, [
				tenant,
				id,
				stage
			])).rows));
		});
	}
	logActivity(tenant, input, opts) {
		return this.write(tenant, "crm_log_activity", opts, input, async (tx) => {
			const target = activityAccount(input.account_id);
			if (input.opportunity_id !== null) {
				const r = await tx.query("SELECT account_id FROM crm_opportunities WHERE tenant = $1 AND id = $2", [tenant, input.opportunity_id]);
				if (r.rows[0] === void 0) throw errors.notFound(`Opportunity ${input.opportunity_id}`);
				target.link(str(r.rows[0].account_id), "opportunity");
			}
			if (input.contact_id !== null) {
				const r = await tx.query("SELECT account_id FROM crm_contacts WHERE tenant = $1 AND id = $2", [tenant, input.contact_id]);
				if (r.rows[0] === void 0) throw errors.notFound(`Contact ${input.contact_id}`);
				target.link(nstr(r.rows[0].account_id), "contact");
			}
			if (input.account_id !== null) await mustExist(tx, "crm_accounts", "Account", tenant, input.account_id);
			return toActivity(one((await tx.query(`INSERT INTO crm_activities (id, tenant, type, subject, body, occurred_at, account_id, contact_id, opportunity_id, owner_id, created_at)
         VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), $7, $8, $9, $10, now()) RETURNING *`, [
				newId("act"),
				tenant,
				input.type,
				input.subject,
				input.body,
				input.occurred_at,
				target.accountId,
				input.contact_id,
				input.opportunity_id,
				input.owner_id
			])).rows));
		});
	}
	async listActivities(tenant, target, limit) {
		const where = new Where(tenant);
		if (target.account_id !== void 0) where.add(`account_id = ${where.param(target.account_id)}`);
		if (target.contact_id !== void 0) where.add(`contact_id = ${where.param(target.contact_id)}`);
		if (target.opportunity_id !== void 0) where.add(`opportunity_id = ${where.param(target.opportunity_id)}`);
		const n = Math.min(100, Math.max(1, Math.floor(limit)));
		return (await this.store.query(`SELECT * FROM crm_activities WHERE ${where.sql()} ORDER BY occurred_at DESC, id LIMIT ${n}`, where.params)).rows.map(toActivity);
	}
	async ping() {
		await this.store.ping();
	}
	async close() {}
	async write(tenant, tool, opts, args, fn) {
		opts.signal?.throwIfAborted();
		const key = opts.idempotencyKey;
		const scope = key === null ? null : {
			tenant,
			principal: opts.principal ?? "",
			tool,
			key
		};
		const { result, replayed } = await this.ledger.once(this.store, scope, args, fn);
		return {
			record: result,
			replayed
		};
	}
	/** Keyset pagination: the cursor holds the sort key of the last row returned. */
	async page(kind, table, where, scope, page, order, keyOf, map) {
		const limit = clampLimit(page);
		const cursorScope = {
			tenant: where.tenant,
			principal: page.principal,
			kind,
			query: scope
		};
		const countSql = (w) => `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} WHERE ${where.sql(w)} LIMIT ${COUNT_CAP + 1}) m`;
		const countWords = countSql(true);
		const countPlain = countSql(false);
		const countParams = [...where.params];
		if (page.cursor !== null) {
			const pos = this.cursors.decode(page.cursor, cursorScope);
			if (!Array.isArray(pos) || pos.length !== order.length || !pos.every((v) => typeof v === "string")) throw invalidCursor();
			const ps = pos.map((v) => `${where.param(v)} COLLATE "C"`);
			where.add(`(${order.join(", ")}) > (${ps.join(", ")})`);
		}
		const pageSql = (w) => `SELECT * FROM ${table} WHERE ${where.sql(w)} ORDER BY ${order.join(", ")} LIMIT ${limit + 1}`;
		let counted;
		let res;
		if (!where.words) {
			counted = Number((await this.store.query(countPlain, countParams)).rows[0]?.n ?? 0);
			res = await this.store.query(pageSql(false), where.params);
		} else ({counted, res} = await this.store.transaction(async (tx) => {
			await tx.query("SET LOCAL enable_seqscan = off");
			await tx.query("SET LOCAL enable_indexscan = off");
			const n = Number((await tx.query(countWords, countParams)).rows[0]?.n ?? 0);
			if (n > 1e3) {
				await tx.query("SET LOCAL enable_seqscan = on");
				await tx.query("SET LOCAL enable_indexscan = on");
			}
			return {
				counted: n,
				res: await tx.query(pageSql(n <= COUNT_CAP), where.params)
			};
		}));
		const more = res.rows.length > limit;
		const rows = more ? res.rows.slice(0, limit) : res.rows;
		const last = rows[rows.length - 1];
		return {
			items: rows.map(map),
			next_cursor: more && last !== void 0 ? this.cursors.encode(cursorScope, keyOf(last)) : null,
			total: Math.min(counted, COUNT_CAP),
			...counted > 1e3 ? { total_is_lower_bound: true } : {}
		};
	}
};
/**
* A search counts its matches up to this many; past it `total` is this and `total_is_lower_bound`
* is set. The count then reads at most this many matches, so a broad search costs about the same
* on a tenant of 100,000 records as on one of 1,000 (test/bench: crm-scale).
*/
const COUNT_CAP = 1e3;
/** WHERE clauses with numbered parameters, always scoped to the tenant. */
var Where = class {
	tenant;
	/** A name-word predicate was added (the trigram indexes serve it). */
	words = false;
	params;
	clauses = ["tenant = $1"];
	constructor(tenant) {
		this.tenant = tenant;
		this.params = [tenant];
	}
	param(v) {
		this.params.push(v);
		return `$${this.params.length}`;
	}
	add(clause) {
		this.clauses.push(clause);
	}
	/** With `wordsFirst`, the tenant condition is not one an index can serve (see page()). */
	sql(wordsFirst = false) {
		return (wordsFirst ? ["(tenant || '') = $1", ...this.clauses.slice(1)] : this.clauses).join(" AND ");
	}
};
/** A regex matching `token` at the start of a word; tokens are letters and digits only, so safe in a regex. */
function wordStart(token) {
	return `(^|[^[:alnum:]])${token}`;
}
async function ownerIn(q, tenant, ownerId) {
	const r = (await q.query("SELECT id, name, team FROM crm_owners WHERE tenant = $1 AND id = $2", [tenant, ownerId])).rows[0];
	if (r === void 0) throw unknownOwner(ownerId);
	return {
		id: str(r.id),
		name: str(r.name),
		team: str(r.team)
	};
}
async function mustExist(q, table, what, tenant, id) {
	if ((await q.query(`SELECT 1 FROM ${table} WHERE tenant = $1 AND id = $2`, [tenant, id])).rows.length === 0) throw errors.notFound(`${what} ${id}`);
}
function newId(prefix) {
	return `${prefix}_${randomBytes(8).toString("hex")}`;
}
function one(rows) {
	const r = rows[0];
	if (r === void 0) throw errors.internal(/* @__PURE__ */ new Error("write returned no row"));
	return r;
}
function str(v) {
	if (typeof v === "string") return v;
	if (v instanceof Date) return v.toISOString();
	return String(v);
}
function nstr(v) {
	return v === null || v === void 0 ? null : str(v);
}
function iso(v) {
	return v instanceof Date ? v.toISOString() : new Date(str(v)).toISOString();
}
function toAccount(r) {
	return {
		id: str(r.id),
		tenant: str(r.tenant),
		name: str(r.name),
		domain: nstr(r.domain),
		industry: str(r.industry),
		region: str(r.region),
		owner_id: str(r.owner_id),
		team: str(r.team),
		created_at: iso(r.created_at),
		updated_at: iso(r.updated_at),
		version: Number(r.version)
	};
}
function toContact(r) {
	return {
		id: str(r.id),
		tenant: str(r.tenant),
		account_id: nstr(r.account_id),
		first_name: str(r.first_name),
		last_name: str(r.last_name),
		title: nstr(r.title),
		email: nstr(r.email),
		phone: nstr(r.phone),
		billing_customer_id: nstr(r.billing_customer_id),
		owner_id: str(r.owner_id),
		team: str(r.team),
		created_at: iso(r.created_at),
		updated_at: iso(r.updated_at),
		version: Number(r.version)
	};
}
function toOpportunity(r) {
	return {
		id: str(r.id),
		tenant: str(r.tenant),
		account_id: str(r.account_id),
		name: str(r.name),
		stage: str(r.stage),
		amount: Number(r.amount),
		currency: str(r.currency),
		close_date: str(r.close_date),
		owner_id: str(r.owner_id),
		team: str(r.team),
		created_at: iso(r.created_at),
		updated_at: iso(r.updated_at),
		version: Number(r.version)
	};
}
function toActivity(r) {
	return {
		id: str(r.id),
		type: str(r.type),
		subject: str(r.subject),
		body: nstr(r.body),
		occurred_at: iso(r.occurred_at),
		account_id: nstr(r.account_id),
		contact_id: nstr(r.contact_id),
		opportunity_id: nstr(r.opportunity_id),
		owner_id: str(r.owner_id),
		created_at: iso(r.created_at)
	};
}
/** Inserts the demo tenants once; the marker row and the data commit together. */
async function seedDemoData(store) {
	await store.transaction(async (tx) => {
		if ((await tx.query(`INSERT INTO crm_settings (key, value) VALUES ('seed', $1) ON CONFLICT (key) DO NOTHING RETURNING key`, [SEED_VERSION])).rowCount === 0) {
			for (const [tenant, count] of Object.entries(BILLING_CUSTOMERS)) for (let i = 0; i < count; i++) await tx.query("UPDATE crm_contacts SET billing_customer_id = $1 WHERE tenant = $2 AND id = $3 AND billing_customer_id IS NULL", [
				`cus_${tenant}_${String(i + 1).padStart(4, "0")}`,
				tenant,
				seedId("con", tenant, i * 6)
			]);
			return;
		}
		for (const tenant of Object.keys(DEMO_TENANTS)) await insertSeed(tx, generateSeed(tenant));
	});
}
async function insertSeed(q, data) {
	const t = data.tenant;
	await insertRows(q, "crm_teams", [
		"tenant",
		"id",
		"name",
		"manager_id"
	], data.teams.map((x) => [
		t,
		x.id,
		x.name,
		x.manager_id
	]));
	await insertRows(q, "crm_owners", [
		"tenant",
		"id",
		"name",
		"email",
		"team"
	], data.owners.map((x) => [
		t,
		x.id,
		x.name,
		x.email,
		x.team
	]));
	await insertRows(q, "crm_accounts", [
		"id",
		"tenant",
		"name",
		"domain",
		"industry",
		"region",
		"owner_id",
		"team",
		"created_at",
		"updated_at",
		"version"
	], data.accounts.map((x) => [
		x.id,
		t,
		x.name,
		x.domain,
		x.industry,
		x.region,
		x.owner_id,
		x.team,
		x.created_at,
		x.updated_at,
		x.version
	]));
	await insertRows(q, "crm_contacts", [
		"id",
		"tenant",
		"account_id",
		"first_name",
		"last_name",
		"title",
		"email",
		"phone",
		"owner_id",
		"team",
		"created_at",
		"updated_at",
		"version",
		"billing_customer_id"
	], data.contacts.map((x) => [
		x.id,
		t,
		x.account_id,
		x.first_name,
		x.last_name,
		x.title,
		x.email,
		x.phone,
		x.owner_id,
		x.team,
		x.created_at,
		x.updated_at,
		x.version,
		x.billing_customer_id
	]));
	await insertRows(q, "crm_opportunities", [
		"id",
		"tenant",
		"account_id",
		"name",
		"stage",
		"amount",
		"currency",
		"close_date",
		"owner_id",
		"team",
		"created_at",
		"updated_at",
		"version"
	], data.opportunities.map((x) => [
		x.id,
		t,
		x.account_id,
		x.name,
		x.stage,
		x.amount,
		x.currency,
		x.close_date,
		x.owner_id,
		x.team,
		x.created_at,
		x.updated_at,
		x.version
	]));
	await insertRows(q, "crm_activities", [
		"id",
		"tenant",
		"type",
		"subject",
		"body",
		"occurred_at",
		"account_id",
		"contact_id",
		"opportunity_id",
		"owner_id",
		"created_at"
	], data.activities.map((x) => [
		x.id,
		t,
		x.type,
		x.subject,
		x.body,
		x.occurred_at,
		x.account_id,
		x.contact_id,
		x.opportunity_id,
		x.owner_id,
		x.created_at
	]));
}
async function insertRows(q, table, cols, rows) {
	const chunk = Math.max(1, Math.floor(4e3 / cols.length));
	for (let i = 0; i < rows.length; i += chunk) {
		const part = rows.slice(i, i + chunk);
		const params = [];
		const tuples = part.map((row) => `(${row.map((v) => (params.push(v), `$${params.length}`)).join(", ")})`);
		await q.query(`INSERT INTO ${table} (${cols.join(", ")}) VALUES ${tuples.join(", ")}`, params);
	}
}

// packages/core/dist/http-agent.js
/**
* Keep-alive agents for upstream SDKs: a connector makes one for its base URL and destroys it on
* close, so consecutive calls reuse a TCP (and TLS) connection instead of paying a handshake each.
*/
/** The kit's agent settings: connections kept open between calls, bounded per upstream host. */
const KEEP_ALIVE_AGENT_OPTIONS = {
	keepAlive: true,
	keepAliveMsecs: 1e3,
	maxSockets: 50,
	maxFreeSockets: 10,
	scheduling: "lifo"
};
/** An http or https keep-alive agent for `url`'s protocol. */
function keepAliveAgent(url) {
	return new URL(url).protocol === "http:" ? new Agent(KEEP_ALIVE_AGENT_OPTIONS) : new Agent$1(KEEP_ALIVE_AGENT_OPTIONS);
}

// servers/crm/dist/hubspot.js
/** HubSpot's default sales pipeline; CRM_HUBSPOT_STAGE_MAP overrides it. */
const DEFAULT_STAGE_MAP = {
	prospecting: "appointmentscheduled",
	qualification: "qualifiedtobuy",
	proposal: "presentationscheduled",
	negotiation: "contractsent",
	closed_won: "closedwon",
	closed_lost: "closedlost"
};
const ENGAGEMENTS = {
	call: {
		objectType: "calls",
		subject: "hs_call_title",
		body: "hs_call_body",
		extra: { hs_call_status: "COMPLETED" }
	},
	email: {
		objectType: "emails",
		subject: "hs_email_subject",
		body: "hs_email_text",
		extra: { hs_email_direction: "EMAIL" }
	},
	meeting: {
		objectType: "meetings",
		subject: "hs_meeting_title",
		body: "hs_meeting_body",
		extra: {}
	},
	note: {
		objectType: "notes",
		subject: null,
		body: "hs_note_body",
		extra: {}
	},
	task: {
		objectType: "tasks",
		subject: "hs_task_subject",
		body: "hs_task_body",
		extra: { hs_task_status: "NOT_STARTED" }
	}
};
function engagementAssociations(AssociationTypes) {
	return {
		call: {
			company: AssociationTypes.callToCompany,
			contact: AssociationTypes.callToContact,
			deal: AssociationTypes.callToDeal
		},
		email: {
			company: AssociationTypes.emailToCompany,
			contact: AssociationTypes.emailToContact,
			deal: AssociationTypes.emailToDeal
		},
		meeting: {
			company: AssociationTypes.meetingToCompany,
			contact: AssociationTypes.meetingToContact,
			deal: AssociationTypes.meetingToDeal
		},
		note: {
			company: AssociationTypes.noteToCompany,
			contact: AssociationTypes.noteToContact,
			deal: AssociationTypes.noteToDeal
		},
		task: {
			company: AssociationTypes.taskToCompany,
			contact: AssociationTypes.taskToContact,
			deal: AssociationTypes.taskToDeal
		}
	};
}
const OWNER_CACHE_MS = 6e4;
/**
* HubSpot CRM v3 through the official client: companies are accounts, contacts are contacts,
* deals are opportunities, engagements (calls, emails, meetings, notes, tasks) are activities.
* A record's version is its `updatedAt` (hs_lastmodifieddate) in epoch milliseconds, so an edit
* made in HubSpot itself also makes a caller's version stale. HubSpot has no conditional write:
* the version is checked just before the PATCH, which narrows but cannot close the race.
*/
var HubSpotBackend = class HubSpotBackend {
	opts;
	ledger;
	hub;
	kind = "hubspot";
	client;
	stageToHub;
	hubToStage = /* @__PURE__ */ new Map();
	ownerToHub;
	hubToOwner = /* @__PURE__ */ new Map();
	teamToHub;
	hubToTeam = /* @__PURE__ */ new Map();
	ownerCache = /* @__PURE__ */ new Map();
	region;
	pipeline;
	engagementAssociations;
	/** The connector's own keep-alive agent (bounded, destroyed on close) rather than Node's process-wide global agent. */
	agent;
	constructor(opts, ledger, hub) {
		this.opts = opts;
		this.ledger = ledger;
		this.hub = hub;
		this.engagementAssociations = engagementAssociations(hub.AssociationTypes);
		this.stageToHub = {
			...DEFAULT_STAGE_MAP,
			...opts.stages ?? {}
		};
		for (const s of STAGES) this.hubToStage.set(this.stageToHub[s], s);
		this.ownerToHub = { ...opts.owners ?? {} };
		for (const [k, v] of Object.entries(this.ownerToHub)) this.hubToOwner.set(v, k);
		this.teamToHub = { ...opts.teams ?? {} };
		for (const [k, v] of Object.entries(this.teamToHub)) this.hubToTeam.set(v, k);
		this.region = opts.regionProperty ?? "portcullis_region";
		this.contactProps = [...HubSpotBackend.baseContactProps, this.billingProperty];
		this.pipeline = opts.pipeline ?? "default";
		this.agent = keepAliveAgent(opts.baseUrl);
	}
	/** Opens the kit's idempotency ledger in the store (creating it on first use). */
	static async open(opts) {
		const sdk = await import("@hubspot/api-client");
		return new HubSpotBackend(opts, await IdempotencyLedger.open(opts.store), sdk);
	}
	get cursors() {
		return this.opts.cursors;
	}
	serves(tenant) {
		return tenant === this.opts.tenant;
	}
	mustServe(tenant) {
		if (!this.serves(tenant)) throw errors.notFound(`A CRM for tenant ${tenant}`, "This server is connected to the HubSpot portal of another tenant; ask an operator which CRM server serves yours.");
	}
	hubOwner(ownerId) {
		return this.ownerToHub[ownerId] ?? (/^\d+$/.test(ownerId) ? ownerId : null);
	}
	crmOwner(hubId) {
		if (hubId === null || hubId === void 0 || hubId === "") return "";
		return this.hubToOwner.get(hubId) ?? hubId;
	}
	crmTeam(hubId) {
		if (hubId === null || hubId === void 0 || hubId === "") return "";
		return this.hubToTeam.get(hubId) ?? hubId;
	}
	hubTeam(team) {
		if (team === "") return null;
		return this.teamToHub[team] ?? (/^\d+$/.test(team) ? team : null);
	}
	crmStage(dealstage, id) {
		const s = this.hubToStage.get(dealstage ?? "");
		if (s === void 0) throw new PortcullisError({
			code: "unmapped_stage",
			category: "upstream",
			message: `HubSpot deal ${id} is in deal stage "${dealstage ?? ""}", which this server does not map to a CRM stage.`,
			retryable: false,
			remediation: "Ask an operator to map that HubSpot deal stage in CRM_HUBSPOT_STAGE_MAP."
		});
		return s;
	}
	sdk(token) {
		if (this.client?.token !== token) this.client = {
			token,
			client: new this.hub.Client({
				accessToken: token,
				basePath: this.opts.baseUrl,
				httpAgent: this.agent
			})
		};
		return this.client.client;
	}
	/** One upstream call: token (refreshed once on 401), rate limiter, retries of transient failures. */
	call(signal, fn) {
		return this.opts.withToken((token) => this.opts.callUpstream(async (s) => {
			s.throwIfAborted();
			try {
				return await fn(this.sdk(token));
			} catch (err) {
				throw translate(err);
			}
		}, signal));
	}
	/** As call, but a 404 is an answer (null), not a failure. */
	async callOrNull(signal, fn) {
		try {
			return await this.call(signal, fn);
		} catch (err) {
			if (err instanceof PortcullisError && err.code === "upstream_not_found") return null;
			throw err;
		}
	}
	/**
	* The contact's e-mail subscription statuses (communication preferences v3), for the e-mail
	* tools' opt-out check. An address HubSpot does not know has no statuses.
	*/
	async emailSubscriptionStatuses(tenant, email, opts) {
		this.mustServe(tenant);
		return ((await this.callOrNull(opts?.signal, (c) => c.communicationPreferences.statusApi.getEmailStatus(email)))?.subscriptionStatuses ?? []).map((s) => ({
			id: String(s.id),
			status: String(s.status),
			sourceOfStatus: String(s.sourceOfStatus)
		}));
	}
	async getOwner(tenant, ownerId, opts) {
		if (!this.serves(tenant)) return null;
		const hubId = this.hubOwner(ownerId);
		if (hubId === null) return null;
		const cached = this.ownerCache.get(hubId);
		if (cached !== void 0 && cached.until > Date.now()) return cached.owner;
		const o = await this.callOrNull(opts?.signal, (c) => c.crm.owners.ownersApi.getById(Number(hubId), "id", false));
		let owner = null;
		if (o !== null && !o.archived) {
			const team = o.teams?.find((t) => t.primary) ?? o.teams?.[0];
			const name = `${o.firstName ?? ""} ${o.lastName ?? ""}`.trim();
			owner = {
				id: ownerId,
				name: name === "" ? o.email ?? ownerId : name,
				team: this.crmTeam(team?.id)
			};
		}
		if (this.ownerCache.size > 1e3) this.ownerCache.clear();
		this.ownerCache.set(hubId, {
			owner,
			until: Date.now() + OWNER_CACHE_MS
		});
		return owner;
	}
	async ownerFor(tenant, ownerId, signal) {
		const owner = await this.getOwner(tenant, ownerId, { signal });
		const hubId = this.hubOwner(ownerId);
		if (owner === null || hubId === null) throw unknownOwner(ownerId);
		return {
			owner,
			hubId
		};
	}
	ownerProps(o) {
		const props = { hubspot_owner_id: o.hubId };
		const team = this.hubTeam(o.owner.team);
		if (team !== null) props.hubspot_team_id = team;
		return props;
	}
	companyProps = () => [
		"name",
		"domain",
		"industry",
		this.region,
		"hubspot_owner_id",
		"hubspot_team_id"
	];
	toAccount(o) {
		const p = o.properties;
		return {
			id: o.id,
			tenant: this.opts.tenant,
			name: p.name ?? "",
			domain: nonEmpty(p.domain),
			industry: p.industry ?? "",
			region: p[this.region] ?? "",
			owner_id: this.crmOwner(p.hubspot_owner_id),
			team: this.crmTeam(p.hubspot_team_id),
			created_at: o.createdAt.toISOString(),
			updated_at: o.updatedAt.toISOString(),
			version: o.updatedAt.getTime()
		};
	}
	async searchAccounts(tenant, query, page, opts) {
		this.mustServe(tenant);
		const tokens = queryTokens(query.query, 3);
		const scope = {
			tenant,
			tokens,
			industry: query.industry,
			region: query.region,
			owner: query.owner_id
		};
		const base = tokens.map((t) => filter("name", "CONTAINS_TOKEN", `${t}*`));
		if (query.industry !== void 0) base.push(filter("industry", "EQ", query.industry));
		if (query.region !== void 0) base.push(filter(this.region, "EQ", query.region));
		if (query.owner_id !== void 0) {
			const hub = this.hubOwner(query.owner_id);
			if (hub === null) return this.emptyPage(page, "accounts", scope);
			base.push(filter("hubspot_owner_id", "EQ", hub));
		}
		const res = await this.search("companies", "accounts", scope, page, groupsOf(base), "name", "ASCENDING", this.companyProps(), opts?.signal);
		return {
			...res,
			items: res.items.map((o) => this.toAccount(o))
		};
	}
	getAccount(tenant, id, opts) {
		return this.readAccount(tenant, id, opts, true);
	}
	async readAccount(tenant, id, opts, cached) {
		if (!this.serves(tenant) || !isHubId(id)) return null;
		return this.cached(cached, tenant, "account", id, async () => {
			const o = await this.callOrNull(opts?.signal, (c) => c.crm.objects.basicApi.getById("companies", id, this.companyProps()));
			return o === null ? null : this.toAccount(o);
		});
	}
	contactProps;
	get billingProperty() {
		return this.opts.billingCustomerProperty ?? "billing_customer_id";
	}
	static baseContactProps = [
		"firstname",
		"lastname",
		"jobtitle",
		"email",
		"phone",
		"hubspot_owner_id",
		"hubspot_team_id"
	];
	toContact(o, accountId) {
		const p = o.properties;
		return {
			id: o.id,
			tenant: this.opts.tenant,
			account_id: accountId,
			first_name: p.firstname ?? "",
			last_name: p.lastname ?? "",
			title: nonEmpty(p.jobtitle),
			email: nonEmpty(p.email),
			phone: nonEmpty(p.phone),
			billing_customer_id: nonEmpty(p[this.billingProperty]),
			owner_id: this.crmOwner(p.hubspot_owner_id),
			team: this.crmTeam(p.hubspot_team_id),
			created_at: o.createdAt.toISOString(),
			updated_at: o.updatedAt.toISOString(),
			version: o.updatedAt.getTime()
		};
	}
	async searchContacts(tenant, query, page, opts) {
		this.mustServe(tenant);
		const tokens = queryTokens(query.query, 2);
		const scope = {
			tenant,
			tokens,
			account: query.account_id,
			owner: query.owner_id
		};
		const base = [];
		if (query.account_id !== void 0) {
			if (!isHubId(query.account_id)) return this.emptyPage(page, "contacts", scope);
			base.push(filter("associations.company", "EQ", query.account_id));
		}
		if (query.owner_id !== void 0) {
			const hub = this.hubOwner(query.owner_id);
			if (hub === null) return this.emptyPage(page, "contacts", scope);
			base.push(filter("hubspot_owner_id", "EQ", hub));
		}
		let groups = [base];
		for (const t of tokens) groups = groups.flatMap((g) => [[...g, filter("firstname", "CONTAINS_TOKEN", `${t}*`)], [...g, filter("lastname", "CONTAINS_TOKEN", `${t}*`)]]);
		const res = await this.search("contacts", "contacts", scope, page, groups.filter((g) => g.length > 0).map((filters) => ({ filters })), "lastname", "ASCENDING", this.contactProps, opts?.signal);
		const accounts = await this.associatedIds("contacts", res.items.map((o) => o.id), "companies", opts?.signal);
		return {
			...res,
			items: res.items.map((o) => this.toContact(o, accounts.get(o.id) ?? null))
		};
	}
	getContact(tenant, id, opts) {
		return this.readContact(tenant, id, opts, true);
	}
	async readContact(tenant, id, opts, cached) {
		if (!this.serves(tenant) || !isHubId(id)) return null;
		return this.cached(cached, tenant, "contact", id, async () => {
			const o = await this.callOrNull(opts?.signal, (c) => c.crm.objects.basicApi.getById("contacts", id, this.contactProps, void 0, ["companies"]));
			return o === null ? null : this.toContact(o, firstAssociated(o, "companies"));
		});
	}
	async createContact(tenant, input, opts) {
		this.mustServe(tenant);
		return this.write(tenant, "crm_create_contact", opts, input, async () => {
			const owner = await this.ownerFor(tenant, input.owner_id, opts.signal);
			if (input.account_id !== null && await this.readAccount(tenant, input.account_id, opts, false) === null) throw errors.notFound(`Account ${input.account_id}`);
			const properties = {
				firstname: input.first_name,
				lastname: input.last_name,
				...this.ownerProps(owner)
			};
			if (input.title !== null) properties.jobtitle = input.title;
			if (input.email !== null) properties.email = input.email;
			if (input.phone !== null) properties.phone = input.phone;
			const associations = input.account_id === null ? [] : [{
				to: { id: input.account_id },
				types: [spec(this.hub.AssociationTypes.contactToCompany)]
			}];
			const created = await this.call(opts.signal, (c) => c.crm.objects.basicApi.create("contacts", {
				properties,
				associations
			}));
			return this.reread(tenant, created.id, (t, id) => this.readContact(t, id, opts, false));
		});
	}
	async updateContact(tenant, id, expectedVersion, changes, opts) {
		this.mustServe(tenant);
		return this.write(tenant, "crm_update_contact", opts, {
			id,
			expectedVersion,
			changes
		}, async () => {
			const current = await this.readContact(tenant, id, opts, false);
			if (current === null) throw errors.notFound(`Contact ${id}`);
			if (current.version !== expectedVersion) throw staleVersion("Contact", id, expectedVersion, current.version, "crm_get_contact");
			const properties = {};
			if (changes.first_name !== void 0) properties.firstname = changes.first_name;
			if (changes.last_name !== void 0) properties.lastname = changes.last_name;
			if (changes.title !== void 0) properties.jobtitle = changes.title ?? "";
			if (changes.email !== void 0) properties.email = changes.email ?? "";
			if (changes.phone !== void 0) properties.phone = changes.phone ?? "";
			if (changes.owner_id !== void 0) Object.assign(properties, this.ownerProps(await this.ownerFor(tenant, changes.owner_id, opts.signal)));
			const newAccount = changes.account_id;
			if (newAccount !== void 0 && newAccount !== null && await this.readAccount(tenant, newAccount, opts, false) === null) throw errors.notFound(`Account ${newAccount}`);
			if (Object.keys(properties).length > 0) await this.call(opts.signal, (c) => c.crm.objects.basicApi.update("contacts", id, { properties }));
			if (newAccount !== void 0 && newAccount !== current.account_id) {
				const old = current.account_id;
				if (old !== null) await this.call(opts.signal, (c) => c.crm.associations.v4.basicApi.archive("contacts", id, "companies", old));
				if (newAccount !== null) await this.call(opts.signal, (c) => c.crm.associations.v4.basicApi.createDefault("contacts", id, "companies", newAccount));
			}
			return this.reread(tenant, id, (t, i) => this.readContact(t, i, opts, false));
		}, ["contact", id]);
	}
	static dealProps = [
		"dealname",
		"dealstage",
		"amount",
		"deal_currency_code",
		"closedate",
		"pipeline",
		"hubspot_owner_id",
		"hubspot_team_id"
	];
	toOpportunity(o, accountId) {
		const p = o.properties;
		const amount = Number(p.amount ?? "0");
		return {
			id: o.id,
			tenant: this.opts.tenant,
			account_id: accountId ?? "",
			name: p.dealname ?? "",
			stage: this.crmStage(p.dealstage, o.id),
			amount: Number.isFinite(amount) ? Math.round(amount) : 0,
			currency: p.deal_currency_code ?? "USD",
			close_date: (p.closedate ?? "").slice(0, 10),
			owner_id: this.crmOwner(p.hubspot_owner_id),
			team: this.crmTeam(p.hubspot_team_id),
			created_at: o.createdAt.toISOString(),
			updated_at: o.updatedAt.toISOString(),
			version: o.updatedAt.getTime()
		};
	}
	async searchOpportunities(tenant, query, page, opts) {
		this.mustServe(tenant);
		const tokens = queryTokens(query.query, 2);
		const stages = query.stages === void 0 ? void 0 : [...new Set(query.stages)].sort();
		const scope = {
			tenant,
			tokens,
			account: query.account_id,
			owner: query.owner_id,
			stages,
			min: query.min_amount
		};
		const base = tokens.map((t) => filter("dealname", "CONTAINS_TOKEN", `${t}*`));
		if (query.account_id !== void 0) {
			if (!isHubId(query.account_id)) return this.emptyPage(page, "opportunities", scope);
			base.push(filter("associations.company", "EQ", query.account_id));
		}
		if (query.owner_id !== void 0) {
			const hub = this.hubOwner(query.owner_id);
			if (hub === null) return this.emptyPage(page, "opportunities", scope);
			base.push(filter("hubspot_owner_id", "EQ", hub));
		}
		if (stages !== void 0) {
			if (stages.length === 0) return this.emptyPage(page, "opportunities", scope);
			base.push({
				propertyName: "dealstage",
				operator: op("IN"),
				values: stages.map((s) => this.stageToHub[s])
			});
		}
		if (query.min_amount !== void 0) base.push(filter("amount", "GTE", String(query.min_amount)));
		const res = await this.search("deals", "opportunities", scope, page, groupsOf(base), "closedate", "ASCENDING", HubSpotBackend.dealProps, opts?.signal);
		const accounts = await this.associatedIds("deals", res.items.map((o) => o.id), "companies", opts?.signal);
		return {
			...res,
			items: res.items.map((o) => this.toOpportunity(o, accounts.get(o.id) ?? null))
		};
	}
	getOpportunity(tenant, id, opts) {
		return this.readOpportunity(tenant, id, opts, true);
	}
	async readOpportunity(tenant, id, opts, cached) {
		if (!this.serves(tenant) || !isHubId(id)) return null;
		return this.cached(cached, tenant, "opportunity", id, async () => {
			const o = await this.callOrNull(opts?.signal, (c) => c.crm.objects.basicApi.getById("deals", id, HubSpotBackend.dealProps, void 0, ["companies"]));
			return o === null ? null : this.toOpportunity(o, firstAssociated(o, "companies"));
		});
	}
	async createOpportunity(tenant, input, opts) {
		this.mustServe(tenant);
		return this.write(tenant, "crm_create_opportunity", opts, input, async () => {
			const owner = await this.ownerFor(tenant, input.owner_id, opts.signal);
			if (await this.readAccount(tenant, input.account_id, opts, false) === null) throw errors.notFound(`Account ${input.account_id}`);
			const properties = {
				dealname: input.name,
				dealstage: this.stageToHub[input.stage],
				pipeline: this.pipeline,
				amount: String(input.amount),
				deal_currency_code: input.currency,
				closedate: `${input.close_date}T00:00:00.000Z`,
				...this.ownerProps(owner)
			};
			const associations = [{
				to: { id: input.account_id },
				types: [spec(this.hub.AssociationTypes.dealToCompany)]
			}];
			const created = await this.call(opts.signal, (c) => c.crm.objects.basicApi.create("deals", {
				properties,
				associations
			}));
			return this.reread(tenant, created.id, (t, id) => this.readOpportunity(t, id, opts, false));
		});
	}
	async updateOpportunityStage(tenant, id, expectedVersion, stage, opts) {
		this.mustServe(tenant);
		return this.write(tenant, "crm_update_opportunity_stage", opts, {
			id,
			expectedVersion,
			stage
		}, async () => {
			const current = await this.readOpportunity(tenant, id, opts, false);
			if (current === null) throw errors.notFound(`Opportunity ${id}`);
			if (current.version !== expectedVersion) throw staleVersion("Opportunity", id, expectedVersion, current.version, "crm_search_opportunities");
			checkTransition(id, current.stage, stage);
			await this.call(opts.signal, (c) => c.crm.objects.basicApi.update("deals", id, { properties: { dealstage: this.stageToHub[stage] } }));
			return this.reread(tenant, id, (t, i) => this.readOpportunity(t, i, opts, false));
		}, ["opportunity", id]);
	}
	async logActivity(tenant, input, opts) {
		this.mustServe(tenant);
		return this.write(tenant, "crm_log_activity", opts, input, async () => {
			const target = activityAccount(input.account_id);
			if (input.opportunity_id !== null) {
				const o = await this.readOpportunity(tenant, input.opportunity_id, opts, false);
				if (o === null) throw errors.notFound(`Opportunity ${input.opportunity_id}`);
				target.link(o.account_id === "" ? null : o.account_id, "opportunity");
			}
			if (input.contact_id !== null) {
				const c = await this.readContact(tenant, input.contact_id, opts, false);
				if (c === null) throw errors.notFound(`Contact ${input.contact_id}`);
				target.link(c.account_id, "contact");
			}
			if (input.account_id !== null && await this.readAccount(tenant, input.account_id, opts, false) === null) throw errors.notFound(`Account ${input.account_id}`);
			const m = ENGAGEMENTS[input.type];
			const assoc = this.engagementAssociations[input.type];
			const occurredAt = new Date(input.occurred_at ?? Date.now()).toISOString();
			const properties = {
				hs_timestamp: occurredAt,
				...m.extra
			};
			if (m.subject === null) properties[m.body] = input.body === null ? input.subject : `${input.subject}\n\n${input.body}`;
			else {
				properties[m.subject] = input.subject;
				if (input.body !== null) properties[m.body] = input.body;
			}
			const hubOwner = this.hubOwner(input.owner_id);
			if (hubOwner !== null) properties.hubspot_owner_id = hubOwner;
			const associations = [];
			if (target.accountId !== null) associations.push({
				to: { id: target.accountId },
				types: [spec(assoc.company)]
			});
			if (input.contact_id !== null) associations.push({
				to: { id: input.contact_id },
				types: [spec(assoc.contact)]
			});
			if (input.opportunity_id !== null) associations.push({
				to: { id: input.opportunity_id },
				types: [spec(assoc.deal)]
			});
			const created = await this.call(opts.signal, (c) => c.crm.objects.basicApi.create(m.objectType, {
				properties,
				associations
			}));
			return {
				id: created.id,
				type: input.type,
				subject: input.subject,
				body: input.body,
				occurred_at: occurredAt,
				account_id: target.accountId,
				contact_id: input.contact_id,
				opportunity_id: input.opportunity_id,
				owner_id: input.owner_id,
				created_at: created.createdAt.toISOString()
			};
		});
	}
	async listActivities(tenant, target, limit, opts) {
		if (!this.serves(tenant)) return [];
		const n = Math.min(100, Math.max(1, Math.floor(limit)));
		const filters = [];
		if (target.account_id !== void 0) filters.push(filter("associations.company", "EQ", target.account_id));
		if (target.contact_id !== void 0) filters.push(filter("associations.contact", "EQ", target.contact_id));
		if (target.opportunity_id !== void 0) filters.push(filter("associations.deal", "EQ", target.opportunity_id));
		if ([
			target.account_id,
			target.contact_id,
			target.opportunity_id
		].some((v) => v !== void 0 && !isHubId(v))) return [];
		const top = (await Promise.all(ACTIVITY_TYPES.map(async (type) => {
			const m = ENGAGEMENTS[type];
			const props = [
				"hs_timestamp",
				"hubspot_owner_id",
				m.body,
				...m.subject === null ? [] : [m.subject]
			];
			return (await this.call(opts?.signal, (c) => c.crm.objects.searchApi.doSearch(m.objectType, {
				filterGroups: groupsOf(filters),
				sorts: sorts("hs_timestamp", "DESCENDING"),
				properties: props,
				limit: n
			}))).results.map((o) => ({
				type,
				o
			}));
		}))).flat().map(({ type, o }) => ({
			type,
			o,
			at: Date.parse(o.properties.hs_timestamp ?? "") || o.createdAt.getTime()
		})).sort((a, b) => b.at - a.at || (a.o.id < b.o.id ? -1 : 1)).slice(0, n);
		const links = /* @__PURE__ */ new Map();
		await Promise.all(ACTIVITY_TYPES.map(async (type) => {
			const ids = top.filter((t) => t.type === type).map((t) => t.o.id);
			if (ids.length === 0) return;
			const objectType = ENGAGEMENTS[type].objectType;
			const [company, contact, deal] = await Promise.all([
				this.associatedIds(objectType, ids, "companies", opts?.signal),
				this.associatedIds(objectType, ids, "contacts", opts?.signal),
				this.associatedIds(objectType, ids, "deals", opts?.signal)
			]);
			for (const id of ids) links.set(`${type}:${id}`, {
				company: company.get(id) ?? null,
				contact: contact.get(id) ?? null,
				deal: deal.get(id) ?? null
			});
		}));
		return top.map(({ type, o, at }) => {
			const m = ENGAGEMENTS[type];
			const l = links.get(`${type}:${o.id}`);
			let subject = m.subject === null ? "" : o.properties[m.subject] ?? "";
			let body = nonEmpty(o.properties[m.body]);
			if (m.subject === null && body !== null) {
				const [first, ...rest] = body.split("\n\n");
				subject = first ?? "";
				body = rest.length > 0 ? rest.join("\n\n") : null;
			}
			return {
				id: o.id,
				type,
				subject,
				body,
				occurred_at: new Date(at).toISOString(),
				account_id: l?.company ?? null,
				contact_id: l?.contact ?? null,
				opportunity_id: l?.deal ?? null,
				owner_id: this.crmOwner(o.properties.hubspot_owner_id),
				created_at: o.createdAt.toISOString()
			};
		});
	}
	async ping() {
		await this.opts.store.ping();
	}
	async close() {
		this.agent.destroy();
	}
	async search(objectType, kind, scope, page, filterGroups, sortBy, direction, properties, signal) {
		const limit = clampLimit(page);
		const cursorScope = {
			tenant: this.opts.tenant,
			principal: page.principal,
			kind,
			query: scope
		};
		let after;
		if (page.cursor !== null) {
			const a = this.cursors.decode(page.cursor, cursorScope)?.a;
			if (typeof a !== "string" || a.length === 0 || a.length > 256) throw invalidCursor();
			after = a;
		}
		const res = await this.call(signal, (c) => c.crm.objects.searchApi.doSearch(objectType, {
			filterGroups,
			sorts: sorts(sortBy, direction),
			properties,
			limit,
			...after === void 0 ? {} : { after }
		}));
		const next = res.paging?.next?.after;
		return {
			items: res.results,
			next_cursor: next === void 0 || next === "" ? null : this.cursors.encode(cursorScope, { a: next }),
			total: res.total
		};
	}
	emptyPage(page, kind, scope) {
		if (page.cursor !== null) this.cursors.decode(page.cursor, {
			tenant: this.opts.tenant,
			principal: page.principal,
			kind,
			query: scope
		});
		return {
			items: [],
			next_cursor: null,
			total: 0
		};
	}
	/** First associated id of each record (one batch call per page). */
	async associatedIds(fromType, ids, toType, signal) {
		const out = /* @__PURE__ */ new Map();
		if (ids.length === 0) return out;
		const res = await this.call(signal, (c) => c.crm.associations.v4.batchApi.getPage(fromType, toType, { inputs: ids.map((id) => ({ id })) }));
		for (const r of res.results) {
			const primary = r.to.find((t) => t.associationTypes.some((a) => a.label === "Primary")) ?? r.to[0];
			if (primary !== void 0) out.set(r._from.id, String(primary.toObjectId));
		}
		return out;
	}
	/** Through the read cache when there is one and `use` (writes read fresh: a version check needs the upstream's). */
	cached(use, tenant, type, id, load) {
		const cache = this.opts.cache;
		return use && cache !== void 0 ? cache.read(tenant, type, id, load) : load();
	}
	async reread(tenant, id, get) {
		const r = await get(tenant, id);
		if (r === null) throw errors.upstream("hubspot", /* @__PURE__ */ new Error(`record ${id} missing right after it was written`), true);
		return r;
	}
	/**
	* Reserve the key, write upstream, record the result; a failed write releases the key for a
	* retry. `touches` names the record the write changes: its cached copy is dropped once the write
	* has finished or failed (a failure may have changed part of it).
	*/
	async write(tenant, tool, opts, args, fn, touches) {
		opts.signal?.throwIfAborted();
		const key = opts.idempotencyKey;
		const store = this.opts.store;
		const scope = key === null ? null : {
			tenant,
			principal: opts.principal ?? "",
			tool,
			key
		};
		if (scope !== null) {
			const r = await this.ledger.reserve(store, scope, args);
			if (r.state === "replay") return {
				record: r.result,
				replayed: true
			};
		}
		try {
			const record = await fn().finally(() => touches === void 0 ? void 0 : this.opts.cache?.invalidate(tenant, ...touches));
			if (scope !== null) await this.ledger.complete(store, scope, record);
			return {
				record,
				replayed: false
			};
		} catch (err) {
			if (scope !== null) await this.ledger.release(store, scope);
			throw err;
		}
	}
};
function op(o) {
	return o;
}
function filter(propertyName, operator, value) {
	return {
		propertyName,
		operator: op(operator),
		value
	};
}
function groupsOf(filters) {
	return filters.length === 0 ? [] : [{ filters }];
}
/** HubSpot documents sorts as objects; the SDK types them as strings but sends them as given. */
function sorts(propertyName, direction) {
	return [{
		propertyName,
		direction
	}];
}
function spec(associationTypeId) {
	return {
		associationCategory: "HUBSPOT_DEFINED",
		associationTypeId
	};
}
function firstAssociated(o, type) {
	return o.associations?.[type]?.results[0]?.id ?? null;
}
function nonEmpty(v) {
	return v === null || v === void 0 || v === "" ? null : v;
}
/** HubSpot record ids are numeric; anything else cannot exist there (and must not reach a URL). */
function isHubId(id) {
	return /^\d{1,20}$/.test(id);
}
/**
* Definite answers become PortcullisErrors (final, never retried); transient failures (429, 5xx,
* network) and 401 stay raw so the kit retries them or refreshes the token.
*/
function translate(err) {
	if (err instanceof PortcullisError) return err;
	const status = typeof err?.code === "number" ? err.code : void 0;
	if (status === void 0 || status === 401 || status === 408 || status === 429 || status >= 500) return err;
	if (status === 404) return new PortcullisError({
		code: "upstream_not_found",
		category: "not_found",
		message: "The record was not found in HubSpot.",
		internal: err
	});
	if (status === 409) return new PortcullisError({
		code: "upstream_conflict",
		category: "conflict",
		message: "HubSpot refused the write because it conflicts with an existing record (for example a contact with the same email).",
		remediation: "Search for the existing record and update it instead.",
		internal: err
	});
	if (status === 400) return new PortcullisError({
		code: "upstream_rejected",
		category: "validation",
		message: "HubSpot rejected the values of this request.",
		remediation: "Check the field values (formats, allowed options) and try again.",
		internal: err
	});
	if (status === 403) return new PortcullisError({
		code: "upstream_forbidden",
		category: "upstream",
		message: "The HubSpot token is not allowed to do this.",
		retryable: false,
		remediation: "Ask an operator to grant the private app the needed CRM scopes.",
		internal: err
	});
	return err;
}

// servers/crm/dist/email/outbox.js
/** Sends count over a rolling day: no midnight burst, and a cool-down that really cools down. */
const WINDOW = `interval '24 hours'`;
function toRow(r) {
	const iso = (v) => v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
	return {
		id: String(r.id),
		tenant: String(r.tenant),
		contact_id: String(r.contact_id),
		template: String(r.template),
		sender: String(r.sender),
		idempotency_key: String(r.idempotency_key),
		message_hash: String(r.message_hash),
		rfc_message_id: String(r.rfc_message_id),
		transport: String(r.transport),
		state: String(r.state),
		provider_message_id: r.provider_message_id ?? null,
		activity_id: r.activity_id ?? null,
		created_at: iso(r.created_at),
		accepted_at: r.accepted_at == null ? null : iso(r.accepted_at)
	};
}
function newMessageId() {
	return `msg_${randomBytes(12).toString("hex")}`;
}
var Outbox = class {
	q;
	constructor(q) {
		this.q = q;
	}
	/** Keys are the sender's own (as in the kit's idempotency ledger): another principal's key never matches. */
	async byKey(tenant, sender, key) {
		const r = await this.q.query("SELECT * FROM crm_email_outbox WHERE tenant = $1 AND sender = $2 AND idempotency_key = $3", [
			tenant,
			sender,
			key
		]);
		return r.rows[0] === void 0 ? null : toRow(r.rows[0]);
	}
	/** Starts (or restarts, after a failure the provider never accepted) the row for this key. */
	async begin(row) {
		const out = (await this.q.query(`INSERT INTO crm_email_outbox (id, tenant, contact_id, template, sender, idempotency_key, message_hash, rfc_message_id, transport, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'sending')
       ON CONFLICT (tenant, sender, idempotency_key) DO UPDATE SET
         id = EXCLUDED.id, contact_id = EXCLUDED.contact_id, template = EXCLUDED.template,
         message_hash = EXCLUDED.message_hash, rfc_message_id = EXCLUDED.rfc_message_id, transport = EXCLUDED.transport,
         state = 'sending', created_at = now()
       WHERE crm_email_outbox.state = 'failed'
       RETURNING *`, [
			row.id,
			row.tenant,
			row.contact_id,
			row.template,
			row.sender,
			row.idempotency_key,
			row.message_hash,
			row.rfc_message_id,
			row.transport
		])).rows[0];
		if (out === void 0) throw new Error(`outbox row for this idempotency key is not in state failed`);
		return toRow(out);
	}
	async accepted(id, providerMessageId) {
		await this.q.query(`UPDATE crm_email_outbox SET state = 'accepted', provider_message_id = $2, accepted_at = now() WHERE id = $1`, [id, providerMessageId]);
	}
	async failed(id) {
		await this.q.query(`UPDATE crm_email_outbox SET state = 'failed' WHERE id = $1 AND state = 'sending'`, [id]);
	}
	async activityLogged(id, activityId) {
		await this.q.query("UPDATE crm_email_outbox SET activity_id = $2 WHERE id = $1", [id, activityId]);
	}
	/**
	* Messages a principal sent (or is sending) in the last 24 hours; failed ones do not count, nor
	* the one of `exceptKey`, so a retry of a message already sent is never refused by its own send.
	*/
	async sentBy(tenant, sender, exceptKey) {
		const r = await this.q.query(`SELECT count(*) AS n FROM crm_email_outbox
        WHERE tenant = $1 AND sender = $2 AND state <> 'failed' AND created_at > now() - ${WINDOW}
          AND idempotency_key <> $3`, [
			tenant,
			sender,
			exceptKey
		]);
		return Number(r.rows[0]?.n ?? 0);
	}
	/** Messages to one contact in the last 24 hours, whoever sent them (but for this sender's `exceptKey`). */
	async sentTo(tenant, contactId, sender, exceptKey) {
		const r = await this.q.query(`SELECT count(*) AS n FROM crm_email_outbox
        WHERE tenant = $1 AND contact_id = $2 AND state <> 'failed' AND created_at > now() - ${WINDOW}
          AND NOT (sender = $3 AND idempotency_key = $4)`, [
			tenant,
			contactId,
			sender,
			exceptKey
		]);
		return Number(r.rows[0]?.n ?? 0);
	}
};
/** The suppression list: contacts who opted out of e-mail. Both backends honour it. */
var Suppressions = class {
	q;
	constructor(q) {
		this.q = q;
	}
	async reason(tenant, contactId) {
		return (await this.q.query("SELECT reason FROM crm_email_suppressions WHERE tenant = $1 AND contact_id = $2", [tenant, contactId])).rows[0]?.reason ?? null;
	}
	async add(tenant, contactId, reason) {
		await this.q.query(`INSERT INTO crm_email_suppressions (tenant, contact_id, reason) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, contact_id) DO UPDATE SET reason = EXCLUDED.reason`, [
			tenant,
			contactId,
			reason
		]);
	}
	async remove(tenant, contactId) {
		await this.q.query("DELETE FROM crm_email_suppressions WHERE tenant = $1 AND contact_id = $2", [tenant, contactId]);
	}
};

// servers/crm/dist/email/templates.js
/**
* E-mail templates: reviewed JSON files shipped with the server (`templates/`), plus an operator
* folder (CRM_EMAIL_TEMPLATE_DIR). The model picks a template by name and fills its declared
* variables; it never writes a subject, a body or an address. Placeholders are `{{name}}`, the
* built-ins `{{contact.first_name}}`, `{{contact.last_name}}` and `{{sender.name}}`, and optional
* sections `{{#name}}...{{/name}}` that render only when that variable is given.
*/
const TEMPLATE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const VARIABLE_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** The only free text a template may accept, and only when it declares it. */
const NOTE_VARIABLE = "note";
const MAX_NOTE_LENGTH = 1e3;
/** Upper bound on any one variable, whatever a template says. */
const MAX_VARIABLE_LENGTH = 1e3;
const BUILTINS = [
	"contact.first_name",
	"contact.last_name",
	"sender.name"
];
const variableSpec = object({
	description: string().min(1).max(300),
	max_length: number$1().int().min(1).max(MAX_VARIABLE_LENGTH),
	pattern: string().max(300).refine((p) => {
		try {
			new RegExp(p, "u");
			return true;
		} catch {
			return false;
		}
	}, "must be a valid regular expression").optional(),
	required: boolean().default(true)
}).strict();
const templateFile = object({
	name: string().regex(TEMPLATE_NAME, "lower snake_case, at most 64 characters"),
	description: string().min(1).max(300),
	policy: object({
		category: _enum(["sales", "service"]),
		customer_facing: boolean(),
		requires_manager: boolean()
	}).strict(),
	variables: record(string().regex(VARIABLE_NAME, "lower snake_case variable names"), variableSpec),
	subject: string().min(1).max(200),
	text: string().min(1).max(2e4),
	html: string().min(1).max(5e4).optional()
}).strict();
const TOKEN = /\{\{\s*([#/]?)([a-z][a-z0-9_.]*)\s*\}\}/g;
/** Every placeholder and section of a template text must name a declared variable or a built-in. */
function checkPlaceholders(t, field, text) {
	const open = [];
	for (const m of text.matchAll(TOKEN)) {
		const [, kind, name = ""] = m;
		if (!(name in t.variables || BUILTINS.includes(name))) throw new Error(`${field} uses {{${name}}}, which is neither a declared variable nor a built-in`);
		if (kind === "#") {
			if (!(name in t.variables) || t.variables[name]?.required !== false) throw new Error(`${field}: section {{#${name}}} needs an optional declared variable`);
			open.push(name);
		} else if (kind === "/") {
			if (open.pop() !== name) throw new Error(`${field}: {{/${name}}} closes no open section`);
		}
	}
	if (open.length > 0) throw new Error(`${field}: section {{#${open[0]}}} is never closed`);
	if (/\{\{|\}\}/.test(text.replace(TOKEN, ""))) throw new Error(`${field} has a malformed placeholder`);
}
function parseTemplate(path, source) {
	let raw;
	try {
		raw = JSON.parse(readFileSync(path, "utf8"));
	} catch (err) {
		throw new ConfigError(`E-mail template ${path} is not valid JSON: ${err.message}`);
	}
	const r = templateFile.safeParse(raw);
	if (!r.success) throw new ConfigError(`E-mail template ${path}: ${r.error.issues.map((i) => `${i.path.join(".") || "file"}: ${i.message}`).join("; ")}`);
	const t = r.data;
	try {
		if (/[\r\n]/.test(t.subject)) throw new Error("subject must be one line");
		const note = t.variables[NOTE_VARIABLE];
		if (note !== void 0 && note.max_length > 1e3) throw new Error(`note may be at most ${MAX_NOTE_LENGTH} characters`);
		checkPlaceholders(t, "subject", t.subject);
		checkPlaceholders(t, "text", t.text);
		if (t.html !== void 0) checkPlaceholders(t, "html", t.html);
	} catch (err) {
		throw new ConfigError(`E-mail template ${path}: ${err.message}`);
	}
	if ((path.split("/").pop() ?? "") !== `${t.name}.json`) throw new ConfigError(`E-mail template ${path} must be named ${t.name}.json`);
	return {
		...t,
		source
	};
}
/**
* Loads the shipped templates and the operator's. An invalid file, or an operator template that
* reuses a shipped name, stops start-up: the reviewed wording cannot be replaced silently.
*/
function loadTemplates(shippedDir, operatorDir) {
	const out = /* @__PURE__ */ new Map();
	const load = (dir, source) => {
		if (!existsSync(dir)) throw new ConfigError(`CRM_EMAIL_TEMPLATE_DIR: template folder ${dir} does not exist.`);
		for (const f of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
			const t = parseTemplate(join(dir, f), source);
			if (out.has(t.name)) throw new ConfigError(`E-mail template ${t.name} is defined twice (${join(dir, f)}).`);
			out.set(t.name, t);
		}
	};
	load(shippedDir, "shipped");
	if (operatorDir !== void 0) load(operatorDir, "operator");
	return out;
}
/**
* Checks the variables against the template: no unknown ones, every required one present, each
* within its length and pattern. (The tool's input schema already refused CR/LF, control
* characters, markup and anything over MAX_VARIABLE_LENGTH.)
*/
function checkVariables(t, vars) {
	const issues = [];
	for (const name of Object.keys(vars)) if (!(name in t.variables)) issues.push({
		path: `variables.${name}`,
		message: `not a variable of ${t.name}`
	});
	for (const [name, spec] of Object.entries(t.variables)) {
		const v = vars[name];
		if (v === void 0 || v === "") {
			if (spec.required) issues.push({
				path: `variables.${name}`,
				message: "is required"
			});
			continue;
		}
		if ([...v].length > spec.max_length) issues.push({
			path: `variables.${name}`,
			message: `at most ${spec.max_length} characters`
		});
		else if (spec.pattern !== void 0 && !new RegExp(spec.pattern, "u").test(v)) issues.push({
			path: `variables.${name}`,
			message: `does not have the expected form (${spec.description})`
		});
	}
	if (issues.length > 0) throw errors.validation(`Invalid arguments: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.`, `crm_list_templates lists the variables of ${t.name} with their limits.`, { issues });
}
const HTML_ESCAPES = {
	"&": "&amp;",
	"<": "&lt;",
	">": "&gt;",
	"\"": "&quot;",
	"'": "&#39;"
};
function escapeHtml(s) {
	return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
function fill(text, values, escape) {
	return text.replace(/\{\{\s*#([a-z][a-z0-9_]*)\s*\}\}([\s\S]*?)\{\{\s*\/\1\s*\}\}/g, (_m, name, inner) => (values.get(name) ?? "") === "" ? "" : inner).replace(TOKEN, (_m, _kind, name) => escape(values.get(name) ?? ""));
}
/** Renders subject, text and (when the template has one) HTML; HTML gets every value escaped. */
function renderTemplate(t, input) {
	const values = new Map(Object.entries(input.variables));
	const builtins = {
		"contact.first_name": input.contact.first_name,
		"contact.last_name": input.contact.last_name,
		"sender.name": input.sender.name
	};
	for (const [k, v] of Object.entries(builtins)) values.set(k, v.replace(/[\r\n\t]+/g, " "));
	const subject = fill(t.subject, values, (s) => s).trim();
	if (/[\r\n]/.test(subject)) throw errors.internal(/* @__PURE__ */ new Error(`template ${t.name} rendered a multi-line subject`));
	return {
		subject,
		text: fill(t.text, values, (s) => s),
		html: t.html === void 0 ? null : fill(t.html, values, escapeHtml)
	};
}

// servers/crm/dist/email/service.js
/** Everything the e-mail tools need, built once at start (src/server.ts) next to the backend. */
var EmailService = class {
	o;
	outbox;
	suppressions;
	ledger;
	constructor(o) {
		this.o = o;
		this.outbox = new Outbox(o.store);
		this.suppressions = new Suppressions(o.store);
		this.ledger = o.ledger;
	}
	get transport() {
		return this.o.transport;
	}
	get limits() {
		return this.o.limits;
	}
	templates() {
		return [...this.o.templates.values()].sort((a, b) => a.name.localeCompare(b.name));
	}
	template(name) {
		const t = this.o.templates.get(name);
		if (t === void 0) throw errors.validation(`Invalid arguments: template: there is no e-mail template named ${name}.`, `Use one of: ${[...this.o.templates.keys()].sort().join(", ")} (crm_list_templates describes them).`, { issues: [{
			path: "template",
			message: "unknown template"
		}] });
		return t;
	}
	render(t, input) {
		return renderTemplate(t, input);
	}
	/** Refuses a contact who opted out (suppression list, or the CRM's own consent record). */
	async checkConsent(tenant, contact, signal) {
		const reason = await this.suppressions.reason(tenant, contact.id) ?? (this.o.consent ? await this.o.consent(tenant, contact, signal) : null);
		if (reason !== null) throw new PortcullisError({
			code: "contact_opted_out",
			category: "forbidden",
			message: `Contact ${contact.id} opted out of e-mail (${reason}); nothing was sent.`,
			retryable: false,
			remediation: "Do not e-mail this contact. Reach them another way their owner agrees, or log a note."
		});
	}
	from() {
		return this.o.from;
	}
	/** The sender's domain, for Message-IDs. */
	domain() {
		return /@([A-Za-z0-9.-]+)>?\s*$/.exec(this.o.from)?.[1] ?? "portcullis.localhost";
	}
	rfcMessageId() {
		return `<${randomBytes(16).toString("hex")}@${this.domain()}>`;
	}
	async close() {
		await this.o.transport.close();
	}
};
/** The hash audit keeps of a message: what was sent can be proven later without storing it. */
function messageHash(r, template, contactId) {
	return createHash("sha256").update(JSON.stringify({
		template,
		contact_id: contactId,
		subject: r.subject,
		text: r.text,
		html: r.html
	})).digest("hex");
}

// servers/crm/dist/email/transport.js
let nodemailerModule;
async function nodemailer() {
	nodemailerModule ??= import("nodemailer");
	return (await nodemailerModule).default;
}
function mailOptions(msg) {
	return {
		from: msg.from,
		to: msg.to,
		subject: msg.subject,
		text: msg.text,
		...msg.html === null ? {} : { html: msg.html },
		messageId: msg.rfcMessageId,
		headers: { "X-Portcullis-Message-Id": msg.id },
		envelope: {
			from: addressOf(msg.from),
			to: [msg.to]
		},
		disableFileAccess: true,
		disableUrlAccess: true
	};
}
function addressOf(from) {
	return (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from).trim();
}
/**
* The embedded default: each message is composed as a real RFC 5322 message (nodemailer's
* stream transport) and written to `<data dir>/outbox/<id>.eml`, readable by the owner only.
*/
var FileTransport = class {
	dir;
	kind = "file";
	system = "email_file";
	composer;
	constructor(dir) {
		this.dir = dir;
		mkdirSync(dir, {
			recursive: true,
			mode: 448
		});
		chmodSync(dir, 448);
	}
	async send(msg) {
		this.composer ??= nodemailer().then((m) => m.createTransport({
			streamTransport: true,
			buffer: true,
			newline: "unix"
		}));
		const raw = (await (await this.composer).sendMail(mailOptions(msg))).message;
		writeFileSync(join(this.dir, `${msg.id}.eml`), raw, {
			mode: 384,
			flag: "wx"
		});
		return { providerMessageId: `file:${msg.id}.eml` };
	}
	async close() {
		(await this.composer)?.close();
	}
};
const SMTP_TRANSIENT_CODES = /* @__PURE__ */ new Set([
	"ECONNECTION",
	"ETIMEDOUT",
	"ESOCKET",
	"EDNS",
	"ECONNRESET"
]);
/** SMTP through nodemailer. 4xx replies and connection failures are transient; 5xx are final. */
var SmtpTransport = class {
	o;
	kind = "smtp";
	system = "smtp";
	cached = null;
	constructor(o) {
		this.o = o;
	}
	async transporter(password) {
		const cached = this.cached;
		if (cached !== null && cached.password === password) return cached.t;
		const m = await nodemailer();
		if (this.cached !== null && this.cached.password === password) return this.cached.t;
		this.cached?.t.close();
		const timeout = this.o.timeoutMs ?? 1e4;
		const t = m.createTransport({
			host: this.o.host,
			port: this.o.port,
			secure: this.o.security === "tls",
			requireTLS: this.o.security === "starttls",
			ignoreTLS: this.o.security === "none",
			...this.o.user !== void 0 && password !== void 0 ? { auth: {
				user: this.o.user,
				pass: password
			} } : {},
			tls: {
				minVersion: "TLSv1.2",
				...this.o.ca !== void 0 ? { ca: this.o.ca } : {}
			},
			connectionTimeout: timeout,
			greetingTimeout: timeout,
			socketTimeout: timeout
		});
		this.cached = {
			password,
			t
		};
		return t;
	}
	async send(msg, signal) {
		signal.throwIfAborted();
		const run = async (password) => {
			try {
				const info = await (await this.transporter(password)).sendMail(mailOptions(msg));
				return { providerMessageId: /queued as ([A-Za-z0-9._-]+)/i.exec(info.response ?? "")?.[1] ?? info.messageId ?? msg.rfcMessageId };
			} catch (err) {
				throw smtpError(err);
			}
		};
		return this.o.withPassword ? this.o.withPassword((p) => run(p)) : run(void 0);
	}
	close() {
		this.cached?.t.close();
		this.cached = null;
		return Promise.resolve();
	}
};
/**
* Provider messages may quote the recipient, or any other contact detail in free text: keep
* addresses and phone-like numbers (seven digits or more, with the usual separators) out of logs
* and audit. Status codes such as `550 5.1.1` have too few digits to be taken for a number.
*/
function withoutAddresses(s) {
	return s.replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, "[address]").replace(/\+?\(?\d[\d\s()./-]{5,}\d/g, (m) => m.replace(/\D/g, "").length >= 7 ? "[number]" : m).slice(0, 300);
}
/** A provider error reduced to what operators need (status, codes), with any address removed. */
function sanitized(system, err, extra = {}) {
	const e = err ?? {};
	const out = /* @__PURE__ */ new Error(`${system}: ${withoutAddresses(String(e.message ?? "failed"))}`);
	out.name = typeof e.name === "string" ? e.name : "Error";
	return Object.assign(out, {
		...typeof e.code === "string" ? { code: e.code } : {},
		...typeof e.responseCode === "number" ? { responseCode: e.responseCode } : {},
		...extra
	});
}
/**
* The kit retries plain errors it classifies as transient and treats a PortcullisError as final,
* so a temporary SMTP failure leaves as a plain error carrying an HTTP-like status (a 4xx reply is
* "try later", like 503) or its network code, and a final one as a PortcullisError.
*/
function smtpError(err) {
	const e = err ?? {};
	const internal = sanitized("smtp", err);
	if (e.code === "EAUTH" || e.responseCode === 535) return new PortcullisError({
		code: "upstream_unauthorized",
		category: "unauthenticated",
		message: "The mail relay refused the configured credentials.",
		retryable: false,
		remediation: "Ask an operator to check CRM_SMTP_USER and CRM_SMTP_PASSWORD.",
		internal
	});
	if (typeof e.responseCode === "number" && e.responseCode >= 400 && e.responseCode < 500) return Object.assign(internal, { status: 503 });
	if (e.code !== void 0 && SMTP_TRANSIENT_CODES.has(e.code)) return Object.assign(internal, { code: "ECONNRESET" });
	return errors.upstream("smtp", internal, false);
}
/**
* Amazon SES v2 SendEmail through the official SDK. SDK retries are off (maxAttempts 1) so the
* kit's retry policy sees every attempt: throttling (429, ThrottlingException) and 5xx are retried
* there, honouring Retry-After; other errors are final.
*/
var SesTransport = class {
	o;
	kind = "ses";
	system = "ses";
	sdk;
	constructor(o) {
		this.o = o;
	}
	open() {
		this.sdk ??= import("@aws-sdk/client-sesv2").then((sdk) => ({
			sdk,
			client: new sdk.SESv2Client({
				region: this.o.region,
				maxAttempts: 1,
				...this.o.endpoint !== void 0 ? { endpoint: this.o.endpoint } : {},
				...this.o.credentials !== void 0 ? { credentials: this.o.credentials } : {}
			})
		}));
		return this.sdk;
	}
	async send(msg, signal) {
		try {
			const { client, sdk } = await this.open();
			const out = await client.send(new sdk.SendEmailCommand({
				FromEmailAddress: msg.from,
				Destination: { ToAddresses: [msg.to] },
				Content: { Simple: {
					Subject: {
						Data: msg.subject,
						Charset: "UTF-8"
					},
					Body: {
						Text: {
							Data: msg.text,
							Charset: "UTF-8"
						},
						...msg.html === null ? {} : { Html: {
							Data: msg.html,
							Charset: "UTF-8"
						} }
					},
					Headers: [{
						Name: "X-Portcullis-Message-Id",
						Value: msg.id
					}]
				} },
				...this.o.configurationSet !== void 0 ? { ConfigurationSetName: this.o.configurationSet } : {}
			}), { abortSignal: signal });
			if (out.MessageId === void 0) throw errors.upstream("ses", /* @__PURE__ */ new Error("SendEmail returned no MessageId"), false);
			return { providerMessageId: out.MessageId };
		} catch (err) {
			throw sesError(err);
		}
	}
	async close() {
		if (this.sdk !== void 0) (await this.sdk).client.destroy();
	}
};
function sesError(err) {
	if (err instanceof PortcullisError) return err;
	const e = err ?? {};
	const status = e.$metadata?.httpStatusCode;
	const retryAfter = e.$response?.headers?.["retry-after"];
	const headers = retryAfter !== void 0 ? { headers: { "retry-after": retryAfter } } : {};
	if (e.name === "ThrottlingException" || e.name === "TooManyRequestsException" || status === 429) return sanitized("ses", err, {
		status: 429,
		...headers
	});
	if (status === void 0) return sanitized("ses", err);
	return sanitized("ses", err, {
		status,
		...headers
	});
}

// servers/crm/dist/email/setup.js
/** Templates reviewed with the server, shipped next to dist/ (package.json `files`). */
const SHIPPED_TEMPLATES = fileURLToPath(new URL("../../templates", import.meta.url));
/** Demo contacts on the suppression list, so the opt-out refusal can be seen without setup. */
const DEMO_SUPPRESSED_CONTACT = 3;
function transportFor(cfg, services) {
	switch (cfg.CRM_EMAIL_TRANSPORT) {
		case "smtp": {
			const passwordRef = cfg.CRM_SMTP_PASSWORD;
			return new SmtpTransport({
				host: cfg.CRM_SMTP_HOST ?? "",
				port: cfg.CRM_SMTP_PORT,
				security: cfg.CRM_SMTP_SECURITY,
				...cfg.CRM_SMTP_USER !== void 0 ? { user: cfg.CRM_SMTP_USER } : {},
				...passwordRef !== void 0 ? { withPassword: (fn) => services.credentials.withSecret(passwordRef, "CRM_SMTP_PASSWORD", fn) } : {},
				...cfg.CRM_SMTP_CA_FILE !== void 0 ? { ca: readCa(cfg.CRM_SMTP_CA_FILE) } : {}
			});
		}
		case "ses": {
			const idRef = cfg.CRM_SES_ACCESS_KEY_ID;
			const secretRef = cfg.CRM_SES_SECRET_ACCESS_KEY;
			return new SesTransport({
				region: cfg.CRM_SES_REGION ?? "",
				...cfg.CRM_SES_ENDPOINT !== void 0 ? { endpoint: cfg.CRM_SES_ENDPOINT } : {},
				...cfg.CRM_SES_CONFIGURATION_SET !== void 0 ? { configurationSet: cfg.CRM_SES_CONFIGURATION_SET } : {},
				...idRef !== void 0 && secretRef !== void 0 ? { credentials: async () => ({
					accessKeyId: await services.credentials.get(idRef, "CRM_SES_ACCESS_KEY_ID"),
					secretAccessKey: await services.credentials.get(secretRef, "CRM_SES_SECRET_ACCESS_KEY")
				}) } : {}
			});
		}
		default: return new FileTransport(join(services.dataDir, "outbox"));
	}
}
function readCa(path) {
	try {
		return readFileSync(path, "utf8");
	} catch {
		throw new ConfigError(`CRM_SMTP_CA_FILE: cannot read ${path}.`);
	}
}
/**
* HubSpot keeps consent as subscription status: a contact unsubscribed portal-wide ("opted out of
* all email"), or from the configured subscription type, is refused.
*/
function hubspotConsent(backend, subscriptionId) {
	return async (tenant, contact, signal) => {
		if (contact.email === null) return null;
		let statuses;
		try {
			statuses = await backend.emailSubscriptionStatuses(tenant, contact.email, { signal });
		} catch (err) {
			if (err instanceof PortcullisError) throw new PortcullisError({
				code: err.code,
				category: err.category,
				message: err.message,
				retryable: err.retryable,
				...err.retryAfterMs !== void 0 ? { retryAfterMs: err.retryAfterMs } : {},
				internal: new Error(withoutAddresses(String(err.internal?.message ?? err.code)))
			});
			throw errors.upstream("hubspot", new Error(withoutAddresses(String(err.message))));
		}
		const out = statuses.find((s) => s.status === "NOT_SUBSCRIBED" && (s.sourceOfStatus === "PORTAL_WIDE_STATUS" || subscriptionId !== void 0 && s.id === subscriptionId));
		if (out === void 0) return null;
		return out.sourceOfStatus === "PORTAL_WIDE_STATUS" ? "unsubscribed from all e-mail in HubSpot" : `unsubscribed from HubSpot subscription ${out.id}`;
	};
}
/** Builds the e-mail service at start: invalid templates or settings stop the server here. */
async function openEmail(services, cfg, backend) {
	const templates = loadTemplates(SHIPPED_TEMPLATES, cfg.CRM_EMAIL_TEMPLATE_DIR);
	const transport = transportFor(cfg, services);
	const svc = new EmailService({
		store: services.store,
		ledger: await IdempotencyLedger.open(services.store),
		templates,
		transport,
		from: cfg.CRM_EMAIL_FROM,
		limits: {
			dailySendBudget: cfg.CRM_EMAIL_DAILY_SEND_BUDGET,
			contactDailyLimit: cfg.CRM_EMAIL_CONTACT_DAILY_LIMIT
		},
		...backend.kind === "hubspot" ? { consent: hubspotConsent(backend, cfg.CRM_HUBSPOT_EMAIL_SUBSCRIPTION_ID) } : {}
	});
	if (backend.kind === "embedded" && crmSeedFor(cfg, services.env) === "demo") for (const tenant of Object.keys(DEMO_TENANTS)) await services.store.query(`INSERT INTO crm_email_suppressions (tenant, contact_id, reason) VALUES ($1, $2, 'unsubscribed (demo data)')
         ON CONFLICT (tenant, contact_id) DO NOTHING`, [tenant, seedId("con", tenant, 3)]);
	services.logger.info({
		transport: transport.kind,
		templates: templates.size,
		from: cfg.CRM_EMAIL_FROM
	}, "CRM e-mail ready");
	return svc;
}
/** Attaches the e-mail service to either backend, and closes it with the backend. */
async function withEmail(services, cfg, backend) {
	const email = await openEmail(services, cfg, backend);
	backend.email = email;
	const closeBackend = backend.close.bind(backend);
	backend.close = async () => {
		await email.close();
		await closeBackend();
	};
	return backend;
}

// servers/crm/dist/migrations.js
/**
* The CRM's tables in the kit store: `crm_settings` (the demo seed marker) and the embedded
* backend's record tables. Idempotency keys live in the kit's ledger. Applied migrations are
* never edited: add a new one instead.
*/
const migrations = [
	{
		id: "0001_crm_core",
		sql: `
CREATE TABLE crm_settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE crm_idempotency (
  tenant text NOT NULL,
  tool text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, tool, key)
);
CREATE INDEX crm_idempotency_created ON crm_idempotency (created_at);

CREATE TABLE crm_teams (
  tenant text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  manager_id text,
  PRIMARY KEY (tenant, id)
);

CREATE TABLE crm_owners (
  tenant text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  team text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant, id)
);

CREATE TABLE crm_accounts (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  name text NOT NULL,
  domain text,
  industry text NOT NULL,
  region text NOT NULL,
  owner_id text NOT NULL,
  team text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX crm_accounts_name ON crm_accounts (tenant, (lower(name) COLLATE "C"), id);
CREATE INDEX crm_accounts_owner ON crm_accounts (tenant, owner_id);

CREATE TABLE crm_contacts (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  account_id text REFERENCES crm_accounts (id),
  first_name text NOT NULL,
  last_name text NOT NULL,
  title text,
  email text,
  phone text,
  owner_id text NOT NULL,
  team text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX crm_contacts_name ON crm_contacts (tenant, (lower(last_name) COLLATE "C"), (lower(first_name) COLLATE "C"), id);
CREATE INDEX crm_contacts_account ON crm_contacts (tenant, account_id);

CREATE TABLE crm_opportunities (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  account_id text NOT NULL REFERENCES crm_accounts (id),
  name text NOT NULL,
  stage text NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  currency text NOT NULL,
  close_date text NOT NULL,
  owner_id text NOT NULL,
  team text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX crm_opportunities_close ON crm_opportunities (tenant, close_date, id);
CREATE INDEX crm_opportunities_account ON crm_opportunities (tenant, account_id);

CREATE TABLE crm_activities (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  type text NOT NULL,
  subject text NOT NULL,
  body text,
  occurred_at timestamptz NOT NULL,
  account_id text,
  contact_id text,
  opportunity_id text,
  owner_id text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX crm_activities_account ON crm_activities (tenant, account_id, occurred_at DESC);
CREATE INDEX crm_activities_contact ON crm_activities (tenant, contact_id, occurred_at DESC);
CREATE INDEX crm_activities_opportunity ON crm_activities (tenant, opportunity_id, occurred_at DESC);
`
	},
	{
		id: "0002_kit_ledger_and_cursors",
		sql: `
DROP TABLE crm_idempotency;
DELETE FROM crm_settings WHERE key = 'cursor_key';
`
	},
	{
		id: "0003_crm_email",
		sql: `
CREATE TABLE crm_email_outbox (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  contact_id text NOT NULL,
  template text NOT NULL,
  sender text NOT NULL,
  idempotency_key text NOT NULL,
  message_hash text NOT NULL,
  rfc_message_id text NOT NULL,
  transport text NOT NULL,
  state text NOT NULL CHECK (state IN ('sending', 'accepted', 'failed')),
  provider_message_id text,
  activity_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  accepted_at timestamptz,
  UNIQUE (tenant, sender, idempotency_key)
);
CREATE INDEX crm_email_outbox_sender ON crm_email_outbox (tenant, sender, created_at);
CREATE INDEX crm_email_outbox_contact ON crm_email_outbox (tenant, contact_id, created_at);

CREATE TABLE crm_email_suppressions (
  tenant text NOT NULL,
  contact_id text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, contact_id)
);

ALTER TABLE crm_contacts ADD COLUMN billing_customer_id text;
`
	},
	{
		id: "0004_crm_search_indexes",
		sql: `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX crm_accounts_name_trgm ON crm_accounts USING gin (lower(name) gin_trgm_ops);
CREATE INDEX crm_contacts_first_name_trgm ON crm_contacts USING gin (lower(first_name) gin_trgm_ops);
CREATE INDEX crm_contacts_last_name_trgm ON crm_contacts USING gin (lower(last_name) gin_trgm_ops);
CREATE INDEX crm_opportunities_name_trgm ON crm_opportunities USING gin (lower(name) gin_trgm_ops);
CREATE INDEX crm_accounts_industry_region ON crm_accounts
  (tenant, industry, region, (lower(name) COLLATE "C"), id COLLATE "C");
DROP INDEX crm_accounts_name;
CREATE INDEX crm_accounts_name ON crm_accounts (tenant, (lower(name) COLLATE "C"), id COLLATE "C");
DROP INDEX crm_contacts_name;
CREATE INDEX crm_contacts_name ON crm_contacts
  (tenant, (lower(last_name) COLLATE "C"), (lower(first_name) COLLATE "C"), id COLLATE "C");
DROP INDEX crm_opportunities_close;
CREATE INDEX crm_opportunities_close ON crm_opportunities (tenant, close_date COLLATE "C", id COLLATE "C");
`
	}
];

// servers/crm/dist/prompts.js
/**
* The brief is built by the model through the tools, not from data embedded here: prompts are not
* policy-checked or audited, tools are, so the prompt carries instructions only.
*/
const briefArguments = object({
	account_id: string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/).describe("Id of the account (crm_search_accounts finds it)."),
	focus: string().max(200).optional().describe("Optional angle for the brief, e.g. \"renewal risk\" or \"expansion\".")
});
const accountBrief = {
	name: "crm_account_brief",
	title: "Account brief",
	description: "Prepare a one-page brief on an account before a customer conversation: who is who, the open pipeline, recent touches and next steps.",
	arguments: briefArguments,
	get: async (args) => ({
		description: `Brief on account ${args.account_id}`,
		messages: [{
			role: "user",
			text: [
				`Prepare a brief on CRM account ${args.account_id}${args.focus ? `, focusing on ${args.focus}` : ""}.`,
				"",
				`1. Call crm_get_account with id "${args.account_id}" for the account, its contacts, open opportunities and recent activities.`,
				`2. If there are more open opportunities than shown, call crm_search_opportunities with account_id "${args.account_id}".`,
				"3. Write the brief: one paragraph on the account; the key contacts and their roles; each open opportunity with stage, amount and close date;",
				"   what happened recently; risks; and three concrete next steps with an owner each.",
				"",
				"Use only what the tools return. Where contact details are withheld (redacted_fields), say so rather than guessing them.",
				"Do not change any record while preparing the brief."
			].join("\n")
		}]
	})
};

// servers/crm/dist/tools/common.js
/** The kit's tool helper with the backend type bound once, so handlers see a typed CrmBackend. */
const tool = toolsFor();
/** A write's options: the idempotency key is the caller's own (per tenant, principal and tool). */
function writeOptions(ctx) {
	return {
		idempotencyKey: ctx.idempotencyKey,
		principal: ctx.principal.id,
		signal: ctx.signal
	};
}
const idField = (what) => string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").describe(`Id of the ${what}, exactly as a search or get tool returned it.`);
const ownerField = string().min(1).max(64).regex(/^[A-Za-z0-9@._-]+$/, "letters, digits, @ . _ - only").describe("Id of a CRM owner (sales rep) in your tenant, as the owner_id of records shows it.");
const queryField = (fields, words) => string().min(1).max(200).optional().describe(`Words to look for in the ${fields}. Each word must match the start of a word there (case-insensitive): "north log" finds "Northwind Logistics". Punctuation separates words; only the first ${words} words are used.`);
const versionField = number$1().int().min(0).describe("The version of the record you read (its `version` field). If the record changed since, the call fails with a stale_version conflict instead of overwriting.");
const idempotencyField = string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only").optional().describe("Optional key (8-128 characters) that makes retries safe: repeating the call with the same key and the same arguments returns the first result and writes nothing again. Use a new key for a different request.");
const stageField = _enum(STAGES);
const timestamps = {
	created_at: string().describe("ISO 8601 time the record was created."),
	updated_at: string().describe("ISO 8601 time of the last change.")
};
const accountOut = object({
	id: string(),
	name: string(),
	domain: string().nullable(),
	industry: string(),
	region: string(),
	owner_id: string().describe("The CRM owner (sales rep) responsible for the account."),
	team: string().describe("The owner's sales team (\"\" when none)."),
	...timestamps,
	version: number$1().int().describe("Changes on every update; pass it back to update the record.")
});
const contactOut = object({
	id: string(),
	account_id: string().nullable(),
	first_name: string(),
	last_name: string(),
	title: string().nullable(),
	email: string().nullable().describe("Null when absent or withheld (see redacted_fields)."),
	phone: string().nullable().describe("Null when absent or withheld (see redacted_fields)."),
	billing_customer_id: string().nullable().describe("The linked billing customer (billing_get_customer takes it); null when unlinked."),
	owner_id: string(),
	team: string(),
	...timestamps,
	version: number$1().int().describe("Pass it to crm_update_contact."),
	redacted_fields: array(_enum(["email", "phone"])).describe("Personal fields withheld from you by policy (they need the pii_reader role); empty when you see everything.")
});
const contactSummaryOut = object({
	id: string(),
	first_name: string(),
	last_name: string(),
	title: string().nullable(),
	owner_id: string()
});
const opportunityOut = object({
	id: string(),
	account_id: string(),
	name: string(),
	stage: stageField,
	amount: number$1().int().describe("Whole units of currency."),
	currency: string(),
	close_date: string().describe("Expected (or actual) close date, YYYY-MM-DD."),
	owner_id: string(),
	team: string(),
	...timestamps,
	version: number$1().int().describe("Pass it to crm_update_opportunity_stage.")
});
const activityOut = object({
	id: string(),
	type: _enum(ACTIVITY_TYPES),
	subject: string(),
	body: string().nullable(),
	occurred_at: string(),
	account_id: string().nullable(),
	contact_id: string().nullable(),
	opportunity_id: string().nullable(),
	owner_id: string().describe("Who logged it."),
	created_at: string()
});
const pageFields = {
	next_cursor: string().nullable().describe("Pass as `cursor` to get the next page; null on the last page."),
	total: number$1().int().describe("Records matching the search across all pages (at least this many when total_is_lower_bound)."),
	total_is_lower_bound: literal(true).optional().describe("Present when counting stopped at 1,000: more records match than total. Narrow the search to count them.")
};
/** A backend page's count fields, as the tools return them. */
function pageCount(p) {
	return p.total_is_lower_bound ? {
		total: p.total,
		total_is_lower_bound: true
	} : { total: p.total };
}
const replayedField = boolean().describe("True when this is the stored result of an earlier call with the same idempotency_key (nothing was written now).");
const DEFAULT_LARGE_DEAL = parseMoneyTable(DEFAULT_LARGE_DEAL_THRESHOLD);
/**
* A deal's money as policy compares it: the amount in the currency's minor units (exponent from
* the kit's ISO 4217 table) beside that currency's large-deal threshold (CRM_LARGE_DEAL_THRESHOLD).
* A currency with no entry is a validation error naming the setting: a write is refused rather
* than measured against another currency's number.
*/
function dealMoney(ctx, amount, currency) {
	const threshold = amountFor(ctx.backend.largeDealThreshold ?? DEFAULT_LARGE_DEAL, currency, "CRM_LARGE_DEAL_THRESHOLD");
	const minor = toMinorUnits(amount, currency);
	if (minor === null) throw errors.validation(`${currency} is not a known ISO 4217 currency.`);
	return {
		currency: currency.toUpperCase(),
		amount_minor: minor,
		large_deal_minor: threshold
	};
}
/**
* Every other record a write reads or links is authorized for the same action, as the record it
* is (its own tenant, owner and team): one denial refuses the whole write, naming the record and
* the deciding policies.
*/
function authorizeLinked(ctx, action, records) {
	for (const { what, resource: r } of records) {
		const d = ctx.decide(action, r);
		if (d.effect === "allow") continue;
		throw new PortcullisError({
			code: d.policies.length > 0 ? "denied_by_policy" : "not_permitted",
			category: "forbidden",
			message: `Policy does not allow ${action} to touch ${what} ${r.id}${d.policies.length > 0 ? ` (policy ${d.policies.join(", ")})` : ""}; nothing was written.`,
			remediation: "Leave that record out, or ask its owner, their manager or an admin.",
			retryable: false,
			details: {
				policies: d.policies,
				record: {
					type: what,
					id: r.id
				}
			}
		});
	}
}
/**
* A record as Cedar sees it: its tenant, owner and team now, and the owner and team it will have
* after the call (target_*). Write rules require both, so a rep cannot give a record away and a
* manager cannot move one out of their team.
*/
function recordResource(type, tenant, rec, extra = {}, target) {
	return {
		type,
		id: rec.id,
		attributes: {
			tenant,
			owner: user$1(rec.owner_id),
			team: rec.team,
			target_owner: user$1(target?.owner ?? rec.owner_id),
			target_team: target?.team ?? rec.team,
			...extra
		}
	};
}
function user$1(id) {
	return { __entity: {
		type: "User",
		id
	} };
}
function versioned(rec) {
	return { version: rec.version };
}
/** The owner a new record gets: the one named, else the caller (who must then be an owner). */
async function resolveOwner(ctx, ownerId) {
	const id = ownerId ?? ctx.principal.id;
	const owner = await ctx.backend.getOwner(ctx.principal.tenant, id, { signal: ctx.signal });
	if (owner !== null) return owner;
	if (ownerId === void 0) throw errors.validation("You are not a CRM owner in your tenant, so the record needs an explicit owner.", "Pass owner_id with the id of the CRM owner (sales rep) who should own the record.");
	throw unknownOwner(ownerId);
}
/** Email and phone only for principals policy lets read PII on this contact. */
function presentContact(c, ctx) {
	return ctx.isPermitted("crm_read_pii", recordResource("Contact", c.tenant, c, versioned(c))) ? {
		...c,
		redacted_fields: []
	} : {
		...c,
		email: null,
		phone: null,
		redacted_fields: ["email", "phone"]
	};
}
function summariseContact(c) {
	return {
		id: c.id,
		first_name: c.first_name,
		last_name: c.last_name,
		title: c.title,
		owner_id: c.owner_id
	};
}
function accountLine(a) {
	return `${a.name} [${a.id}] ${a.industry}/${a.region}, owner ${a.owner_id}${a.team ? ` (${a.team})` : ""}, v${a.version}`;
}
function contactLine(c) {
	const reach = [c.email, c.phone].filter((x) => x !== null).join(", ");
	return `${c.first_name} ${c.last_name} [${c.id}]${c.title ? `, ${c.title}` : ""}${reach ? `, ${reach}` : ""}, account ${c.account_id ?? "-"}, owner ${c.owner_id}, v${c.version}${c.redacted_fields.length > 0 ? ` (withheld: ${c.redacted_fields.join(", ")})` : ""}`;
}
function opportunityLine(o) {
	return `${o.name} [${o.id}] ${o.stage}, ${o.amount} ${o.currency}, closes ${o.close_date}, account ${o.account_id}, owner ${o.owner_id}, v${o.version}`;
}
function activityLine(a) {
	return `${a.occurred_at.slice(0, 16).replace("T", " ")} ${a.type}: ${a.subject} [${a.id}]`;
}
function pageFooter(p, shown) {
	const total = p.total_is_lower_bound ? `more than ${p.total}` : `${p.total}`;
	return p.next_cursor === null ? `(${shown} shown, ${total} in total, last page)` : `(${shown} shown, ${total} in total; next_cursor: ${p.next_cursor})`;
}
/** A linked record (a parent account, an activity's other targets) as the written record's type sees it. */
function linkedAs(type, rec, extra = {}) {
	return recordResource(type, rec.tenant, rec, extra);
}

// servers/crm/dist/tools/accounts.js
const SUMMARY_SIZE = 10;
const RECENT_ACTIVITIES = 5;
const searchAccounts = tool({
	name: "crm_search_accounts",
	title: "Search accounts",
	description: "Search the accounts (customer companies) of your tenant by name words and exact filters, sorted by name. Returns one page of accounts with their owner, team and version, plus next_cursor for the following page and the total count. Use crm_get_account for one account's contacts, open opportunities and recent activities.",
	toolset: "accounts",
	access: "read",
	input: object({
		query: queryField("account name", 3),
		industry: string().min(1).max(100).optional().describe("Exact industry, e.g. \"software\" or \"finance\" (crm://schema lists the values in use)."),
		region: string().min(1).max(100).optional().describe("Exact sales region, e.g. \"na\", \"emea\", \"apac\" or \"latam\"."),
		owner_id: ownerField.optional().describe("Only accounts owned by this CRM owner (sales rep)."),
		cursor: cursorField,
		limit: limitField
	}),
	output: object({
		accounts: array(accountOut),
		...pageFields
	}),
	handler: async (args, ctx) => {
		const page = await ctx.backend.searchAccounts(ctx.principal.tenant, {
			query: args.query,
			industry: args.industry,
			region: args.region,
			owner_id: args.owner_id
		}, pageRequest(args, ctx.principal), { signal: ctx.signal });
		return {
			accounts: page.items,
			next_cursor: page.next_cursor,
			...pageCount(page)
		};
	},
	render: (out) => [...out.accounts.map(accountLine), pageFooter(out, out.accounts.length)].join("\n")
});
const accountSummaryOut = object({
	account: accountOut,
	contacts: object({
		total: number$1().int(),
		items: array(contactSummaryOut).describe(`The first ${SUMMARY_SIZE} contacts by name; crm_search_contacts with account_id lists all.`)
	}),
	open_opportunities: object({
		total: number$1().int(),
		items: array(opportunityOut).describe(`The first ${SUMMARY_SIZE} open opportunities by close date; crm_search_opportunities lists all.`)
	}),
	recent_activities: array(activityOut).describe(`The ${RECENT_ACTIVITIES} most recent activities on the account.`)
});
/** One account with its people, pipeline and latest touches; shared by the tool and the crm://accounts/{id} resource. */
async function accountSummary(backend, tenant, id, signal) {
	const account = await backend.getAccount(tenant, id, { signal });
	if (account === null) return null;
	const [contacts, opps, activities] = await Promise.all([
		backend.searchContacts(tenant, { account_id: id }, {
			cursor: null,
			limit: SUMMARY_SIZE
		}, { signal }),
		backend.searchOpportunities(tenant, {
			account_id: id,
			stages: [...OPEN_STAGES]
		}, {
			cursor: null,
			limit: SUMMARY_SIZE
		}, { signal }),
		backend.listActivities(tenant, { account_id: id }, RECENT_ACTIVITIES, { signal })
	]);
	return {
		account,
		contacts: {
			total: contacts.total,
			items: contacts.items.map(summariseContact)
		},
		open_opportunities: {
			total: opps.total,
			items: opps.items
		},
		recent_activities: activities
	};
}
const getAccount = tool({
	name: "crm_get_account",
	title: "Get an account",
	description: "Get one account of your tenant by id, with a summary: its contacts (names and titles, no personal contact details), its open opportunities and its most recent activities.",
	toolset: "accounts",
	access: "read",
	resourceType: "Account",
	input: object({ id: idField("account") }),
	output: accountSummaryOut,
	resource: async (args, ctx) => {
		const a = await ctx.backend.getAccount(ctx.principal.tenant, args.id, { signal: ctx.signal });
		return a === null ? null : recordResource("Account", a.tenant, a, versioned(a));
	},
	handler: async (args, ctx) => {
		const summary = await accountSummary(ctx.backend, ctx.principal.tenant, args.id, ctx.signal);
		if (summary === null) throw errors.notFound(`Account ${args.id}`);
		return summary;
	},
	render: (out) => [
		accountLine(out.account),
		`Contacts (${out.contacts.total}): ${out.contacts.items.map((c) => `${c.first_name} ${c.last_name} [${c.id}]${c.title ? ` ${c.title}` : ""}`).join("; ") || "none"}`,
		`Open opportunities (${out.open_opportunities.total}):`,
		...out.open_opportunities.items.map((o) => `- ${opportunityLine(o)}`),
		"Recent activities:",
		...out.recent_activities.map((a) => `- ${activityLine(a)}`)
	].join("\n")
});

// servers/crm/dist/resources.js
/** What a model needs to use the tools well: record types, fields, stages and their legal moves. */
function crmSchema(backend) {
	return {
		backend,
		record_types: {
			account: {
				description: "A customer company.",
				fields: {
					id: "string",
					name: "string",
					domain: "string | null",
					industry: "string",
					region: "string",
					owner_id: "CRM owner (sales rep)",
					team: "the owner's sales team",
					created_at: "ISO 8601",
					updated_at: "ISO 8601",
					version: "integer, changes on every update"
				}
			},
			contact: {
				description: "A person at an account.",
				fields: {
					id: "string",
					account_id: "string | null",
					first_name: "string",
					last_name: "string",
					title: "string | null",
					email: "string | null (personal data: pii_reader role only)",
					phone: "string | null (personal data: pii_reader role only)",
					owner_id: "CRM owner",
					team: "string",
					version: "integer, pass it to crm_update_contact"
				}
			},
			opportunity: {
				description: "A deal with an account.",
				fields: {
					id: "string",
					account_id: "string",
					name: "string",
					stage: STAGES.join(" | "),
					amount: "integer, whole currency units",
					currency: "ISO 4217",
					close_date: "YYYY-MM-DD",
					owner_id: "CRM owner",
					team: "string",
					version: "integer, pass it to crm_update_opportunity_stage"
				}
			},
			activity: {
				description: "Something that happened: append-only.",
				fields: {
					id: "string",
					type: ACTIVITY_TYPES.join(" | "),
					subject: "string",
					body: "string | null",
					occurred_at: "ISO 8601",
					account_id: "string | null",
					contact_id: "string | null",
					opportunity_id: "string | null",
					owner_id: "who logged it"
				}
			}
		},
		stages: {
			all: STAGES,
			open: OPEN_STAGES,
			transitions: STAGE_TRANSITIONS
		},
		activity_types: ACTIVITY_TYPES,
		demo_values: {
			industries: INDUSTRIES,
			regions: REGIONS
		},
		paging: {
			max_limit: 100,
			cursor: "opaque; pass next_cursor back unchanged with the same filters"
		},
		concurrency: "Updates take the version you read; a changed record answers a stale_version conflict.",
		idempotency: "Writes accept idempotency_key; a repeat with the same key and arguments returns the first result."
	};
}
const resources = [{
	uri: "crm://schema",
	name: "crm-schema",
	title: "CRM record types, fields and stages",
	description: "The CRM record types and their fields, the opportunity stages with their legal transitions, activity types and paging rules.",
	mimeType: "application/json",
	read: async (_uri, _vars, ctx) => JSON.stringify(crmSchema(ctx.backend.kind), null, 2)
}, {
	uri: "crm://accounts/{id}",
	name: "crm-account",
	title: "An account with its contacts, open opportunities and recent activities",
	description: "One account of your tenant as JSON, the same summary crm_get_account returns (guarded by that tool's policy and audited as its call).",
	mimeType: "application/json",
	guardTool: "crm_get_account",
	read: async (_uri, vars, ctx) => {
		const id = vars.id ?? "";
		const summary = await accountSummary(ctx.backend, ctx.principal.tenant, id, ctx.signal);
		if (summary === null) throw errors.notFound(`Account ${id}`);
		return JSON.stringify(summary, null, 2);
	}
}];

// servers/crm/dist/tools/activities.js
const logActivity = tool({
	name: "crm_log_activity",
	title: "Log an activity",
	description: "Record a call, email, meeting, note or task against an opportunity, a contact and/or an account of your tenant (at least one). Targets must belong to the same account; the account of a given opportunity or contact is linked automatically. Reps may log on records they own, managers on their team's, admins on any. Activities cannot be edited afterwards. Pass an idempotency_key so a retry cannot log twice.",
	toolset: "activities",
	access: "write",
	resourceType: "Activity",
	input: object({
		type: _enum(ACTIVITY_TYPES).describe("Kind of activity."),
		subject: string().trim().min(1).max(200).describe("One-line summary, e.g. \"Pricing call with the CFO\"."),
		body: string().trim().min(1).max(5e3).optional().describe("Details, notes or outcome."),
		occurred_at: datetime({ offset: true }).optional().describe("When it happened, ISO 8601 with time zone, e.g. \"2025-05-01T14:30:00Z\"; defaults to now."),
		opportunity_id: idField("opportunity").optional().describe("The opportunity it concerns."),
		contact_id: idField("contact").optional().describe("The person it was with."),
		account_id: idField("account").optional().describe("The account it concerns (implied by an opportunity or contact)."),
		idempotency_key: idempotencyField
	}).refine((a) => a.opportunity_id !== void 0 || a.contact_id !== void 0 || a.account_id !== void 0, {
		message: "give at least one of opportunity_id, contact_id, account_id",
		path: ["account_id"]
	}),
	output: object({
		activity: activityOut,
		replayed: replayedField
	}),
	resource: async (args, ctx) => {
		const primary = (await linkedTargets(args, ctx))[0];
		return recordResource("Activity", primary.rec.tenant, {
			id: "new",
			owner_id: primary.rec.owner_id,
			team: primary.rec.team
		});
	},
	handler: async (args, ctx) => {
		const targets = await linkedTargets(args, ctx);
		authorizeLinked(ctx, "crm_log_activity", targets.map((t) => ({
			what: t.what,
			resource: linkedAs("Activity", t.rec)
		})));
		const { record, replayed } = await ctx.backend.logActivity(ctx.principal.tenant, {
			type: args.type,
			subject: args.subject,
			body: args.body ?? null,
			occurred_at: args.occurred_at ?? null,
			account_id: args.account_id ?? null,
			contact_id: args.contact_id ?? null,
			opportunity_id: args.opportunity_id ?? null,
			owner_id: ctx.principal.id
		}, writeOptions(ctx));
		return {
			activity: record,
			replayed
		};
	},
	render: (out) => `${out.replayed ? "Already logged (replayed): " : "Logged: "}${activityLine(out.activity)}`
});
/**
* Every record the activity reads or links, most specific first: the opportunity, the contact, the
* account named, and the accounts they belong to (linked automatically).
*/
async function linkedTargets(args, ctx) {
	const tenant = ctx.principal.tenant;
	const opts = { signal: ctx.signal };
	const out = [];
	const accounts = /* @__PURE__ */ new Set();
	if (args.opportunity_id !== void 0) {
		const o = await ctx.backend.getOpportunity(tenant, args.opportunity_id, opts) ?? notFound("Opportunity", args.opportunity_id);
		out.push({
			what: "opportunity",
			rec: o
		});
		accounts.add(o.account_id);
	}
	if (args.contact_id !== void 0) {
		const c = await ctx.backend.getContact(tenant, args.contact_id, opts) ?? notFound("Contact", args.contact_id);
		out.push({
			what: "contact",
			rec: c
		});
		if (c.account_id !== null) accounts.add(c.account_id);
	}
	if (args.account_id !== void 0) accounts.add(args.account_id);
	for (const id of accounts) {
		const a = await ctx.backend.getAccount(tenant, id, opts) ?? notFound("Account", id);
		out.push({
			what: "account",
			rec: a
		});
	}
	return out;
}
function notFound(what, id) {
	throw errors.notFound(`${what} ${id}`);
}

// servers/crm/dist/tools/contacts.js
/** Contact arguments and results carry personal data: always masked in audit records. */
const PII = ["email", "phone"];
const emailField = email().max(254).describe("Email address.");
const phoneField = string().min(5).max(32).regex(/^\+?[0-9 ().-]+$/, "digits, spaces and + ( ) . - only").describe("Phone number, international format preferred, e.g. \"+1 555 010 2000\".");
const nameField = (what) => string().trim().min(1).max(100).describe(what);
const titleField = string().trim().min(1).max(100).describe("Job title, e.g. \"Head of Procurement\".");
const searchContacts = tool({
	name: "crm_search_contacts",
	title: "Search contacts",
	description: "Search the contacts (people at customer accounts) of your tenant by name words, account or owner, sorted by last name. Returns one page plus next_cursor and the total count. Email and phone appear only if policy lets you read personal data (pii_reader role); otherwise they are null and listed in redacted_fields.",
	toolset: "contacts",
	access: "read",
	sensitiveFields: PII,
	input: object({
		query: queryField("first or last name", 2),
		account_id: idField("account").optional().describe("Only contacts of this account."),
		owner_id: ownerField.optional().describe("Only contacts owned by this CRM owner."),
		cursor: cursorField,
		limit: limitField
	}),
	output: object({
		contacts: array(contactOut),
		...pageFields
	}),
	handler: async (args, ctx) => {
		const page = await ctx.backend.searchContacts(ctx.principal.tenant, {
			query: args.query,
			account_id: args.account_id,
			owner_id: args.owner_id
		}, pageRequest(args, ctx.principal), { signal: ctx.signal });
		return {
			contacts: page.items.map((c) => presentContact(c, ctx)),
			next_cursor: page.next_cursor,
			...pageCount(page)
		};
	},
	render: (out) => [...out.contacts.map(contactLine), pageFooter(out, out.contacts.length)].join("\n")
});
const getContact = tool({
	name: "crm_get_contact",
	title: "Get a contact",
	description: "Get one contact of your tenant by id, including its version (needed by crm_update_contact). Email and phone appear only for principals with the pii_reader role; otherwise they are null and listed in redacted_fields.",
	toolset: "contacts",
	access: "read",
	resourceType: "Contact",
	sensitiveFields: PII,
	input: object({ id: idField("contact") }),
	output: object({ contact: contactOut }),
	resource: async (args, ctx) => {
		const c = await ctx.backend.getContact(ctx.principal.tenant, args.id, { signal: ctx.signal });
		return c === null ? null : recordResource("Contact", c.tenant, c, versioned(c));
	},
	handler: async (args, ctx) => {
		const c = await ctx.backend.getContact(ctx.principal.tenant, args.id, { signal: ctx.signal });
		if (c === null) throw errors.notFound(`Contact ${args.id}`);
		return { contact: presentContact(c, ctx) };
	},
	render: (out) => contactLine(out.contact)
});
const createContact = tool({
	name: "crm_create_contact",
	title: "Create a contact",
	description: "Create a contact, optionally at an account. The contact is owned by owner_id, or by you when omitted. Reps may create contacts they own, managers contacts owned within their team, admins any. Pass an idempotency_key so a retry cannot create a duplicate.",
	toolset: "contacts",
	access: "write",
	resourceType: "Contact",
	sensitiveFields: PII,
	input: object({
		account_id: idField("account").optional().describe("The account the person works at."),
		first_name: nameField("First name."),
		last_name: nameField("Last name."),
		title: titleField.optional(),
		email: emailField.optional(),
		phone: phoneField.optional(),
		owner_id: ownerField.optional().describe("CRM owner of the new contact; defaults to you."),
		idempotency_key: idempotencyField
	}),
	output: object({
		contact: contactOut,
		replayed: replayedField
	}),
	resource: async (args, ctx) => {
		const owner = await resolveOwner(ctx, args.owner_id);
		if (args.account_id !== void 0 && await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, { signal: ctx.signal }) === null) throw errors.notFound(`Account ${args.account_id}`, "Find the account with crm_search_accounts.");
		return recordResource("Contact", ctx.principal.tenant, {
			id: "new",
			owner_id: owner.id,
			team: owner.team
		}, { version: 0 });
	},
	handler: async (args, ctx) => {
		if (args.account_id !== void 0) {
			const account = await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, { signal: ctx.signal });
			if (account === null) throw errors.notFound(`Account ${args.account_id}`);
			authorizeLinked(ctx, "crm_create_contact", [{
				what: "account",
				resource: linkedAs("Contact", account, { version: 0 })
			}]);
		}
		const { record, replayed } = await ctx.backend.createContact(ctx.principal.tenant, {
			account_id: args.account_id ?? null,
			first_name: args.first_name,
			last_name: args.last_name,
			title: args.title ?? null,
			email: args.email ?? null,
			phone: args.phone ?? null,
			owner_id: args.owner_id ?? ctx.principal.id
		}, writeOptions(ctx));
		return {
			contact: presentContact(record, ctx),
			replayed
		};
	},
	render: (out) => `${out.replayed ? "Already created (replayed): " : "Created: "}${contactLine(out.contact)}`
});
const changesSchema = object({
	first_name: nameField("New first name.").optional(),
	last_name: nameField("New last name.").optional(),
	title: titleField.nullable().optional().describe("New job title; null clears it."),
	email: emailField.nullable().optional().describe("New email address; null clears it."),
	phone: phoneField.nullable().optional().describe("New phone number; null clears it."),
	account_id: idField("account").nullable().optional().describe("Move the contact to this account; null detaches it."),
	owner_id: ownerField.optional().describe("Reassign to this CRM owner (managers within their team, admins anywhere).")
}).strict().refine((c) => Object.values(c).some((v) => v !== void 0), { message: "name at least one field to change" }).describe("Only the fields to change; omitted fields stay as they are.");
const updateContact = tool({
	name: "crm_update_contact",
	title: "Update a contact",
	description: "Change fields of a contact. Pass the version you read (crm_get_contact or crm_search_contacts); if the contact changed since, the call fails with a stale_version conflict and changes nothing, so read it again and re-apply. Reps may update contacts they own, managers their team's, admins any; only managers (within their team) and admins can reassign the owner.",
	toolset: "contacts",
	access: "write",
	idempotent: true,
	resourceType: "Contact",
	sensitiveFields: PII,
	input: object({
		id: idField("contact"),
		version: versionField,
		changes: changesSchema,
		idempotency_key: idempotencyField
	}),
	output: object({
		contact: contactOut,
		replayed: replayedField
	}),
	resource: async (args, ctx) => {
		const tenant = ctx.principal.tenant;
		const c = await ctx.backend.getContact(tenant, args.id, { signal: ctx.signal });
		if (c === null) return null;
		let target;
		const newOwner = args.changes.owner_id;
		if (newOwner !== void 0) {
			const o = await ctx.backend.getOwner(tenant, newOwner, { signal: ctx.signal });
			if (o === null) throw unknownOwner(newOwner);
			target = {
				owner: o.id,
				team: o.team
			};
		}
		return recordResource("Contact", c.tenant, c, versioned(c), target);
	},
	handler: async (args, ctx) => {
		const { record, replayed } = await ctx.backend.updateContact(ctx.principal.tenant, args.id, args.version, args.changes, writeOptions(ctx));
		return {
			contact: presentContact(record, ctx),
			replayed
		};
	},
	render: (out) => `${out.replayed ? "Already updated (replayed): " : "Updated: "}${contactLine(out.contact)}`
});

// servers/crm/dist/tools/email.js
/**
* A template variable's value: plain text on one line. CR/LF (header injection), other control
* characters, markup and anything longer than MAX_VARIABLE_LENGTH are refused here, before policy
* or the template sees it; each template then applies its own length and pattern.
*/
const variableValue = string().max(MAX_VARIABLE_LENGTH, `at most ${MAX_VARIABLE_LENGTH} characters`).refine((v) => !/[\r\n]/.test(v) && !/%0[ad]/i.test(v), "must be one line (no CR or LF)").refine((v) => ![...v].some((ch) => {
	const c = ch.codePointAt(0) ?? 0;
	return c < 32 || c === 127 || c === 8232 || c === 8233;
}), "control characters are not allowed").refine((v) => !/[<>]/.test(v) && !/&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(v), "must be plain text (no HTML)").refine((v) => !/\{\{|\}\}/.test(v), "must not contain template braces");
const emailArgs = {
	contact_id: idField("contact").describe("Id of the contact to e-mail, as crm_search_contacts or crm_get_contact returned it. The server resolves the address; you never give one."),
	template: string().regex(TEMPLATE_NAME, "a template name").describe("Name of the e-mail template (crm_list_templates lists them)."),
	variables: record(string().regex(/^[a-z][a-z0-9_]{0,31}$/, "a variable name"), variableValue).refine((r) => Object.keys(r).length <= 20, "at most 20 variables").default({}).describe("Values for the template's variables, plain text on one line each. Free text is accepted only where the template declares a bounded \"note\".")
};
const sendKey = string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only").describe("Required key (8-128 characters) that makes a retry safe: the same key and arguments never send twice and return the first result. Use a new key for a new message.");
const recipientOut = object({
	contact_id: string(),
	name: string(),
	email: string().nullable().describe("The address the message went to; null unless you hold pii_reader (see redacted_fields).")
});
const renderedOut = object({
	subject: string(),
	text: string(),
	html: string().nullable().describe("HTML alternative, every variable HTML-escaped; null when the template has none.")
});
const redactedOut = array(_enum(["email"])).describe("Personal fields withheld from you by policy (they need the pii_reader role).");
const messageOut = object({
	id: string().describe("The message id in the CRM outbox (audit records name it)."),
	template: string(),
	contact_id: string(),
	transport: _enum([
		"file",
		"smtp",
		"ses"
	]),
	provider_message_id: string().describe("The id the mail provider gave the message."),
	subject: string(),
	message_hash: string().describe("SHA-256 of the rendered message; audit keeps this instead of the body."),
	sent_at: string(),
	activity_id: string().describe("The email activity logged on the contact.")
});
/** The e-mail service wired next to the backend (src/server.ts). */
function emailOf(ctx) {
	const svc = ctx.backend.email;
	if (svc === void 0) throw errors.internal(/* @__PURE__ */ new Error("the e-mail service is not configured"));
	return svc;
}
function user(id) {
	return { __entity: {
		type: "User",
		id
	} };
}
/**
* The e-mail as policy sees it: the contact's account decides who may write to it (a rep only
* contacts of accounts they may write to; a contact without an account counts as its own
* record), plus the template's policy attributes and the day's counts against the limits.
*/
async function emailResource(args, ctx, sendKey) {
	const svc = emailOf(ctx);
	const t = svc.template(args.template);
	checkVariables(t, args.variables);
	const tenant = ctx.principal.tenant;
	const c = await ctx.backend.getContact(tenant, args.contact_id, { signal: ctx.signal });
	if (c === null) return null;
	const account = c.account_id === null ? null : await ctx.backend.getAccount(tenant, c.account_id, { signal: ctx.signal });
	const holder = account ?? c;
	return {
		type: "EmailMessage",
		id: c.id,
		attributes: {
			tenant: c.tenant,
			owner: user(holder.owner_id),
			team: holder.team,
			has_account: account !== null,
			template: t.name,
			category: t.policy.category,
			customer_facing: t.policy.customer_facing,
			requires_manager: t.policy.requires_manager,
			sent_today_by_principal: sendKey !== null ? await svc.outbox.sentBy(tenant, ctx.principal.id, sendKey) : 0,
			daily_send_budget: svc.limits.dailySendBudget,
			sent_today_to_contact: sendKey !== null ? await svc.outbox.sentTo(tenant, c.id, ctx.principal.id, sendKey) : 0,
			contact_daily_limit: svc.limits.contactDailyLimit
		}
	};
}
async function loadContact(args, ctx) {
	const c = await ctx.backend.getContact(ctx.principal.tenant, args.contact_id, { signal: ctx.signal });
	if (c === null) throw errors.notFound(`Contact ${args.contact_id}`);
	return c;
}
async function senderName(ctx, svc) {
	const owner = await ctx.backend.getOwner(ctx.principal.tenant, ctx.principal.id, { signal: ctx.signal });
	if (owner !== null) return owner.name;
	return /^\s*"?([^"<]+?)"?\s*</.exec(svc.from())?.[1] ?? "Customer team";
}
async function render(args, ctx, svc, t, c) {
	return svc.render(t, {
		contact: {
			first_name: c.first_name,
			last_name: c.last_name
		},
		sender: { name: await senderName(ctx, svc) },
		variables: args.variables
	});
}
function mayReadPii(ctx, c) {
	return ctx.isPermitted("crm_read_pii", {
		type: "Contact",
		id: c.id,
		attributes: {
			tenant: c.tenant,
			owner: user(c.owner_id),
			team: c.team,
			target_owner: user(c.owner_id),
			target_team: c.team,
			version: c.version
		}
	});
}
function recipient(ctx, c) {
	const name = `${c.first_name} ${c.last_name}`.trim();
	return mayReadPii(ctx, c) ? {
		to: {
			contact_id: c.id,
			name,
			email: c.email
		},
		redacted_fields: []
	} : {
		to: {
			contact_id: c.id,
			name,
			email: null
		},
		redacted_fields: ["email"]
	};
}
function noAddress(c) {
	return errors.conflict("contact_has_no_email", `Contact ${c.id} has no e-mail address on record; nothing was sent.`, "Ask the contact's owner to add an address (crm_update_contact), then try again.");
}
const listTemplates = tool({
	name: "crm_list_templates",
	title: "List e-mail templates",
	description: "List the e-mail templates crm_send_email can send: their variables (with limits), their policy attributes (category, customer_facing, requires_manager) and whether policy lets you use each one for contacts of accounts you may write to.",
	toolset: "email",
	access: "read",
	input: object({}),
	output: object({
		templates: array(object({
			name: string(),
			description: string(),
			source: _enum(["shipped", "operator"]),
			category: _enum(["sales", "service"]),
			customer_facing: boolean(),
			requires_manager: boolean(),
			usable_by_you: boolean().describe("Policy lets you send it to a contact of an account you may write to (budgets aside)."),
			variables: array(object({
				name: string(),
				description: string(),
				required: boolean(),
				max_length: number$1().int(),
				pattern: string().nullable()
			}))
		})),
		limits: object({
			daily_send_budget: number$1().int().describe("Messages one person may send in 24 hours."),
			contact_daily_limit: number$1().int().describe("Messages one contact may receive in 24 hours.")
		})
	}),
	handler: (_args, ctx) => {
		const svc = emailOf(ctx);
		const team = ctx.principal.attributes.team;
		return Promise.resolve({
			templates: svc.templates().map((t) => ({
				name: t.name,
				description: t.description,
				source: t.source,
				...t.policy,
				usable_by_you: ctx.isPermitted("crm_send_email", {
					type: "EmailMessage",
					id: "any",
					attributes: {
						tenant: ctx.principal.tenant,
						owner: user(ctx.principal.id),
						team: typeof team === "string" ? team : "",
						has_account: true,
						template: t.name,
						...t.policy,
						sent_today_by_principal: 0,
						daily_send_budget: svc.limits.dailySendBudget,
						sent_today_to_contact: 0,
						contact_daily_limit: svc.limits.contactDailyLimit
					}
				}),
				variables: Object.entries(t.variables).map(([name, v]) => ({
					name,
					description: v.description,
					required: v.required,
					max_length: v.max_length,
					pattern: v.pattern ?? null
				}))
			})),
			limits: {
				daily_send_budget: svc.limits.dailySendBudget,
				contact_daily_limit: svc.limits.contactDailyLimit
			}
		});
	},
	render: (out) => out.templates.map((t) => `${t.name} (${t.category}${t.requires_manager ? ", manager only" : ""}${t.usable_by_you ? "" : ", not usable by you"}): ${t.description} Variables: ${t.variables.map((v) => `${v.name}${v.required ? "" : "?"}`).join(", ") || "none"}`).join("\n")
});
const previewEmail = tool({
	name: "crm_preview_email",
	title: "Preview an e-mail",
	description: "Render the subject and body crm_send_email would send for the same contact, template and variables, and send nothing. Policy is the same as for sending (budgets aside), so a preview also tells you whether you may send it.",
	toolset: "email",
	access: "read",
	resourceType: "EmailMessage",
	sensitiveFields: ["variables", "email"],
	input: object(emailArgs).strict(),
	output: object({
		template: string(),
		contact_id: string(),
		to: recipientOut,
		rendered: renderedOut,
		redacted_fields: redactedOut
	}),
	resource: (args, ctx) => emailResource(args, ctx, null),
	handler: async (args, ctx) => {
		const svc = emailOf(ctx);
		const t = svc.template(args.template);
		const c = await loadContact(args, ctx);
		const rendered = await render(args, ctx, svc, t, c);
		const { to, redacted_fields } = recipient(ctx, c);
		ctx.addAuditRefs({
			template: t.name,
			contact_id: c.id,
			message_hash: messageHash(rendered, t.name, c.id)
		});
		return {
			template: t.name,
			contact_id: c.id,
			to,
			rendered,
			redacted_fields
		};
	},
	render: (out) => [
		`Preview of ${out.template} to ${out.to.name} [${out.contact_id}] (nothing sent)`,
		`Subject: ${out.rendered.subject}`,
		"",
		out.rendered.text
	].join("\n")
});
const sendEmail = tool({
	name: "crm_send_email",
	title: "Send an e-mail to a contact",
	description: "Send an e-mail to a contact by id from a named template (crm_list_templates), logging an email activity on the contact. The server resolves the address (you never see or choose it unless you hold pii_reader), renders the template and sends through the configured provider. Reps may e-mail contacts of accounts they own, managers their team's, admins any, support staff service templates to any contact; viewers never send. A per-person daily budget and a per-contact daily limit apply, and contacts who opted out are refused. idempotency_key is required: a retry with the same key never sends twice.",
	toolset: "email",
	access: "write",
	idempotent: true,
	openWorld: true,
	resourceType: "EmailMessage",
	sensitiveFields: ["variables", "email"],
	input: object({
		...emailArgs,
		idempotency_key: sendKey
	}).strict(),
	output: object({
		message: messageOut,
		to: recipientOut,
		replayed: boolean().describe("True when this is the result of an earlier call with the same key (nothing sent now)."),
		redacted_fields: redactedOut
	}),
	resource: (args, ctx) => emailResource(args, ctx, args.idempotency_key),
	handler: async (args, ctx) => {
		const svc = emailOf(ctx);
		const tenant = ctx.principal.tenant;
		const key = args.idempotency_key;
		const t = svc.template(args.template);
		const c = await loadContact(args, ctx);
		const store = svc.o.store;
		const scope = {
			tenant,
			principal: ctx.principal.id,
			tool: "crm_send_email",
			key
		};
		const reservation = await svc.ledger.reserve(store, scope, {
			contact_id: args.contact_id,
			template: args.template,
			variables: args.variables
		});
		const answer = (stored, replayed) => {
			const m = stored.message;
			ctx.addAuditRefs({
				template: m.template,
				contact_id: m.contact_id,
				message_id: m.id,
				message_hash: m.message_hash,
				provider_message_id: m.provider_message_id,
				...replayed ? { replayed: "true" } : {}
			});
			return {
				message: m,
				...recipient(ctx, c),
				replayed
			};
		};
		if (reservation.state === "replay") return answer(reservation.result, true);
		try {
			let row = await svc.outbox.byKey(tenant, ctx.principal.id, key);
			if (row?.state === "sending") throw errors.conflict("delivery_uncertain", "An earlier attempt with this idempotency_key may have sent the message; it is not sent again.", "Check with the contact or an operator (the outbox names the message) before sending with a new key.", { message_id: row.id });
			let rendered = null;
			if (row?.state !== "accepted") {
				await svc.checkConsent(tenant, c, ctx.signal);
				if (c.email === null) throw noAddress(c);
				rendered = await render(args, ctx, svc, t, c);
				const started = await svc.outbox.begin({
					id: newMessageId(),
					tenant,
					contact_id: c.id,
					template: t.name,
					sender: ctx.principal.id,
					idempotency_key: key,
					message_hash: messageHash(rendered, t.name, c.id),
					rfc_message_id: svc.rfcMessageId(),
					transport: svc.transport.kind
				});
				const msg = {
					id: started.id,
					rfcMessageId: started.rfc_message_id,
					from: svc.from(),
					to: c.email,
					subject: rendered.subject,
					text: rendered.text,
					html: rendered.html
				};
				let providerMessageId;
				try {
					({providerMessageId} = await ctx.upstream(svc.transport.system, (signal) => svc.transport.send(msg, signal)));
				} catch (err) {
					await svc.outbox.failed(started.id);
					throw err;
				}
				await svc.outbox.accepted(started.id, providerMessageId);
				row = {
					...started,
					state: "accepted",
					provider_message_id: providerMessageId
				};
			}
			if (row === null || row.provider_message_id === null) throw errors.internal(/* @__PURE__ */ new Error("outbox row lost"));
			const subject = rendered?.subject ?? (await render(args, ctx, svc, t, c)).subject;
			const activity = await ctx.backend.logActivity(tenant, {
				type: "email",
				subject,
				body: `Sent with template ${t.name} (message ${row.id}).`,
				occurred_at: null,
				account_id: null,
				contact_id: c.id,
				opportunity_id: null,
				owner_id: ctx.principal.id
			}, {
				idempotencyKey: `email:${key}`,
				signal: ctx.signal
			});
			await svc.outbox.activityLogged(row.id, activity.record.id);
			const stored = { message: {
				id: row.id,
				template: row.template,
				contact_id: row.contact_id,
				transport: row.transport,
				provider_message_id: row.provider_message_id,
				subject,
				message_hash: row.message_hash,
				sent_at: row.accepted_at ?? (/* @__PURE__ */ new Date()).toISOString(),
				activity_id: activity.record.id
			} };
			await svc.ledger.complete(store, scope, stored);
			return answer(stored, false);
		} catch (err) {
			await svc.ledger.release(store, scope).catch(() => void 0);
			throw err;
		}
	},
	render: (out) => `${out.replayed ? "Already sent (replayed): " : "Sent: "}${out.message.template} to ${out.to.name} [${out.message.contact_id}]${out.to.email !== null ? ` <${out.to.email}>` : ""}, message ${out.message.id} via ${out.message.transport} (${out.message.provider_message_id}), activity ${out.message.activity_id}`
});

// servers/crm/dist/tools/opportunities.js
const transitions = STAGES.map((s) => `${s} → ${STAGE_TRANSITIONS[s].join(" | ") || "(final)"}`).join("; ");
const searchOpportunities = tool({
	name: "crm_search_opportunities",
	title: "Search opportunities",
	description: "Search the opportunities (deals) of your tenant by name words, account, owner, stages and minimum amount, sorted by close date. Returns one page with each deal's stage, amount and version, plus next_cursor and the total count.",
	toolset: "opportunities",
	access: "read",
	input: object({
		query: queryField("opportunity name", 2),
		account_id: idField("account").optional().describe("Only opportunities of this account."),
		owner_id: ownerField.optional().describe("Only opportunities owned by this CRM owner."),
		stages: array(_enum(STAGES)).min(1).max(STAGES.length).optional().describe(`Only opportunities in one of these stages. Open stages: ${OPEN_STAGES.join(", ")}; closed: closed_won, closed_lost.`),
		min_amount: number$1().int().min(0).optional().describe("Only opportunities worth at least this much (whole currency units)."),
		cursor: cursorField,
		limit: limitField
	}),
	output: object({
		opportunities: array(opportunityOut),
		...pageFields
	}),
	handler: async (args, ctx) => {
		const page = await ctx.backend.searchOpportunities(ctx.principal.tenant, {
			query: args.query,
			account_id: args.account_id,
			owner_id: args.owner_id,
			stages: args.stages,
			min_amount: args.min_amount
		}, pageRequest(args, ctx.principal), { signal: ctx.signal });
		return {
			opportunities: page.items,
			next_cursor: page.next_cursor,
			...pageCount(page)
		};
	},
	render: (out) => [...out.opportunities.map(opportunityLine), pageFooter(out, out.opportunities.length)].join("\n")
});
const isoDate = string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && (/* @__PURE__ */ new Date(`${d}T00:00:00Z`)).toISOString().startsWith(d), "a real calendar date");
const createOpportunity = tool({
	name: "crm_create_opportunity",
	title: "Create an opportunity",
	description: "Create an opportunity (deal) at an account, in an open stage (prospecting by default). It is owned by owner_id, or by you when omitted. Reps may create opportunities they own, managers for owners in their team, admins any. Pass an idempotency_key so a retry cannot create a duplicate.",
	toolset: "opportunities",
	access: "write",
	resourceType: "Opportunity",
	input: object({
		account_id: idField("account"),
		name: string().trim().min(1).max(200).describe("Short name of the deal, e.g. \"Platform renewal 2026\"."),
		amount: number$1().int().min(0).max(0xe8d4a51000).describe("Expected value in whole units of currency, e.g. 25000."),
		currency: string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD").default("USD").describe("ISO 4217 currency code (default USD)."),
		close_date: isoDate.describe("Expected close date, YYYY-MM-DD."),
		stage: _enum(OPEN_STAGES).default("prospecting").describe(`Starting stage, one of the open stages: ${OPEN_STAGES.join(", ")}.`),
		owner_id: ownerField.optional().describe("CRM owner of the new opportunity; defaults to you."),
		idempotency_key: idempotencyField
	}),
	output: object({
		opportunity: opportunityOut,
		replayed: replayedField
	}),
	resource: async (args, ctx) => {
		const owner = await resolveOwner(ctx, args.owner_id);
		if (await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, { signal: ctx.signal }) === null) throw errors.notFound(`Account ${args.account_id}`, "Find the account with crm_search_accounts.");
		return recordResource("Opportunity", ctx.principal.tenant, {
			id: "new",
			owner_id: owner.id,
			team: owner.team
		}, {
			version: 0,
			amount: args.amount,
			...dealMoney(ctx, args.amount, args.currency),
			stage: args.stage
		});
	},
	handler: async (args, ctx) => {
		const account = await ctx.backend.getAccount(ctx.principal.tenant, args.account_id, { signal: ctx.signal });
		if (account === null) throw errors.notFound(`Account ${args.account_id}`);
		authorizeLinked(ctx, "crm_create_opportunity", [{
			what: "account",
			resource: linkedAs("Opportunity", account, {
				version: 0,
				amount: args.amount,
				...dealMoney(ctx, args.amount, args.currency),
				stage: args.stage
			})
		}]);
		const { record, replayed } = await ctx.backend.createOpportunity(ctx.principal.tenant, {
			account_id: args.account_id,
			name: args.name,
			stage: args.stage,
			amount: args.amount,
			currency: args.currency,
			close_date: args.close_date,
			owner_id: args.owner_id ?? ctx.principal.id
		}, writeOptions(ctx));
		return {
			opportunity: record,
			replayed
		};
	},
	render: (out) => `${out.replayed ? "Already created (replayed): " : "Created: "}${opportunityLine(out.opportunity)}`
});
const updateOpportunityStage = tool({
	name: "crm_update_opportunity_stage",
	title: "Move an opportunity to another stage",
	description: `Move an opportunity to its next stage. Only legal transitions are accepted (${transitions}); anything else is an illegal_stage_transition conflict naming the legal next stages. Pass the version you read; a stale one is a conflict. Reps may move opportunities they own, managers their team's, admins any; closing a large deal as won (at least CRM_LARGE_DEAL_THRESHOLD in its currency: 100,000.00 USD/EUR/GBP by default) needs a manager or admin; an opportunity in a currency without a threshold is refused.`,
	toolset: "opportunities",
	access: "write",
	idempotent: true,
	resourceType: "Opportunity",
	input: object({
		id: idField("opportunity"),
		version: versionField,
		stage: _enum(STAGES).describe("The stage to move to."),
		idempotency_key: idempotencyField
	}),
	output: object({
		opportunity: opportunityOut,
		replayed: replayedField
	}),
	resource: async (args, ctx) => {
		const o = await ctx.backend.getOpportunity(ctx.principal.tenant, args.id, { signal: ctx.signal });
		return o === null ? null : recordResource("Opportunity", o.tenant, o, {
			...versioned(o),
			amount: o.amount,
			...dealMoney(ctx, o.amount, o.currency),
			stage: o.stage
		});
	},
	handler: async (args, ctx) => {
		const { record, replayed } = await ctx.backend.updateOpportunityStage(ctx.principal.tenant, args.id, args.version, args.stage, writeOptions(ctx));
		return {
			opportunity: record,
			replayed
		};
	},
	render: (out) => `${out.replayed ? "Already moved (replayed): " : "Moved: "}${opportunityLine(out.opportunity)}`
});

// servers/crm/dist/server.js
const tools = [
	searchAccounts,
	getAccount,
	searchContacts,
	getContact,
	createContact,
	updateContact,
	searchOpportunities,
	createOpportunity,
	updateOpportunityStage,
	logActivity,
	listTemplates,
	previewEmail,
	sendEmail
];
const server = defineServer({
	name: "crm",
	version: "0.1.0",
	title: "Portcullis CRM",
	description: "Accounts, contacts, opportunities and activities of your tenant's CRM, under policy and audit.",
	instructions: [
		"CRM of your tenant: accounts (companies), contacts (people), opportunities (deals) and activities.",
		"Find records with the crm_search_* tools (page with next_cursor), then read one with crm_get_account or crm_get_contact.",
		"Updates need the version you read; on a stale_version conflict read the record again and re-apply your change.",
		"Opportunity stages move only along legal transitions (crm://schema lists them).",
		"Give every write an idempotency_key and reuse it when retrying the same write.",
		"Contact email and phone are withheld unless you hold the pii_reader role; never guess them."
	].join(" "),
	defaultPort: 7301,
	toolsets: [
		{
			id: "accounts",
			description: "Find and read customer companies.",
			default: true
		},
		{
			id: "contacts",
			description: "Find, read, create and update people at accounts.",
			default: true
		},
		{
			id: "opportunities",
			description: "Find, create and move deals along their stages.",
			default: true
		},
		{
			id: "activities",
			description: "Log calls, e-mails, meetings, notes and tasks.",
			default: true
		},
		{
			id: "email",
			description: "E-mail a contact from a reviewed template (the server resolves the address).",
			default: true
		}
	],
	tools,
	resources,
	prompts: [accountBrief],
	policyDir: fileURLToPath(new URL("../policies", import.meta.url)),
	extraActions: [{
		name: "crm_read_pii",
		resourceTypes: ["Contact"]
	}],
	configSchema,
	sensitiveKeys: ["email", "phone"],
	migrations,
	createBackend: async (services) => {
		const cfg = services.config;
		const cursors = await openCursorCodec(services);
		if (cfg.CRM_BACKEND === "hubspot") {
			const ref = cfg.CRM_HUBSPOT_TOKEN ?? "";
			const tenant = cfg.CRM_HUBSPOT_TENANT ?? "";
			await services.credentials.get(ref, "CRM_HUBSPOT_TOKEN");
			services.logger.info({
				backend: "hubspot",
				tenant,
				base_url: cfg.CRM_HUBSPOT_BASE_URL
			}, "CRM backend: HubSpot");
			const hubspot = await HubSpotBackend.open({
				store: services.store,
				cursors,
				baseUrl: cfg.CRM_HUBSPOT_BASE_URL,
				tenant,
				withToken: (fn) => services.credentials.withSecret(ref, "CRM_HUBSPOT_TOKEN", fn),
				callUpstream: (fn, signal) => services.callUpstream("hubspot", fn, signal),
				owners: cfg.CRM_HUBSPOT_OWNER_MAP,
				teams: cfg.CRM_HUBSPOT_TEAM_MAP,
				stages: stageMap(cfg),
				pipeline: cfg.CRM_HUBSPOT_PIPELINE,
				regionProperty: cfg.CRM_HUBSPOT_REGION_PROPERTY,
				billingCustomerProperty: cfg.CRM_HUBSPOT_BILLING_CUSTOMER_PROPERTY,
				cache: services.cache.forUpstream("hubspot", upstreamIdentity({
					baseUrl: cfg.CRM_HUBSPOT_BASE_URL,
					token: ref,
					tenant,
					owners: cfg.CRM_HUBSPOT_OWNER_MAP,
					teams: cfg.CRM_HUBSPOT_TEAM_MAP,
					stages: stageMap(cfg),
					pipeline: cfg.CRM_HUBSPOT_PIPELINE,
					region: cfg.CRM_HUBSPOT_REGION_PROPERTY,
					billing: cfg.CRM_HUBSPOT_BILLING_CUSTOMER_PROPERTY
				}))
			});
			return withDeals(cfg, await withEmail(services, cfg, hubspot));
		}
		const seed = crmSeedFor(cfg, services.env);
		const backend = await EmbeddedBackend.open(services.store, {
			seed: seed === "demo",
			cursors
		});
		services.logger.info({
			backend: "embedded",
			seed
		}, "CRM backend: embedded store");
		return withDeals(cfg, await withEmail(services, cfg, backend));
	}
});
/** The money thresholds the deal tools resolve per currency. */
function withDeals(cfg, backend) {
	backend.largeDealThreshold = cfg.CRM_LARGE_DEAL_THRESHOLD;
	return backend;
}

// servers/crm/dist/cli.js
await runServerCli(server);

export {  };