// packages/core/dist/errors.js
var PortcullisError = class extends Error {
	code;
	category;
	retryable;
	retryAfterMs;
	remediation;
	details;
	internal;
	constructor(init) {
		super(init.message, init.cause === void 0 ? void 0 : { cause: init.cause });
		this.name = "PortcullisError";
		this.code = init.code;
		this.category = init.category;
		this.retryable = init.retryable ?? (init.category === "rate_limited" || init.category === "upstream");
		this.retryAfterMs = init.retryAfterMs;
		this.remediation = init.remediation;
		this.details = init.details;
		this.internal = init.internal;
	}
	toEnvelope(auditId) {
		const env = {
			code: this.code,
			category: this.category,
			message: this.message,
			retryable: this.retryable,
			audit_id: auditId
		};
		if (this.retryAfterMs !== void 0) env.retry_after_ms = Math.max(0, Math.ceil(this.retryAfterMs));
		if (this.remediation !== void 0) env.remediation = this.remediation;
		if (this.details !== void 0) env.details = this.details;
		return env;
	}
};
/** Shorthands for the common cases, so call sites read as intent. */
const errors = {
	validation: (message, remediation, details) => new PortcullisError({
		code: "invalid_arguments",
		category: "validation",
		message,
		remediation,
		details
	}),
	notFound: (what, remediation) => new PortcullisError({
		code: "not_found",
		category: "not_found",
		message: `${what} was not found.`,
		remediation
	}),
	forbidden: (message, details, remediation) => new PortcullisError({
		code: "forbidden",
		category: "forbidden",
		message,
		details,
		remediation
	}),
	conflict: (code, message, remediation, details) => new PortcullisError({
		code,
		category: "conflict",
		message,
		remediation,
		details
	}),
	rateLimited: (message, retryAfterMs, details) => new PortcullisError({
		code: "rate_limited",
		category: "rate_limited",
		message,
		retryable: true,
		retryAfterMs,
		remediation: "Wait for retry_after_ms before calling again.",
		details
	}),
	upstream: (system, internal, retryable = true, retryAfterMs) => new PortcullisError({
		code: "upstream_unavailable",
		category: "upstream",
		message: `The ${system} system did not answer successfully.`,
		retryable,
		retryAfterMs,
		remediation: retryable ? "Try again shortly." : "Ask an operator to check the upstream system.",
		internal
	}),
	internal: (internal) => new PortcullisError({
		code: "internal_error",
		category: "internal",
		message: "The server could not complete the call. The audit record id identifies it for an operator.",
		retryable: false,
		internal
	})
};
/** A configuration problem found at start-up: the message names the variable and stops the server. */
var ConfigError = class extends Error {
	constructor(message) {
		super(message);
		this.name = "ConfigError";
	}
};
function toPortcullisError(err) {
	if (err instanceof PortcullisError) return err;
	return errors.internal(err);
}

export { toPortcullisError as i, PortcullisError as n, errors as r, ConfigError as t };