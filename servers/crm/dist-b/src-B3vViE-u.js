import { a as __toCommonJS, i as __require, t as __commonJSMin } from "./rolldown-runtime-JJ0R4FiC.js";
import { n as init_esm, t as esm_exports } from "./esm-ypNu0_1-.js";
import { n as require_src$3, r as require_dist, t as require_src$4 } from "./src-Chz3fP6J.js";

// node_modules/@opentelemetry/context-async-hooks/build/src/AbstractAsyncHooksContextManager.js
var require_AbstractAsyncHooksContextManager = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.AbstractAsyncHooksContextManager = void 0;
	const events_1 = __require("events");
	const ADD_LISTENER_METHODS = [
		"addListener",
		"on",
		"once",
		"prependListener",
		"prependOnceListener"
	];
	var AbstractAsyncHooksContextManager = class {
		/**
		* Binds a the certain context or the active one to the target function and then returns the target
		* @param context A context (span) to be bind to target
		* @param target a function or event emitter. When target or one of its callbacks is called,
		*  the provided context will be used as the active context for the duration of the call.
		*/
		bind(context, target) {
			if (target instanceof events_1.EventEmitter) return this._bindEventEmitter(context, target);
			if (typeof target === "function") return this._bindFunction(context, target);
			return target;
		}
		_bindFunction(context, target) {
			const manager = this;
			const contextWrapper = function(...args) {
				return manager.with(context, () => target.apply(this, args));
			};
			Object.defineProperty(contextWrapper, "length", {
				enumerable: false,
				configurable: true,
				writable: false,
				value: target.length
			});
			/**
			* It isn't possible to tell Typescript that contextWrapper is the same as T
			* so we forced to cast as any here.
			*/
			return contextWrapper;
		}
		/**
		* By default, EventEmitter call their callback with their context, which we do
		* not want, instead we will bind a specific context to all callbacks that
		* go through it.
		* @param context the context we want to bind
		* @param ee EventEmitter an instance of EventEmitter to patch
		*/
		_bindEventEmitter(context, ee) {
			if (this._getPatchMap(ee) !== void 0) return ee;
			this._createPatchMap(ee);
			ADD_LISTENER_METHODS.forEach((methodName) => {
				if (ee[methodName] === void 0) return;
				ee[methodName] = this._patchAddListener(ee, ee[methodName], context);
			});
			if (typeof ee.removeListener === "function") ee.removeListener = this._patchRemoveListener(ee, ee.removeListener);
			if (typeof ee.off === "function") ee.off = this._patchRemoveListener(ee, ee.off);
			if (typeof ee.removeAllListeners === "function") ee.removeAllListeners = this._patchRemoveAllListeners(ee, ee.removeAllListeners);
			return ee;
		}
		/**
		* Patch methods that remove a given listener so that we match the "patched"
		* version of that listener (the one that propagate context).
		* @param ee EventEmitter instance
		* @param original reference to the patched method
		*/
		_patchRemoveListener(ee, original) {
			const contextManager = this;
			return function(event, listener) {
				const events = contextManager._getPatchMap(ee)?.[event];
				if (events === void 0) return original.call(this, event, listener);
				const patchedListener = events.get(listener);
				return original.call(this, event, patchedListener || listener);
			};
		}
		/**
		* Patch methods that remove all listeners so we remove our
		* internal references for a given event.
		* @param ee EventEmitter instance
		* @param original reference to the patched method
		*/
		_patchRemoveAllListeners(ee, original) {
			const contextManager = this;
			return function(event) {
				const map = contextManager._getPatchMap(ee);
				if (map !== void 0) {
					if (arguments.length === 0) contextManager._createPatchMap(ee);
					else if (map[event] !== void 0) delete map[event];
				}
				return original.apply(this, arguments);
			};
		}
		/**
		* Patch methods on an event emitter instance that can add listeners so we
		* can force them to propagate a given context.
		* @param ee EventEmitter instance
		* @param original reference to the patched method
		* @param [context] context to propagate when calling listeners
		*/
		_patchAddListener(ee, original, context) {
			const contextManager = this;
			return function(event, listener) {
				/**
				* This check is required to prevent double-wrapping the listener.
				* The implementation for ee.once wraps the listener and calls ee.on.
				* Without this check, we would wrap that wrapped listener.
				* This causes an issue because ee.removeListener depends on the onceWrapper
				* to properly remove the listener. If we wrap their wrapper, we break
				* that detection.
				*/
				if (contextManager._wrapped) return original.call(this, event, listener);
				let map = contextManager._getPatchMap(ee);
				if (map === void 0) map = contextManager._createPatchMap(ee);
				let listeners = map[event];
				if (listeners === void 0) {
					listeners = /* @__PURE__ */ new WeakMap();
					map[event] = listeners;
				}
				const patchedListener = contextManager.bind(context, listener);
				listeners.set(listener, patchedListener);
				/**
				* See comment at the start of this function for the explanation of this property.
				*/
				contextManager._wrapped = true;
				try {
					return original.call(this, event, patchedListener);
				} finally {
					contextManager._wrapped = false;
				}
			};
		}
		_createPatchMap(ee) {
			const map = Object.create(null);
			ee[this._kOtListeners] = map;
			return map;
		}
		_getPatchMap(ee) {
			return ee[this._kOtListeners];
		}
		_kOtListeners = Symbol("OtListeners");
		_wrapped = false;
	};
	exports.AbstractAsyncHooksContextManager = AbstractAsyncHooksContextManager;
}));

// node_modules/@opentelemetry/context-async-hooks/build/src/AsyncHooksContextManager.js
var require_AsyncHooksContextManager = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.AsyncHooksContextManager = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const asyncHooks = __require("async_hooks");
	const AbstractAsyncHooksContextManager_1 = require_AbstractAsyncHooksContextManager();
	/**
	* @deprecated Use AsyncLocalStorageContextManager instead.
	*/
	var AsyncHooksContextManager = class extends AbstractAsyncHooksContextManager_1.AbstractAsyncHooksContextManager {
		_asyncHook;
		_contexts = /* @__PURE__ */ new Map();
		_stack = [];
		constructor() {
			super();
			this._asyncHook = asyncHooks.createHook({
				init: this._init.bind(this),
				before: this._before.bind(this),
				after: this._after.bind(this),
				destroy: this._destroy.bind(this),
				promiseResolve: this._destroy.bind(this)
			});
		}
		active() {
			return this._stack[this._stack.length - 1] ?? api_1.ROOT_CONTEXT;
		}
		with(context, fn, thisArg, ...args) {
			this._enterContext(context);
			try {
				return fn.call(thisArg, ...args);
			} finally {
				this._exitContext();
			}
		}
		enable() {
			this._asyncHook.enable();
			return this;
		}
		disable() {
			this._asyncHook.disable();
			this._contexts.clear();
			this._stack = [];
			return this;
		}
		/**
		* Init hook will be called when userland create a async context, setting the
		* context as the current one if it exist.
		* @param uid id of the async context
		* @param type the resource type
		*/
		_init(uid, type) {
			if (type === "TIMERWRAP") return;
			const context = this._stack[this._stack.length - 1];
			if (context !== void 0) this._contexts.set(uid, context);
		}
		/**
		* Destroy hook will be called when a given context is no longer used so we can
		* remove its attached context.
		* @param uid uid of the async context
		*/
		_destroy(uid) {
			this._contexts.delete(uid);
		}
		/**
		* Before hook is called just before executing a async context.
		* @param uid uid of the async context
		*/
		_before(uid) {
			const context = this._contexts.get(uid);
			if (context !== void 0) this._enterContext(context);
		}
		/**
		* After hook is called just after completing the execution of a async context.
		*/
		_after() {
			this._exitContext();
		}
		/**
		* Set the given context as active
		*/
		_enterContext(context) {
			this._stack.push(context);
		}
		/**
		* Remove the context at the root of the stack
		*/
		_exitContext() {
			this._stack.pop();
		}
	};
	exports.AsyncHooksContextManager = AsyncHooksContextManager;
}));

// node_modules/@opentelemetry/context-async-hooks/build/src/AsyncLocalStorageContextManager.js
var require_AsyncLocalStorageContextManager = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.AsyncLocalStorageContextManager = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const async_hooks_1 = __require("async_hooks");
	const AbstractAsyncHooksContextManager_1 = require_AbstractAsyncHooksContextManager();
	/**
	* Wrapper around a token and _asyncLocalStorage to mirror the behavior of
	* a Node.js RunScope
	*
	* @internal not intended for direct public consumption. Will be removed once
	* withScope is available on all supported Node.js versions
	*/
	var DisposeOnceToken = class {
		_isDisposed = false;
		_previousContext;
		_asyncLocalStorage;
		constructor(previousContext, asyncLocalStorage) {
			this._previousContext = previousContext;
			this._asyncLocalStorage = asyncLocalStorage;
		}
		dispose() {
			if (this._isDisposed) return;
			this._asyncLocalStorage.enterWith(this._previousContext);
			this._isDisposed = true;
		}
	};
	var AsyncLocalStorageContextManager = class extends AbstractAsyncHooksContextManager_1.AbstractAsyncHooksContextManager {
		_asyncLocalStorage;
		constructor() {
			super();
			this._asyncLocalStorage = new async_hooks_1.AsyncLocalStorage();
		}
		active() {
			return this._asyncLocalStorage.getStore() ?? api_1.ROOT_CONTEXT;
		}
		with(context, fn, thisArg, ...args) {
			const cb = thisArg == null ? fn : fn.bind(thisArg);
			return this._asyncLocalStorage.run(context, cb, ...args);
		}
		enable() {
			return this;
		}
		disable() {
			this._asyncLocalStorage.disable();
			return this;
		}
		/**
		* Imperatively sets `context` as active for the current async execution chain
		* and operations spawned from it. Returns a {@link ContextManagementToken} whose `dispose()`
		* restores the previous context (see {@link ContextManager.attach}).
		*
		* On Node.js 25.9+, delegates to `AsyncLocalStorage.withScope()` which returns
		* a native `RunScope`. On older Node.js versions, falls back to `enterWith()` with
		* a manual token.
		*
		* **Caveat for async functions:** Both `withScope()` and `enterWith()` affect the
		* entire current async execution chain. If `attach()` is called inside an async
		* function before the first `await`, the context change will leak into the caller's
		* context and remain active there until something else restores it. Prefer `with()`
		* for async code.
		*
		* @experimental This API is experimental and may change in minor releases without prior notice.
		*/
		attach(context) {
			const withScope = this._asyncLocalStorage.withScope;
			if (withScope) return withScope.call(this._asyncLocalStorage, context);
			const previousContext = this.active();
			this._asyncLocalStorage.enterWith(context);
			return new DisposeOnceToken(previousContext, this._asyncLocalStorage);
		}
	};
	exports.AsyncLocalStorageContextManager = AsyncLocalStorageContextManager;
}));

// node_modules/@opentelemetry/context-async-hooks/build/src/index.js
var require_src$2 = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.AsyncLocalStorageContextManager = exports.AsyncHooksContextManager = void 0;
	var AsyncHooksContextManager_1 = require_AsyncHooksContextManager();
	Object.defineProperty(exports, "AsyncHooksContextManager", {
		enumerable: true,
		get: function() {
			return AsyncHooksContextManager_1.AsyncHooksContextManager;
		}
	});
	var AsyncLocalStorageContextManager_1 = require_AsyncLocalStorageContextManager();
	Object.defineProperty(exports, "AsyncLocalStorageContextManager", {
		enumerable: true,
		get: function() {
			return AsyncLocalStorageContextManager_1.AsyncLocalStorageContextManager;
		}
	});
}));

// node_modules/@opentelemetry/sdk-trace/build/src/StackContextManager.js
var require_StackContextManager = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.StackContextManager = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	/**
	* StackContextManager can track context for synchronous code (the call
	* "stack"). It does not track context for asynchronous code (Promises,
	* async/await).
	*
	* This can be useful as a minimal ContextManager in the web/browser
	* environment, which does not provide a native system for async context
	* tracking. Web users might consider `@opentelemetry/context-zone` as
	* an alternative. Node.js users will almost certainly want to use
	* `AsyncLocalStorageContextManager`.
	*/
	var StackContextManager = class {
		/**
		* whether the context manager is enabled or not
		*/
		_enabled = false;
		/**
		* Keeps the reference to current context
		*/
		_currentContext = api_1.ROOT_CONTEXT;
		/**
		*
		* @param context
		* @param target Function to be executed within the context
		*/
		_bindFunction(context = api_1.ROOT_CONTEXT, target) {
			const manager = this;
			const contextWrapper = function(...args) {
				return manager.with(context, () => target.apply(this, args));
			};
			Object.defineProperty(contextWrapper, "length", {
				enumerable: false,
				configurable: true,
				writable: false,
				value: target.length
			});
			return contextWrapper;
		}
		/**
		* Returns the active context
		*/
		active() {
			return this._currentContext;
		}
		/**
		* Binds a the certain context or the active one to the target function and then returns the target
		* @param context A context (span) to be bind to target
		* @param target a function or event emitter. When target or one of its callbacks is called,
		*  the provided context will be used as the active context for the duration of the call.
		*/
		bind(context, target) {
			if (context === void 0) context = this.active();
			if (typeof target === "function") return this._bindFunction(context, target);
			return target;
		}
		/**
		* Disable the context manager (clears the current context)
		*/
		disable() {
			this._currentContext = api_1.ROOT_CONTEXT;
			this._enabled = false;
			return this;
		}
		/**
		* Enables the context manager and creates a default(root) context
		*/
		enable() {
			if (this._enabled) return this;
			this._enabled = true;
			this._currentContext = api_1.ROOT_CONTEXT;
			return this;
		}
		/**
		* Calls the callback function [fn] with the provided [context]. If [context] is undefined then it will use the window.
		* The context will be set as active
		* @param context
		* @param fn Callback function
		* @param thisArg optional receiver to be used for calling fn
		* @param args optional arguments forwarded to fn
		*/
		with(context, fn, thisArg, ...args) {
			const previousContext = this._currentContext;
			this._currentContext = context || api_1.ROOT_CONTEXT;
			try {
				return fn.call(thisArg, ...args);
			} finally {
				this._currentContext = previousContext;
			}
		}
	};
	exports.StackContextManager = StackContextManager;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/enums.js
var require_enums = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.ExceptionEventName = void 0;
	exports.ExceptionEventName = "exception";
}));

// node_modules/@opentelemetry/sdk-trace/build/src/inspect.js
var require_inspect = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.formatInspect = exports.settledResourceAttributes = exports.inspectCustom = void 0;
	/**
	* Well-known symbol used by Node.js `util.inspect` (and `console.*`) to
	* render an object via a custom representation. Defined as a global Symbol
	* so it works without importing from `node:util`, keeping this module safe
	* for browser builds (where the symbol is simply never looked up).
	*/
	exports.inspectCustom = Symbol.for("nodejs.util.inspect.custom");
	/**
	* Collect a Resource's settled attributes without touching the
	* `attributes` getter, which emits diag.error/debug entries when async
	* attribute detectors are still pending. Promise-like (unsettled)
	* entries are silently skipped so logging a Span/Tracer/Provider during
	* startup doesn't recurse through the diag pipeline.
	*/
	function settledResourceAttributes(resource) {
		const attrs = {};
		for (const [k, v] of resource.getRawAttributes()) {
			if (typeof v?.then === "function") continue;
			if (v != null) attrs[k] ??= v;
		}
		return attrs;
	}
	exports.settledResourceAttributes = settledResourceAttributes;
	/**
	* Build a class-tagged inspect representation. Returns a stub like
	* `[ClassName]` once the recursion budget is exhausted, otherwise returns
	* `ClassName <inspected payload>` so nested fields keep proper coloring,
	* indentation, and depth handling. In environments that don't supply an
	* `inspect` callback (e.g. browsers), falls back to returning the raw
	* payload object.
	*/
	function formatInspect(className, payload, depth, options, inspect) {
		if (typeof depth === "number" && depth < 0) {
			const tag = `[${className}]`;
			return options?.stylize ? options.stylize(tag, "special") : tag;
		}
		if (typeof inspect !== "function" || !options) return payload;
		return `${className} ${inspect(payload, {
			...options,
			depth: options.depth == null ? options.depth : options.depth - 1
		})}`;
	}
	exports.formatInspect = formatInspect;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/Span.js
var require_Span = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.SpanImpl = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const core_1 = require_src$3();
	const semantic_conventions_1 = require_dist();
	const enums_1 = require_enums();
	const inspect_1 = require_inspect();
	/**
	* This class represents a span.
	*/
	var SpanImpl = class {
		_spanContext;
		kind;
		parentSpanContext;
		attributes = {};
		links = [];
		events = [];
		startTime;
		resource;
		instrumentationScope;
		_droppedAttributesCount = 0;
		_droppedEventsCount = 0;
		_droppedLinksCount = 0;
		_attributesCount = 0;
		name;
		status = { code: api_1.SpanStatusCode.UNSET };
		endTime = [0, 0];
		_ended = false;
		_duration = [-1, -1];
		_spanProcessor;
		_spanLimits;
		_attributeValueLengthLimit;
		_recordEndMetrics;
		_performanceStartTime;
		_performanceOffset;
		_startTimeProvided;
		/**
		* Constructs a new SpanImpl instance.
		*/
		constructor(opts) {
			const now = Date.now();
			this._spanContext = opts.spanContext;
			this._performanceStartTime = core_1.otperformance.now();
			this._performanceOffset = now - (this._performanceStartTime + core_1.otperformance.timeOrigin);
			this._startTimeProvided = opts.startTime != null;
			this._spanLimits = opts.spanLimits;
			this._attributeValueLengthLimit = this._spanLimits.attributeValueLengthLimit ?? 0;
			this._spanProcessor = opts.spanProcessor;
			this.name = opts.name;
			this.parentSpanContext = opts.parentSpanContext;
			this.kind = opts.kind;
			if (opts.links) for (const link of opts.links) this.addLink(link);
			this.startTime = this._getTime(opts.startTime ?? now);
			this.resource = opts.resource;
			this.instrumentationScope = opts.scope;
			this._recordEndMetrics = opts.recordEndMetrics;
			if (opts.attributes != null) this.setAttributes(opts.attributes);
			this._spanProcessor.onStart(this, opts.context);
		}
		spanContext() {
			return this._spanContext;
		}
		setAttribute(key, value) {
			if (value == null || this._isSpanEnded()) return this;
			if (key.length === 0) {
				api_1.diag.warn(`Invalid attribute key: ${key}`);
				return this;
			}
			if (!(0, core_1.isAttributeValue)(value)) {
				api_1.diag.warn(`Invalid attribute value set for key: ${key}`);
				return this;
			}
			const { attributeCountLimit } = this._spanLimits;
			const isNewKey = !Object.prototype.hasOwnProperty.call(this.attributes, key);
			if (attributeCountLimit !== void 0 && this._attributesCount >= attributeCountLimit && isNewKey) {
				this._droppedAttributesCount++;
				return this;
			}
			this.attributes[key] = this._truncateToSize(value);
			if (isNewKey) this._attributesCount++;
			return this;
		}
		setAttributes(attributes) {
			for (const key in attributes) if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key]);
			return this;
		}
		/**
		*
		* @param name Span Name
		* @param [attributesOrStartTime] Span attributes or start time
		*     if type is {@type TimeInput} and 3rd param is undefined
		* @param [timeStamp] Specified time stamp for the event
		*/
		addEvent(name, attributesOrStartTime, timeStamp) {
			if (this._isSpanEnded()) return this;
			const { eventCountLimit } = this._spanLimits;
			if (eventCountLimit === 0) {
				api_1.diag.warn("No events allowed.");
				this._droppedEventsCount++;
				return this;
			}
			if (eventCountLimit !== void 0 && this.events.length >= eventCountLimit) {
				if (this._droppedEventsCount === 0) api_1.diag.debug("Dropping extra events.");
				this.events.shift();
				this._droppedEventsCount++;
			}
			if ((0, core_1.isTimeInput)(attributesOrStartTime)) {
				if (!(0, core_1.isTimeInput)(timeStamp)) timeStamp = attributesOrStartTime;
				attributesOrStartTime = void 0;
			}
			const sanitized = (0, core_1.sanitizeAttributes)(attributesOrStartTime);
			const { attributePerEventCountLimit } = this._spanLimits;
			const attributes = {};
			let droppedAttributesCount = 0;
			let eventAttributesCount = 0;
			for (const attr in sanitized) {
				if (!Object.prototype.hasOwnProperty.call(sanitized, attr)) continue;
				const attrVal = sanitized[attr];
				if (attributePerEventCountLimit !== void 0 && eventAttributesCount >= attributePerEventCountLimit) {
					droppedAttributesCount++;
					continue;
				}
				attributes[attr] = this._truncateToSize(attrVal);
				eventAttributesCount++;
			}
			this.events.push({
				name,
				attributes,
				time: this._getTime(timeStamp),
				droppedAttributesCount
			});
			return this;
		}
		addLink(link) {
			if (this._isSpanEnded()) return this;
			const { linkCountLimit } = this._spanLimits;
			if (linkCountLimit === 0) {
				this._droppedLinksCount++;
				return this;
			}
			if (linkCountLimit !== void 0 && this.links.length >= linkCountLimit) {
				if (this._droppedLinksCount === 0) api_1.diag.debug("Dropping extra links.");
				this.links.shift();
				this._droppedLinksCount++;
			}
			const { attributePerLinkCountLimit } = this._spanLimits;
			const sanitized = (0, core_1.sanitizeAttributes)(link.attributes);
			const attributes = {};
			let droppedAttributesCount = 0;
			let linkAttributesCount = 0;
			for (const attr in sanitized) {
				if (!Object.prototype.hasOwnProperty.call(sanitized, attr)) continue;
				const attrVal = sanitized[attr];
				if (attributePerLinkCountLimit !== void 0 && linkAttributesCount >= attributePerLinkCountLimit) {
					droppedAttributesCount++;
					continue;
				}
				attributes[attr] = this._truncateToSize(attrVal);
				linkAttributesCount++;
			}
			const processedLink = { context: link.context };
			if (linkAttributesCount > 0) processedLink.attributes = attributes;
			if (droppedAttributesCount > 0) processedLink.droppedAttributesCount = droppedAttributesCount;
			this.links.push(processedLink);
			return this;
		}
		addLinks(links) {
			for (const link of links) this.addLink(link);
			return this;
		}
		setStatus(status) {
			if (this._isSpanEnded()) return this;
			if (status.code === api_1.SpanStatusCode.UNSET) return this;
			if (this.status.code === api_1.SpanStatusCode.OK) return this;
			const newStatus = { code: status.code };
			if (status.code === api_1.SpanStatusCode.ERROR) {
				if (typeof status.message === "string") newStatus.message = status.message;
				else if (status.message != null) api_1.diag.warn(`Dropping invalid status.message of type '${typeof status.message}', expected 'string'`);
			}
			this.status = newStatus;
			return this;
		}
		updateName(name) {
			if (this._isSpanEnded()) return this;
			this.name = name;
			return this;
		}
		end(endTime) {
			if (this._isSpanEnded()) {
				api_1.diag.error(`${this.name} ${this._spanContext.traceId}-${this._spanContext.spanId} - You can only call end() on a span once.`);
				return;
			}
			this.endTime = this._getTime(endTime);
			this._duration = (0, core_1.hrTimeDuration)(this.startTime, this.endTime);
			if (this._duration[0] < 0) {
				api_1.diag.warn("Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.", this.startTime, this.endTime);
				this.endTime = this.startTime.slice();
				this._duration = [0, 0];
			}
			if (this._droppedEventsCount > 0) api_1.diag.warn(`Dropped ${this._droppedEventsCount} events because eventCountLimit reached`);
			if (this._droppedLinksCount > 0) api_1.diag.warn(`Dropped ${this._droppedLinksCount} links because linkCountLimit reached`);
			if (this._spanProcessor.onEnding) this._spanProcessor.onEnding(this);
			this._recordEndMetrics?.();
			this._ended = true;
			this._spanProcessor.onEnd(this);
		}
		_getTime(inp) {
			if (typeof inp === "number" && inp <= core_1.otperformance.now()) return (0, core_1.hrTime)(inp + this._performanceOffset);
			if (typeof inp === "number") return (0, core_1.millisToHrTime)(inp);
			if (inp instanceof Date) return (0, core_1.millisToHrTime)(inp.getTime());
			if ((0, core_1.isTimeInputHrTime)(inp)) return inp;
			if (this._startTimeProvided) return (0, core_1.millisToHrTime)(Date.now());
			const msDuration = core_1.otperformance.now() - this._performanceStartTime;
			return (0, core_1.addHrTimes)(this.startTime, (0, core_1.millisToHrTime)(msDuration));
		}
		isRecording() {
			return this._ended === false;
		}
		recordException(exception, time) {
			const attributes = {};
			if (typeof exception === "string") attributes[semantic_conventions_1.ATTR_EXCEPTION_MESSAGE] = exception;
			else if (exception) {
				if (exception.code) attributes[semantic_conventions_1.ATTR_EXCEPTION_TYPE] = exception.code.toString();
				else if (exception.name) attributes[semantic_conventions_1.ATTR_EXCEPTION_TYPE] = exception.name;
				if (exception.message) attributes[semantic_conventions_1.ATTR_EXCEPTION_MESSAGE] = exception.message;
				if (exception.stack) attributes[semantic_conventions_1.ATTR_EXCEPTION_STACKTRACE] = exception.stack;
			}
			if (attributes[semantic_conventions_1.ATTR_EXCEPTION_TYPE] || attributes[semantic_conventions_1.ATTR_EXCEPTION_MESSAGE]) this.addEvent(enums_1.ExceptionEventName, attributes, time);
			else api_1.diag.warn(`Failed to record an exception ${exception}`);
		}
		get duration() {
			return this._duration;
		}
		get ended() {
			return this._ended;
		}
		get droppedAttributesCount() {
			return this._droppedAttributesCount;
		}
		get droppedEventsCount() {
			return this._droppedEventsCount;
		}
		get droppedLinksCount() {
			return this._droppedLinksCount;
		}
		_isSpanEnded() {
			if (this._ended) {
				const error = /* @__PURE__ */ new Error(`Operation attempted on ended Span {traceId: ${this._spanContext.traceId}, spanId: ${this._spanContext.spanId}}`);
				api_1.diag.warn(`Cannot execute the operation on ended Span {traceId: ${this._spanContext.traceId}, spanId: ${this._spanContext.spanId}}`, error);
			}
			return this._ended;
		}
		_truncateToLimitUtil(value, limit) {
			if (value.length <= limit) return value;
			return value.substring(0, limit);
		}
		/**
		* If the given attribute value is of type string and has more characters than given {@code attributeValueLengthLimit} then
		* return string with truncated to {@code attributeValueLengthLimit} characters
		*
		* If the given attribute value is array of strings then
		* return new array of strings with each element truncated to {@code attributeValueLengthLimit} characters
		*
		* Otherwise return same Attribute {@code value}
		*
		* @param value Attribute value
		* @returns truncated attribute value if required, otherwise same value
		*/
		_truncateToSize(value) {
			const limit = this._attributeValueLengthLimit;
			if (limit <= 0) {
				api_1.diag.warn(`Attribute value limit must be positive, got ${limit}`);
				return value;
			}
			if (typeof value === "string") return this._truncateToLimitUtil(value, limit);
			if (Array.isArray(value)) return value.map((val) => typeof val === "string" ? this._truncateToLimitUtil(val, limit) : val);
			return value;
		}
		[inspect_1.inspectCustom](depth, options, inspect) {
			const payload = {
				name: this.name,
				kind: this.kind,
				spanContext: this._spanContext,
				parentSpanContext: this.parentSpanContext,
				status: this.status,
				startTime: this.startTime,
				endTime: this.endTime,
				duration: this._duration,
				ended: this._ended,
				attributes: this.attributes,
				events: this.events,
				links: this.links,
				droppedAttributesCount: this._droppedAttributesCount,
				droppedEventsCount: this._droppedEventsCount,
				droppedLinksCount: this._droppedLinksCount,
				instrumentationScope: this.instrumentationScope,
				resource: { attributes: (0, inspect_1.settledResourceAttributes)(this.resource) }
			};
			return (0, inspect_1.formatInspect)("SpanImpl", payload, depth, options, inspect);
		}
	};
	exports.SpanImpl = SpanImpl;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/Sampler.js
var require_Sampler = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.SamplingDecision = void 0;
	/**
	* A sampling decision that determines how a {@link Span} will be recorded
	* and collected.
	*/
	var SamplingDecision;
	(function(SamplingDecision) {
		/**
		* `Span.isRecording() === false`, span will not be recorded and all events
		* and attributes will be dropped.
		*/
		SamplingDecision[SamplingDecision["NOT_RECORD"] = 0] = "NOT_RECORD";
		/**
		* `Span.isRecording() === true`, but `Sampled` flag in {@link TraceFlags}
		* MUST NOT be set.
		*/
		SamplingDecision[SamplingDecision["RECORD"] = 1] = "RECORD";
		/**
		* `Span.isRecording() === true` AND `Sampled` flag in {@link TraceFlags}
		* MUST be set.
		*/
		SamplingDecision[SamplingDecision["RECORD_AND_SAMPLED"] = 2] = "RECORD_AND_SAMPLED";
	})(SamplingDecision || (exports.SamplingDecision = SamplingDecision = {}));
}));

// node_modules/@opentelemetry/sdk-trace/build/src/semconv.js
var require_semconv = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.OTEL_COMPONENT_TYPE_VALUE_SIMPLE_SPAN_PROCESSOR = exports.OTEL_COMPONENT_TYPE_VALUE_BATCHING_SPAN_PROCESSOR = exports.METRIC_OTEL_SDK_SPAN_STARTED = exports.METRIC_OTEL_SDK_SPAN_LIVE = exports.METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE = exports.METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_CAPACITY = exports.METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED = exports.ATTR_OTEL_SPAN_SAMPLING_RESULT = exports.ATTR_OTEL_SPAN_PARENT_ORIGIN = exports.ATTR_OTEL_COMPONENT_TYPE = exports.ATTR_OTEL_COMPONENT_NAME = void 0;
	/**
	* A name uniquely identifying the instance of the OpenTelemetry component within its containing SDK instance.
	*
	* @example otlp_grpc_span_exporter/0
	* @example custom-name
	*
	* @note Implementations **SHOULD** ensure a low cardinality for this attribute, even across application or SDK restarts.
	* E.g. implementations **MUST NOT** use UUIDs as values for this attribute.
	*
	* Implementations **MAY** achieve these goals by following a `<otel.component.type>/<instance-counter>` pattern, e.g. `batching_span_processor/0`.
	* Hereby `otel.component.type` refers to the corresponding attribute value of the component.
	*
	* The value of `instance-counter` **MAY** be automatically assigned by the component and uniqueness within the enclosing SDK instance **MUST** be guaranteed.
	* For example, `<instance-counter>` **MAY** be implemented by using a monotonically increasing counter (starting with `0`), which is incremented every time an
	* instance of the given component type is started.
	*
	* With this implementation, for example the first Batching Span Processor would have `batching_span_processor/0`
	* as `otel.component.name`, the second one `batching_span_processor/1` and so on.
	* These values will therefore be reused in the case of an application restart.
	*
	* @experimental This attribute is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.ATTR_OTEL_COMPONENT_NAME = "otel.component.name";
	/**
	* A name identifying the type of the OpenTelemetry component.
	*
	* @example batching_span_processor
	* @example com.example.MySpanExporter
	*
	* @note If none of the standardized values apply, implementations **SHOULD** use the language-defined name of the type.
	* E.g. for Java the fully qualified classname **SHOULD** be used in this case.
	*
	* @experimental This attribute is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.ATTR_OTEL_COMPONENT_TYPE = "otel.component.type";
	/**
	* Determines whether the span has a parent span, and if so, [whether it is a remote parent](https://opentelemetry.io/docs/specs/otel/trace/api/#isremote)
	*
	* @experimental This attribute is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.ATTR_OTEL_SPAN_PARENT_ORIGIN = "otel.span.parent.origin";
	/**
	* The result value of the sampler for this span
	*
	* @experimental This attribute is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.ATTR_OTEL_SPAN_SAMPLING_RESULT = "otel.span.sampling_result";
	/**
	* The number of spans for which the processing has finished, either successful or failed.
	*
	* @note For successful processing, `error.type` **MUST NOT** be set. For failed processing, `error.type` **MUST** contain the failure cause.
	* For the SDK Simple and Batching Span Processor a span is considered to be processed already when it has been submitted to the exporter, not when the corresponding export call has finished.
	*
	* @experimental This metric is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED = "otel.sdk.processor.span.processed";
	/**
	* The maximum number of spans the queue of a given instance of an SDK span processor can hold.
	*
	* @note Only applies to span processors which use a queue, e.g. the SDK Batching Span Processor.
	*
	* @experimental This metric is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_CAPACITY = "otel.sdk.processor.span.queue.capacity";
	/**
	* The number of spans in the queue of a given instance of an SDK span processor.
	*
	* @note Only applies to span processors which use a queue, e.g. the SDK Batching Span Processor.
	*
	* @experimental This metric is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE = "otel.sdk.processor.span.queue.size";
	/**
	* The number of created spans with `recording=true` for which the end operation has not been called yet.
	*
	* @experimental This metric is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.METRIC_OTEL_SDK_SPAN_LIVE = "otel.sdk.span.live";
	/**
	* The number of created spans.
	*
	* @note Implementations **MUST** record this metric for all spans, even for non-recording ones.
	*
	* @experimental This metric is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.METRIC_OTEL_SDK_SPAN_STARTED = "otel.sdk.span.started";
	/**
	* Enum value "batching_span_processor" for attribute {@link ATTR_OTEL_COMPONENT_TYPE}.
	*
	* The builtin SDK batching span processor
	*
	* @experimental This enum value is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.OTEL_COMPONENT_TYPE_VALUE_BATCHING_SPAN_PROCESSOR = "batching_span_processor";
	/**
	* Enum value "simple_span_processor" for attribute {@link ATTR_OTEL_COMPONENT_TYPE}.
	*
	* The builtin SDK simple span processor
	*
	* @experimental This enum value is experimental and is subject to breaking changes in minor releases of `@opentelemetry/semantic-conventions`.
	*/
	exports.OTEL_COMPONENT_TYPE_VALUE_SIMPLE_SPAN_PROCESSOR = "simple_span_processor";
}));

// node_modules/@opentelemetry/sdk-trace/build/src/TracerMetrics.js
var require_TracerMetrics = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.TracerMetrics = void 0;
	const Sampler_1 = require_Sampler();
	const semconv_1 = require_semconv();
	/**
	* Generates `otel.sdk.span.*` metrics.
	* https://opentelemetry.io/docs/specs/semconv/otel/sdk-metrics/#span-metrics
	*/
	var TracerMetrics = class {
		startedSpans;
		liveSpans;
		constructor(meter) {
			this.startedSpans = meter.createCounter(semconv_1.METRIC_OTEL_SDK_SPAN_STARTED, {
				unit: "{span}",
				description: "The number of created spans."
			});
			this.liveSpans = meter.createUpDownCounter(semconv_1.METRIC_OTEL_SDK_SPAN_LIVE, {
				unit: "{span}",
				description: "The number of currently live spans."
			});
		}
		startSpan(parentSpanCtx, samplingDecision) {
			const samplingDecisionStr = samplingDecisionToString(samplingDecision);
			this.startedSpans.add(1, {
				[semconv_1.ATTR_OTEL_SPAN_PARENT_ORIGIN]: parentOrigin(parentSpanCtx),
				[semconv_1.ATTR_OTEL_SPAN_SAMPLING_RESULT]: samplingDecisionStr
			});
			if (samplingDecision === Sampler_1.SamplingDecision.NOT_RECORD) return () => {};
			const liveSpanAttributes = { [semconv_1.ATTR_OTEL_SPAN_SAMPLING_RESULT]: samplingDecisionStr };
			this.liveSpans.add(1, liveSpanAttributes);
			return () => {
				this.liveSpans.add(-1, liveSpanAttributes);
			};
		}
	};
	exports.TracerMetrics = TracerMetrics;
	function parentOrigin(parentSpanContext) {
		if (!parentSpanContext) return "none";
		if (parentSpanContext.isRemote) return "remote";
		return "local";
	}
	function samplingDecisionToString(decision) {
		switch (decision) {
			case Sampler_1.SamplingDecision.RECORD_AND_SAMPLED: return "RECORD_AND_SAMPLE";
			case Sampler_1.SamplingDecision.RECORD: return "RECORD_ONLY";
			case Sampler_1.SamplingDecision.NOT_RECORD: return "DROP";
		}
	}
}));

// node_modules/@opentelemetry/sdk-trace/build/src/version.js
var require_version = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.VERSION = void 0;
	exports.VERSION = "2.12.1";
}));

// node_modules/@opentelemetry/sdk-trace/build/src/Tracer.js
var require_Tracer = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.Tracer = void 0;
	const api = (init_esm(), __toCommonJS(esm_exports));
	const core_1 = require_src$3();
	const Span_1 = require_Span();
	const TracerMetrics_1 = require_TracerMetrics();
	const version_1 = require_version();
	const inspect_1 = require_inspect();
	/**
	* This class represents a basic tracer.
	*/
	var Tracer = class {
		_sampler;
		_spanLimits;
		_idGenerator;
		instrumentationScope;
		_resource;
		_spanProcessor;
		_tracerMetrics;
		/**
		* Constructs a new Tracer instance.
		*/
		constructor(instrumentationScope, options) {
			this.instrumentationScope = instrumentationScope;
			this._sampler = options.sampler;
			this._spanLimits = options.spanLimits;
			this._resource = options.resource;
			this._idGenerator = options.idGenerator;
			this._spanProcessor = options.spanProcessor;
			const meter = options.meterProvider.getMeter("@opentelemetry/sdk-trace", version_1.VERSION);
			this._tracerMetrics = new TracerMetrics_1.TracerMetrics(meter);
		}
		/**
		* Starts a new Span or returns the default NoopSpan based on the sampling
		* decision.
		*/
		startSpan(name, options = {}, context = api.context.active()) {
			if (options.root) context = api.trace.deleteSpan(context);
			const parentSpan = api.trace.getSpan(context);
			if ((0, core_1.isTracingSuppressed)(context)) {
				api.diag.debug("Instrumentation suppressed, returning Noop Span");
				return api.trace.wrapSpanContext(api.INVALID_SPAN_CONTEXT);
			}
			const parentSpanContext = parentSpan?.spanContext();
			const spanId = this._idGenerator.generateSpanId();
			let validParentSpanContext;
			let traceId;
			let traceState;
			if (!parentSpanContext || !api.trace.isSpanContextValid(parentSpanContext)) traceId = this._idGenerator.generateTraceId();
			else {
				traceId = parentSpanContext.traceId;
				traceState = parentSpanContext.traceState;
				validParentSpanContext = parentSpanContext;
			}
			const spanKind = options.kind ?? api.SpanKind.INTERNAL;
			const links = (options.links ?? []).map((link) => {
				return {
					context: link.context,
					attributes: (0, core_1.sanitizeAttributes)(link.attributes)
				};
			});
			const attributes = (0, core_1.sanitizeAttributes)(options.attributes);
			const samplingResult = this._sampler.shouldSample(context, traceId, name, spanKind, attributes, links);
			const recordEndMetrics = this._tracerMetrics.startSpan(parentSpanContext, samplingResult.decision);
			traceState = samplingResult.traceState ?? traceState;
			const traceFlags = samplingResult.decision === api.SamplingDecision.RECORD_AND_SAMPLED ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE;
			const spanContext = {
				traceId,
				spanId,
				traceFlags,
				traceState
			};
			if (samplingResult.decision === api.SamplingDecision.NOT_RECORD) {
				api.diag.debug("Recording is off, propagating context in a non-recording span");
				return api.trace.wrapSpanContext(spanContext);
			}
			const initAttributes = (0, core_1.sanitizeAttributes)(Object.assign(attributes, samplingResult.attributes));
			return new Span_1.SpanImpl({
				resource: this._resource,
				scope: this.instrumentationScope,
				context,
				spanContext,
				name,
				kind: spanKind,
				links,
				parentSpanContext: validParentSpanContext,
				attributes: initAttributes,
				startTime: options.startTime,
				spanProcessor: this._spanProcessor,
				spanLimits: this._spanLimits,
				recordEndMetrics
			});
		}
		startActiveSpan(name, arg2, arg3, arg4) {
			let opts;
			let ctx;
			let fn;
			if (arguments.length < 2) return;
			else if (arguments.length === 2) fn = arg2;
			else if (arguments.length === 3) {
				opts = arg2;
				fn = arg3;
			} else {
				opts = arg2;
				ctx = arg3;
				fn = arg4;
			}
			const parentContext = ctx ?? api.context.active();
			const span = this.startSpan(name, opts, parentContext);
			const contextWithSpanSet = api.trace.setSpan(parentContext, span);
			return api.context.with(contextWithSpanSet, fn, void 0, span);
		}
		[inspect_1.inspectCustom](depth, options, inspect) {
			const payload = {
				instrumentationScope: this.instrumentationScope,
				resource: { attributes: (0, inspect_1.settledResourceAttributes)(this._resource) },
				spanLimits: this._spanLimits
			};
			return (0, inspect_1.formatInspect)("Tracer", payload, depth, options, inspect);
		}
	};
	exports.Tracer = Tracer;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/MultiSpanProcessor.js
var require_MultiSpanProcessor = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.MultiSpanProcessor = void 0;
	const core_1 = require_src$3();
	/**
	* Implementation of the {@link SpanProcessor} that simply forwards all
	* received events to a list of {@link SpanProcessor}s.
	*/
	var MultiSpanProcessor = class {
		_spanProcessors;
		constructor(spanProcessors) {
			this._spanProcessors = spanProcessors;
		}
		forceFlush() {
			const promises = [];
			for (const spanProcessor of this._spanProcessors) promises.push(spanProcessor.forceFlush());
			return new Promise((resolve) => {
				Promise.all(promises).then(() => {
					resolve();
				}).catch((error) => {
					(0, core_1.globalErrorHandler)(error || /* @__PURE__ */ new Error("MultiSpanProcessor: forceFlush failed"));
					resolve();
				});
			});
		}
		onStart(span, context) {
			for (const spanProcessor of this._spanProcessors) spanProcessor.onStart(span, context);
		}
		onEnding(span) {
			for (const spanProcessor of this._spanProcessors) if (spanProcessor.onEnding) spanProcessor.onEnding(span);
		}
		onEnd(span) {
			for (const spanProcessor of this._spanProcessors) spanProcessor.onEnd(span);
		}
		shutdown() {
			const promises = [];
			for (const spanProcessor of this._spanProcessors) promises.push(spanProcessor.shutdown());
			return new Promise((resolve, reject) => {
				Promise.all(promises).then(() => {
					resolve();
				}, reject);
			});
		}
	};
	exports.MultiSpanProcessor = MultiSpanProcessor;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/sampler/AlwaysOffSampler.js
var require_AlwaysOffSampler = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.AlwaysOffSampler = void 0;
	const Sampler_1 = require_Sampler();
	/** Sampler that samples no traces. */
	var AlwaysOffSampler = class {
		shouldSample() {
			return { decision: Sampler_1.SamplingDecision.NOT_RECORD };
		}
		toString() {
			return "AlwaysOffSampler";
		}
	};
	exports.AlwaysOffSampler = AlwaysOffSampler;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/sampler/AlwaysOnSampler.js
var require_AlwaysOnSampler = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.AlwaysOnSampler = void 0;
	const Sampler_1 = require_Sampler();
	/** Sampler that samples all traces. */
	var AlwaysOnSampler = class {
		shouldSample() {
			return { decision: Sampler_1.SamplingDecision.RECORD_AND_SAMPLED };
		}
		toString() {
			return "AlwaysOnSampler";
		}
	};
	exports.AlwaysOnSampler = AlwaysOnSampler;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/sampler/ParentBasedSampler.js
var require_ParentBasedSampler = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.ParentBasedSampler = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const core_1 = require_src$3();
	const AlwaysOffSampler_1 = require_AlwaysOffSampler();
	const AlwaysOnSampler_1 = require_AlwaysOnSampler();
	/**
	* A composite sampler that either respects the parent span's sampling decision
	* or delegates to `delegateSampler` for root spans.
	*/
	var ParentBasedSampler = class {
		_root;
		_remoteParentSampled;
		_remoteParentNotSampled;
		_localParentSampled;
		_localParentNotSampled;
		constructor(config) {
			this._root = config.root;
			if (!this._root) {
				(0, core_1.globalErrorHandler)(/* @__PURE__ */ new Error("ParentBasedSampler must have a root sampler configured"));
				this._root = new AlwaysOnSampler_1.AlwaysOnSampler();
			}
			this._remoteParentSampled = config.remoteParentSampled ?? new AlwaysOnSampler_1.AlwaysOnSampler();
			this._remoteParentNotSampled = config.remoteParentNotSampled ?? new AlwaysOffSampler_1.AlwaysOffSampler();
			this._localParentSampled = config.localParentSampled ?? new AlwaysOnSampler_1.AlwaysOnSampler();
			this._localParentNotSampled = config.localParentNotSampled ?? new AlwaysOffSampler_1.AlwaysOffSampler();
		}
		shouldSample(context, traceId, spanName, spanKind, attributes, links) {
			const parentContext = api_1.trace.getSpanContext(context);
			if (!parentContext || !(0, api_1.isSpanContextValid)(parentContext)) return this._root.shouldSample(context, traceId, spanName, spanKind, attributes, links);
			if (parentContext.isRemote) {
				if (parentContext.traceFlags & api_1.TraceFlags.SAMPLED) return this._remoteParentSampled.shouldSample(context, traceId, spanName, spanKind, attributes, links);
				return this._remoteParentNotSampled.shouldSample(context, traceId, spanName, spanKind, attributes, links);
			}
			if (parentContext.traceFlags & api_1.TraceFlags.SAMPLED) return this._localParentSampled.shouldSample(context, traceId, spanName, spanKind, attributes, links);
			return this._localParentNotSampled.shouldSample(context, traceId, spanName, spanKind, attributes, links);
		}
		toString() {
			return `ParentBased{root=${this._root.toString()}, remoteParentSampled=${this._remoteParentSampled.toString()}, remoteParentNotSampled=${this._remoteParentNotSampled.toString()}, localParentSampled=${this._localParentSampled.toString()}, localParentNotSampled=${this._localParentNotSampled.toString()}}`;
		}
	};
	exports.ParentBasedSampler = ParentBasedSampler;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/export/SpanProcessorMetrics.js
var require_SpanProcessorMetrics = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.SpanProcessorMetrics = void 0;
	const semantic_conventions_1 = require_dist();
	const semconv_1 = require_semconv();
	const componentCounter = /* @__PURE__ */ new Map();
	var SpanProcessorMetrics = class {
		processedSpans;
		queueSize;
		queueSizeCallback;
		standardAttrs;
		droppedAttrs;
		constructor(componentType, meter, queueConfig) {
			const counter = componentCounter.get(componentType) ?? 0;
			componentCounter.set(componentType, counter + 1);
			this.standardAttrs = {
				[semconv_1.ATTR_OTEL_COMPONENT_TYPE]: componentType,
				[semconv_1.ATTR_OTEL_COMPONENT_NAME]: `${componentType}/${counter}`
			};
			this.droppedAttrs = {
				...this.standardAttrs,
				[semantic_conventions_1.ATTR_ERROR_TYPE]: "queue_full"
			};
			this.processedSpans = meter.createCounter(semconv_1.METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED, {
				unit: "{span}",
				description: "The number of spans for which the processing has finished, either successful or failed."
			});
			if (queueConfig) {
				const { capacity, getQueueSize } = queueConfig;
				meter.createUpDownCounter(semconv_1.METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_CAPACITY, {
					unit: "{span}",
					description: "The maximum number of spans the queue of a given instance of an SDK span processor can hold."
				}).add(capacity, this.standardAttrs);
				this.queueSize = meter.createObservableUpDownCounter(semconv_1.METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE, {
					unit: "{span}",
					description: "The number of spans in the queue of a given instance of an SDK span processor."
				});
				this.queueSizeCallback = (result) => result.observe(getQueueSize(), this.standardAttrs);
				this.queueSize.addCallback(this.queueSizeCallback);
			}
		}
		dropSpans(count) {
			this.processedSpans.add(count, this.droppedAttrs);
		}
		finishSpans(count, error) {
			if (!error) {
				this.processedSpans.add(count, this.standardAttrs);
				return;
			}
			const attrs = {
				...this.standardAttrs,
				[semantic_conventions_1.ATTR_ERROR_TYPE]: error.name
			};
			this.processedSpans.add(count, attrs);
		}
		shutdown() {
			if (this.queueSize && this.queueSizeCallback) this.queueSize.removeCallback(this.queueSizeCallback);
		}
	};
	exports.SpanProcessorMetrics = SpanProcessorMetrics;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/export/BatchSpanProcessorBase.js
var require_BatchSpanProcessorBase = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.BatchSpanProcessorBase = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const core_1 = require_src$3();
	const SpanProcessorMetrics_1 = require_SpanProcessorMetrics();
	const semconv_1 = require_semconv();
	/**
	* Implementation of the {@link SpanProcessor} that batches spans exported by
	* the SDK then pushes them to the exporter pipeline.
	*/
	var BatchSpanProcessorBase = class {
		_maxExportBatchSize;
		_maxQueueSize;
		_scheduledDelayMillis;
		_exportTimeoutMillis;
		_exporter;
		_metrics;
		_isExporting = false;
		_finishedSpans = [];
		_timer;
		_shutdownOnce;
		_droppedSpansCount = 0;
		constructor(options) {
			this._exporter = options.exporter;
			this._maxExportBatchSize = options.maxExportBatchSize ?? 512;
			this._maxQueueSize = options.maxQueueSize ?? 2048;
			this._scheduledDelayMillis = options.scheduledDelayMillis ?? 5e3;
			this._exportTimeoutMillis = options.exportTimeoutMillis ?? 3e4;
			this._shutdownOnce = new core_1.BindOnceFuture(this._shutdown, this);
			if (this._maxExportBatchSize > this._maxQueueSize) {
				api_1.diag.warn("BatchSpanProcessor: maxExportBatchSize must be smaller or equal to maxQueueSize, setting maxExportBatchSize to match maxQueueSize");
				this._maxExportBatchSize = this._maxQueueSize;
			}
			const meter = options.selfObsMeterProvider ? options.selfObsMeterProvider.getMeter("@opentelemetry/sdk-trace") : (0, api_1.createNoopMeter)();
			this._metrics = new SpanProcessorMetrics_1.SpanProcessorMetrics(semconv_1.OTEL_COMPONENT_TYPE_VALUE_BATCHING_SPAN_PROCESSOR, meter, {
				capacity: this._maxQueueSize,
				getQueueSize: () => this._finishedSpans.length
			});
		}
		forceFlush() {
			if (this._shutdownOnce.isCalled) return this._shutdownOnce.promise;
			return this._flushAll();
		}
		onStart(_span, _parentContext) {}
		onEnd(span) {
			if (this._shutdownOnce.isCalled) return;
			if ((span.spanContext().traceFlags & api_1.TraceFlags.SAMPLED) === 0) return;
			this._addToBuffer(span);
		}
		shutdown() {
			return this._shutdownOnce.call();
		}
		_shutdown() {
			return Promise.resolve().then(() => {
				return this.onShutdown();
			}).then(() => {
				return this._flushAll();
			}).then(() => {
				this._metrics.shutdown();
				return this._exporter.shutdown();
			});
		}
		/** Add a span in the buffer. */
		_addToBuffer(span) {
			if (this._finishedSpans.length >= this._maxQueueSize) {
				if (this._droppedSpansCount === 0) api_1.diag.debug("maxQueueSize reached, dropping spans");
				this._droppedSpansCount++;
				this._metrics.dropSpans(1);
				return;
			}
			if (this._droppedSpansCount > 0) {
				api_1.diag.warn(`Dropped ${this._droppedSpansCount} spans because maxQueueSize reached`);
				this._droppedSpansCount = 0;
			}
			this._finishedSpans.push(span);
			this._maybeStartTimer();
		}
		/**
		* Send all spans to the exporter respecting the batch size limit
		* This function is used only on forceFlush or shutdown,
		* for all other cases _flush should be used
		* */
		_flushAll() {
			return new Promise((resolve, reject) => {
				const promises = [];
				const count = Math.ceil(this._finishedSpans.length / this._maxExportBatchSize);
				for (let i = 0, j = count; i < j; i++) promises.push(this._flushOneBatch());
				Promise.all(promises).then(() => {
					resolve();
				}).catch(reject);
			});
		}
		_flushOneBatch() {
			this._clearTimer();
			if (this._finishedSpans.length === 0) return Promise.resolve();
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					reject(/* @__PURE__ */ new Error("Timeout"));
				}, this._exportTimeoutMillis);
				api_1.context.with((0, core_1.suppressTracing)(api_1.context.active()), () => {
					let spans;
					if (this._finishedSpans.length <= this._maxExportBatchSize) {
						spans = this._finishedSpans;
						this._finishedSpans = [];
					} else spans = this._finishedSpans.splice(0, this._maxExportBatchSize);
					const doExport = () => this._exporter.export(spans, (result) => {
						clearTimeout(timer);
						this._metrics.finishSpans(spans.length, result.error);
						if (result.code === core_1.ExportResultCode.SUCCESS) resolve();
						else reject(result.error ?? /* @__PURE__ */ new Error("BatchSpanProcessor: span export failed"));
					});
					let pendingResources = null;
					for (let i = 0, len = spans.length; i < len; i++) {
						const span = spans[i];
						if (span.resource.asyncAttributesPending && span.resource.waitForAsyncAttributes) {
							pendingResources ??= [];
							pendingResources.push(span.resource.waitForAsyncAttributes());
						}
					}
					if (pendingResources === null) doExport();
					else Promise.all(pendingResources).then(doExport, (err) => {
						(0, core_1.globalErrorHandler)(err);
						reject(err);
					});
				});
			});
		}
		_maybeStartTimer() {
			if (this._isExporting) return;
			const flush = () => {
				this._isExporting = true;
				this._flushOneBatch().finally(() => {
					this._isExporting = false;
					if (this._finishedSpans.length > 0) {
						this._clearTimer();
						this._maybeStartTimer();
					}
				}).catch((e) => {
					this._isExporting = false;
					(0, core_1.globalErrorHandler)(e);
				});
			};
			if (this._finishedSpans.length >= this._maxExportBatchSize) return flush();
			if (this._timer !== void 0) return;
			this._timer = setTimeout(() => flush(), this._scheduledDelayMillis);
			if (typeof this._timer !== "number") this._timer.unref();
		}
		_clearTimer() {
			if (this._timer !== void 0) {
				clearTimeout(this._timer);
				this._timer = void 0;
			}
		}
	};
	exports.BatchSpanProcessorBase = BatchSpanProcessorBase;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/platform/node/export/BatchSpanProcessor.js
var require_BatchSpanProcessor = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.BatchSpanProcessor = void 0;
	const BatchSpanProcessorBase_1 = require_BatchSpanProcessorBase();
	var BatchSpanProcessor = class extends BatchSpanProcessorBase_1.BatchSpanProcessorBase {
		onShutdown() {}
	};
	exports.BatchSpanProcessor = BatchSpanProcessor;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/platform/node/RandomIdGenerator.js
var require_RandomIdGenerator = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.RandomIdGenerator = void 0;
	const SPAN_ID_BYTES = 8;
	const TRACE_ID_BYTES = 16;
	var RandomIdGenerator = class {
		/**
		* Returns a random 16-byte trace ID formatted/encoded as a 32 lowercase hex
		* characters corresponding to 128 bits.
		*/
		generateTraceId = getIdGenerator(TRACE_ID_BYTES);
		/**
		* Returns a random 8-byte span ID formatted/encoded as a 16 lowercase hex
		* characters corresponding to 64 bits.
		*/
		generateSpanId = getIdGenerator(SPAN_ID_BYTES);
	};
	exports.RandomIdGenerator = RandomIdGenerator;
	const SHARED_BUFFER = Buffer.allocUnsafe(TRACE_ID_BYTES);
	function getIdGenerator(bytes) {
		return function generateId() {
			for (let i = 0; i < bytes / 4; i++) SHARED_BUFFER.writeUInt32BE(Math.random() * 2 ** 32 >>> 0, i * 4);
			for (let i = 0; i < bytes; i++) if (SHARED_BUFFER[i] > 0) break;
			else if (i === bytes - 1) SHARED_BUFFER[bytes - 1] = 1;
			return SHARED_BUFFER.toString("hex", 0, bytes);
		};
	}
}));

// node_modules/@opentelemetry/sdk-trace/build/src/platform/node/index.js
var require_node = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.RandomIdGenerator = exports.BatchSpanProcessor = void 0;
	var BatchSpanProcessor_1 = require_BatchSpanProcessor();
	Object.defineProperty(exports, "BatchSpanProcessor", {
		enumerable: true,
		get: function() {
			return BatchSpanProcessor_1.BatchSpanProcessor;
		}
	});
	var RandomIdGenerator_1 = require_RandomIdGenerator();
	Object.defineProperty(exports, "RandomIdGenerator", {
		enumerable: true,
		get: function() {
			return RandomIdGenerator_1.RandomIdGenerator;
		}
	});
}));

// node_modules/@opentelemetry/sdk-trace/build/src/platform/index.js
var require_platform = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.RandomIdGenerator = exports.BatchSpanProcessor = void 0;
	var node_1 = require_node();
	Object.defineProperty(exports, "BatchSpanProcessor", {
		enumerable: true,
		get: function() {
			return node_1.BatchSpanProcessor;
		}
	});
	Object.defineProperty(exports, "RandomIdGenerator", {
		enumerable: true,
		get: function() {
			return node_1.RandomIdGenerator;
		}
	});
}));

// node_modules/@opentelemetry/sdk-trace/build/src/TracerProvider.js
var require_TracerProvider = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.TracerProvider = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const resources_1 = require_src$4();
	const Tracer_1 = require_Tracer();
	const MultiSpanProcessor_1 = require_MultiSpanProcessor();
	const ParentBasedSampler_1 = require_ParentBasedSampler();
	const AlwaysOnSampler_1 = require_AlwaysOnSampler();
	const platform_1 = require_platform();
	const inspect_1 = require_inspect();
	var ForceFlushState;
	(function(ForceFlushState) {
		ForceFlushState[ForceFlushState["resolved"] = 0] = "resolved";
		ForceFlushState[ForceFlushState["timeout"] = 1] = "timeout";
		ForceFlushState[ForceFlushState["error"] = 2] = "error";
		ForceFlushState[ForceFlushState["unresolved"] = 3] = "unresolved";
	})(ForceFlushState || (ForceFlushState = {}));
	/**
	* This class represents a basic tracer provider which platform libraries can extend
	*/
	var TracerProvider = class {
		_resource;
		_activeSpanProcessor;
		_forceFlushTimeoutMillis;
		_tracerOptions;
		_tracers = /* @__PURE__ */ new Map();
		constructor(options = {}) {
			this._forceFlushTimeoutMillis = options.forceFlushTimeoutMillis ?? 3e4;
			this._resource = options.resource ?? (0, resources_1.defaultResource)();
			const spanProcessors = options.spanProcessors ?? [];
			this._activeSpanProcessor = new MultiSpanProcessor_1.MultiSpanProcessor(spanProcessors);
			this._tracerOptions = {
				resource: this._resource,
				sampler: options.sampler ?? new ParentBasedSampler_1.ParentBasedSampler({ root: new AlwaysOnSampler_1.AlwaysOnSampler() }),
				spanLimits: {
					attributeCountLimit: options.spanLimits?.attributeCountLimit ?? 128,
					attributeValueLengthLimit: options.spanLimits?.attributeValueLengthLimit ?? Infinity,
					eventCountLimit: options.spanLimits?.eventCountLimit ?? 128,
					linkCountLimit: options.spanLimits?.linkCountLimit ?? 128,
					attributePerEventCountLimit: options.spanLimits?.attributePerEventCountLimit ?? 128,
					attributePerLinkCountLimit: options.spanLimits?.attributePerLinkCountLimit ?? 128
				},
				idGenerator: options.idGenerator || new platform_1.RandomIdGenerator(),
				spanProcessor: this._activeSpanProcessor,
				meterProvider: options.meterProvider ?? { getMeter() {
					return (0, api_1.createNoopMeter)();
				} }
			};
		}
		getTracer(name, version, options) {
			const key = `${name}@${version || ""}:${options?.schemaUrl || ""}`;
			if (!this._tracers.has(key)) this._tracers.set(key, new Tracer_1.Tracer({
				name,
				version,
				schemaUrl: options?.schemaUrl
			}, this._tracerOptions));
			return this._tracers.get(key);
		}
		forceFlush(options) {
			const timeout = options?.timeoutMillis ?? this._forceFlushTimeoutMillis;
			const promises = this._activeSpanProcessor["_spanProcessors"].map((spanProcessor) => {
				return new Promise((resolve) => {
					let state;
					const timeoutInterval = setTimeout(() => {
						resolve(/* @__PURE__ */ new Error(`Span processor did not completed within timeout period of ${timeout} ms`));
						state = ForceFlushState.timeout;
					}, timeout);
					spanProcessor.forceFlush().then(() => {
						clearTimeout(timeoutInterval);
						if (state !== ForceFlushState.timeout) {
							state = ForceFlushState.resolved;
							resolve(state);
						}
					}).catch((error) => {
						clearTimeout(timeoutInterval);
						state = ForceFlushState.error;
						resolve(error);
					});
				});
			});
			return new Promise((resolve, reject) => {
				Promise.all(promises).then((results) => {
					const errors = results.filter((result) => result !== ForceFlushState.resolved);
					if (errors.length > 0) reject(errors);
					else resolve();
				}).catch((error) => reject([error]));
			});
		}
		shutdown() {
			return this._activeSpanProcessor.shutdown();
		}
		[inspect_1.inspectCustom](depth, options, inspect) {
			const processors = this._activeSpanProcessor["_spanProcessors"];
			const payload = {
				resource: { attributes: (0, inspect_1.settledResourceAttributes)(this._resource) },
				tracers: Array.from(this._tracers.keys()),
				spanProcessors: processors.map((p) => p.constructor?.name ?? "SpanProcessor")
			};
			return (0, inspect_1.formatInspect)("TracerProvider", payload, depth, options, inspect);
		}
	};
	exports.TracerProvider = TracerProvider;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/export/ConsoleSpanExporter.js
var require_ConsoleSpanExporter = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.ConsoleSpanExporter = void 0;
	const core_1 = require_src$3();
	/**
	* This is implementation of {@link SpanExporter} that prints spans to the
	* console. This class can be used for diagnostic purposes.
	*
	* NOTE: This {@link SpanExporter} is intended for diagnostics use only, output rendered to the console may change at any time.
	*/
	var ConsoleSpanExporter = class {
		/**
		* Export spans.
		* @param spans
		* @param resultCallback
		*/
		export(spans, resultCallback) {
			return this._sendSpans(spans, resultCallback);
		}
		/**
		* Shutdown the exporter.
		*/
		shutdown() {
			this._sendSpans([]);
			return this.forceFlush();
		}
		/**
		* Exports any pending spans in exporter
		*/
		forceFlush() {
			return Promise.resolve();
		}
		/**
		* converts span info into more readable format
		* @param span
		*/
		_exportInfo(span) {
			return {
				resource: { attributes: span.resource.attributes },
				instrumentationScope: span.instrumentationScope,
				traceId: span.spanContext().traceId,
				parentSpanContext: span.parentSpanContext,
				traceState: span.spanContext().traceState?.serialize(),
				name: span.name,
				id: span.spanContext().spanId,
				kind: span.kind,
				timestamp: (0, core_1.hrTimeToMicroseconds)(span.startTime),
				duration: (0, core_1.hrTimeToMicroseconds)(span.duration),
				attributes: span.attributes,
				status: span.status,
				events: span.events,
				links: span.links
			};
		}
		/**
		* Showing spans in console
		* @param spans
		* @param done
		*/
		_sendSpans(spans, done) {
			for (const span of spans) console.dir(this._exportInfo(span), { depth: 3 });
			if (done) return done({ code: core_1.ExportResultCode.SUCCESS });
		}
	};
	exports.ConsoleSpanExporter = ConsoleSpanExporter;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/export/InMemorySpanExporter.js
var require_InMemorySpanExporter = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.InMemorySpanExporter = void 0;
	const core_1 = require_src$3();
	/**
	* This class can be used for testing purposes. It stores the exported spans
	* in a list in memory that can be retrieved using the `getFinishedSpans()`
	* method.
	*/
	var InMemorySpanExporter = class {
		_finishedSpans = [];
		/**
		* Indicates if the exporter has been "shutdown."
		* When false, exported spans will not be stored in-memory.
		*/
		_stopped = false;
		export(spans, resultCallback) {
			if (this._stopped) return resultCallback({
				code: core_1.ExportResultCode.FAILED,
				error: /* @__PURE__ */ new Error("Exporter has been stopped")
			});
			this._finishedSpans.push(...spans);
			setTimeout(() => resultCallback({ code: core_1.ExportResultCode.SUCCESS }), 0);
		}
		shutdown() {
			this._stopped = true;
			this._finishedSpans = [];
			return this.forceFlush();
		}
		/**
		* Exports any pending spans in the exporter
		*/
		forceFlush() {
			return Promise.resolve();
		}
		reset() {
			this._finishedSpans = [];
		}
		getFinishedSpans() {
			return this._finishedSpans;
		}
	};
	exports.InMemorySpanExporter = InMemorySpanExporter;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/export/SimpleSpanProcessor.js
var require_SimpleSpanProcessor = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.SimpleSpanProcessor = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const core_1 = require_src$3();
	const SpanProcessorMetrics_1 = require_SpanProcessorMetrics();
	const semconv_1 = require_semconv();
	/**
	* An implementation of the {@link SpanProcessor} that converts the {@link Span}
	* to {@link ReadableSpan} and passes it to the configured exporter.
	*
	* Only spans that are sampled are converted.
	*
	* NOTE: This {@link SpanProcessor} exports every ended span individually instead of batching spans together, which causes significant performance overhead with most exporters. For production use, please consider using the {@link BatchSpanProcessor} instead.
	*/
	var SimpleSpanProcessor = class {
		_exporter;
		_metrics;
		_shutdownOnce;
		_pendingExports;
		constructor(options) {
			this._exporter = options.exporter;
			this._shutdownOnce = new core_1.BindOnceFuture(this._shutdown, this);
			this._pendingExports = /* @__PURE__ */ new Set();
			const meter = options.selfObsMeterProvider ? options.selfObsMeterProvider.getMeter("@opentelemetry/sdk-trace") : (0, api_1.createNoopMeter)();
			this._metrics = new SpanProcessorMetrics_1.SpanProcessorMetrics(semconv_1.OTEL_COMPONENT_TYPE_VALUE_SIMPLE_SPAN_PROCESSOR, meter);
		}
		async forceFlush() {
			let pendingExportError;
			let pendingExportRejected = false;
			try {
				await Promise.all(Array.from(this._pendingExports));
			} catch (err) {
				pendingExportError = err;
				pendingExportRejected = true;
			}
			if (this._exporter.forceFlush) await this._exporter.forceFlush();
			if (pendingExportRejected) throw pendingExportError;
		}
		onStart(_span, _parentContext) {}
		onEnd(span) {
			if (this._shutdownOnce.isCalled) return;
			if ((span.spanContext().traceFlags & api_1.TraceFlags.SAMPLED) === 0) return;
			const pendingExport = this._doExport(span);
			this._pendingExports.add(pendingExport);
			pendingExport.then(() => {
				this._pendingExports.delete(pendingExport);
			}, (err) => {
				(0, core_1.globalErrorHandler)(err);
				this._pendingExports.delete(pendingExport);
			});
		}
		async _doExport(span) {
			if (span.resource.asyncAttributesPending) await span.resource.waitForAsyncAttributes?.();
			const result = await core_1.internal._export(this._exporter, [span]);
			this._metrics.finishSpans(1, result.error);
			if (result.code !== core_1.ExportResultCode.SUCCESS) throw result.error ?? /* @__PURE__ */ new Error(`SimpleSpanProcessor: span export failed (status ${result})`);
		}
		shutdown() {
			return this._shutdownOnce.call();
		}
		_shutdown() {
			this._metrics.shutdown();
			return this._exporter.shutdown();
		}
	};
	exports.SimpleSpanProcessor = SimpleSpanProcessor;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/export/NoopSpanProcessor.js
var require_NoopSpanProcessor = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.NoopSpanProcessor = void 0;
	/** No-op implementation of SpanProcessor */
	var NoopSpanProcessor = class {
		onStart(_span, _context) {}
		onEnd(_span) {}
		shutdown() {
			return Promise.resolve();
		}
		forceFlush() {
			return Promise.resolve();
		}
	};
	exports.NoopSpanProcessor = NoopSpanProcessor;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/sampler/AlwaysRecordSampler.js
var require_AlwaysRecordSampler = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.createAlwaysRecordSampler = void 0;
	const Sampler_1 = require_Sampler();
	/**
	* Creates a sampler that wraps a delegate and upgrades NOT_RECORD decisions to
	* RECORD, ensuring all spans are recorded without affecting the sampling rate.
	*/
	function createAlwaysRecordSampler(delegate) {
		if (!delegate) throw new Error("createAlwaysRecordSampler requires a delegate sampler");
		return {
			shouldSample(context, traceId, spanName, spanKind, attributes, links) {
				const result = delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
				if (result.decision === Sampler_1.SamplingDecision.NOT_RECORD) return {
					decision: Sampler_1.SamplingDecision.RECORD,
					attributes: result.attributes,
					traceState: result.traceState
				};
				return result;
			},
			toString() {
				return `AlwaysRecordSampler{${delegate.toString()}}`;
			}
		};
	}
	exports.createAlwaysRecordSampler = createAlwaysRecordSampler;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/sampler/TraceIdRatioBasedSampler.js
var require_TraceIdRatioBasedSampler = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.TraceIdRatioBasedSampler = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const Sampler_1 = require_Sampler();
	/** Sampler that samples a given fraction of traces based of trace id deterministically. */
	var TraceIdRatioBasedSampler = class {
		_ratio;
		_upperBound;
		constructor(ratio = 0) {
			this._ratio = this._normalize(ratio);
			this._upperBound = this._ratio === 1 ? 4294967296 : Math.floor(this._ratio * 4294967295);
		}
		shouldSample(context, traceId) {
			return { decision: (0, api_1.isValidTraceId)(traceId) && this._accumulate(traceId) < this._upperBound ? Sampler_1.SamplingDecision.RECORD_AND_SAMPLED : Sampler_1.SamplingDecision.NOT_RECORD };
		}
		toString() {
			return `TraceIdRatioBased{${this._ratio}}`;
		}
		_normalize(ratio) {
			if (typeof ratio !== "number" || isNaN(ratio)) return 0;
			return ratio >= 1 ? 1 : ratio <= 0 ? 0 : ratio;
		}
		_accumulate(traceId) {
			let accumulation = 0;
			for (let i = 0; i < 32; i += 8) {
				let part = 0;
				for (let j = 0; j < 8; j++) {
					const c = traceId.charCodeAt(i + j);
					const v = c < 58 ? c - 48 : c < 71 ? c - 55 : c - 87;
					part = part << 4 | v;
				}
				accumulation = (accumulation ^ part) >>> 0;
			}
			return accumulation;
		}
	};
	exports.TraceIdRatioBasedSampler = TraceIdRatioBasedSampler;
}));

// node_modules/@opentelemetry/sdk-trace/build/src/index.js
var require_src$1 = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.SamplingDecision = exports.TraceIdRatioBasedSampler = exports.ParentBasedSampler = exports.createAlwaysRecordSampler = exports.AlwaysOnSampler = exports.AlwaysOffSampler = exports.NoopSpanProcessor = exports.SimpleSpanProcessor = exports.InMemorySpanExporter = exports.ConsoleSpanExporter = exports.RandomIdGenerator = exports.BatchSpanProcessor = exports.TracerProvider = exports.StackContextManager = void 0;
	var StackContextManager_1 = require_StackContextManager();
	Object.defineProperty(exports, "StackContextManager", {
		enumerable: true,
		get: function() {
			return StackContextManager_1.StackContextManager;
		}
	});
	var TracerProvider_1 = require_TracerProvider();
	Object.defineProperty(exports, "TracerProvider", {
		enumerable: true,
		get: function() {
			return TracerProvider_1.TracerProvider;
		}
	});
	var platform_1 = require_platform();
	Object.defineProperty(exports, "BatchSpanProcessor", {
		enumerable: true,
		get: function() {
			return platform_1.BatchSpanProcessor;
		}
	});
	Object.defineProperty(exports, "RandomIdGenerator", {
		enumerable: true,
		get: function() {
			return platform_1.RandomIdGenerator;
		}
	});
	var ConsoleSpanExporter_1 = require_ConsoleSpanExporter();
	Object.defineProperty(exports, "ConsoleSpanExporter", {
		enumerable: true,
		get: function() {
			return ConsoleSpanExporter_1.ConsoleSpanExporter;
		}
	});
	var InMemorySpanExporter_1 = require_InMemorySpanExporter();
	Object.defineProperty(exports, "InMemorySpanExporter", {
		enumerable: true,
		get: function() {
			return InMemorySpanExporter_1.InMemorySpanExporter;
		}
	});
	var SimpleSpanProcessor_1 = require_SimpleSpanProcessor();
	Object.defineProperty(exports, "SimpleSpanProcessor", {
		enumerable: true,
		get: function() {
			return SimpleSpanProcessor_1.SimpleSpanProcessor;
		}
	});
	var NoopSpanProcessor_1 = require_NoopSpanProcessor();
	Object.defineProperty(exports, "NoopSpanProcessor", {
		enumerable: true,
		get: function() {
			return NoopSpanProcessor_1.NoopSpanProcessor;
		}
	});
	var AlwaysOffSampler_1 = require_AlwaysOffSampler();
	Object.defineProperty(exports, "AlwaysOffSampler", {
		enumerable: true,
		get: function() {
			return AlwaysOffSampler_1.AlwaysOffSampler;
		}
	});
	var AlwaysOnSampler_1 = require_AlwaysOnSampler();
	Object.defineProperty(exports, "AlwaysOnSampler", {
		enumerable: true,
		get: function() {
			return AlwaysOnSampler_1.AlwaysOnSampler;
		}
	});
	var AlwaysRecordSampler_1 = require_AlwaysRecordSampler();
	Object.defineProperty(exports, "createAlwaysRecordSampler", {
		enumerable: true,
		get: function() {
			return AlwaysRecordSampler_1.createAlwaysRecordSampler;
		}
	});
	var ParentBasedSampler_1 = require_ParentBasedSampler();
	Object.defineProperty(exports, "ParentBasedSampler", {
		enumerable: true,
		get: function() {
			return ParentBasedSampler_1.ParentBasedSampler;
		}
	});
	var TraceIdRatioBasedSampler_1 = require_TraceIdRatioBasedSampler();
	Object.defineProperty(exports, "TraceIdRatioBasedSampler", {
		enumerable: true,
		get: function() {
			return TraceIdRatioBasedSampler_1.TraceIdRatioBasedSampler;
		}
	});
	var Sampler_1 = require_Sampler();
	Object.defineProperty(exports, "SamplingDecision", {
		enumerable: true,
		get: function() {
			return Sampler_1.SamplingDecision;
		}
	});
}));

// node_modules/@opentelemetry/sdk-trace-base/build/src/config.js
var require_config = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.buildSamplerFromEnv = exports.loadDefaultConfig = void 0;
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const core_1 = require_src$3();
	const sdk_trace_1 = require_src$1();
	var TracesSamplerValues;
	(function(TracesSamplerValues) {
		TracesSamplerValues["AlwaysOff"] = "always_off";
		TracesSamplerValues["AlwaysOn"] = "always_on";
		TracesSamplerValues["ParentBasedAlwaysOff"] = "parentbased_always_off";
		TracesSamplerValues["ParentBasedAlwaysOn"] = "parentbased_always_on";
		TracesSamplerValues["ParentBasedTraceIdRatio"] = "parentbased_traceidratio";
		TracesSamplerValues["TraceIdRatio"] = "traceidratio";
	})(TracesSamplerValues || (TracesSamplerValues = {}));
	const DEFAULT_RATIO = 1;
	/**
	* Load default configuration. For fields with primitive values, any user-provided
	* value will override the corresponding default value. For fields with
	* non-primitive values (like `spanLimits`), the user-provided value will be
	* used to extend the default value.
	*/
	function loadDefaultConfig() {
		return {
			sampler: buildSamplerFromEnv(),
			forceFlushTimeoutMillis: 3e4,
			generalLimits: {
				attributeValueLengthLimit: (0, core_1.getNumberFromEnv)("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT") ?? Infinity,
				attributeCountLimit: (0, core_1.getNumberFromEnv)("OTEL_ATTRIBUTE_COUNT_LIMIT") ?? 128
			},
			spanLimits: {
				attributeValueLengthLimit: (0, core_1.getNumberFromEnv)("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT") ?? Infinity,
				attributeCountLimit: (0, core_1.getNumberFromEnv)("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT") ?? 128,
				linkCountLimit: (0, core_1.getNumberFromEnv)("OTEL_SPAN_LINK_COUNT_LIMIT") ?? 128,
				eventCountLimit: (0, core_1.getNumberFromEnv)("OTEL_SPAN_EVENT_COUNT_LIMIT") ?? 128,
				attributePerEventCountLimit: (0, core_1.getNumberFromEnv)("OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT") ?? 128,
				attributePerLinkCountLimit: (0, core_1.getNumberFromEnv)("OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT") ?? 128
			}
		};
	}
	exports.loadDefaultConfig = loadDefaultConfig;
	/**
	* Based on environment, builds a sampler, complies with specification.
	*/
	function buildSamplerFromEnv() {
		const sampler = (0, core_1.getStringFromEnv)("OTEL_TRACES_SAMPLER") ?? TracesSamplerValues.ParentBasedAlwaysOn;
		switch (sampler) {
			case TracesSamplerValues.AlwaysOn: return new sdk_trace_1.AlwaysOnSampler();
			case TracesSamplerValues.AlwaysOff: return new sdk_trace_1.AlwaysOffSampler();
			case TracesSamplerValues.ParentBasedAlwaysOn: return new sdk_trace_1.ParentBasedSampler({ root: new sdk_trace_1.AlwaysOnSampler() });
			case TracesSamplerValues.ParentBasedAlwaysOff: return new sdk_trace_1.ParentBasedSampler({ root: new sdk_trace_1.AlwaysOffSampler() });
			case TracesSamplerValues.TraceIdRatio: return new sdk_trace_1.TraceIdRatioBasedSampler(getSamplerProbabilityFromEnv());
			case TracesSamplerValues.ParentBasedTraceIdRatio: return new sdk_trace_1.ParentBasedSampler({ root: new sdk_trace_1.TraceIdRatioBasedSampler(getSamplerProbabilityFromEnv()) });
			default:
				api_1.diag.error(`OTEL_TRACES_SAMPLER value "${sampler}" invalid, defaulting to "${TracesSamplerValues.ParentBasedAlwaysOn}".`);
				return new sdk_trace_1.ParentBasedSampler({ root: new sdk_trace_1.AlwaysOnSampler() });
		}
	}
	exports.buildSamplerFromEnv = buildSamplerFromEnv;
	function getSamplerProbabilityFromEnv() {
		const probability = (0, core_1.getNumberFromEnv)("OTEL_TRACES_SAMPLER_ARG");
		if (probability == null) {
			api_1.diag.error(`OTEL_TRACES_SAMPLER_ARG is blank, defaulting to ${DEFAULT_RATIO}.`);
			return DEFAULT_RATIO;
		}
		if (probability < 0 || probability > 1) {
			api_1.diag.error(`OTEL_TRACES_SAMPLER_ARG=${probability} was given, but it is out of range ([0..1]), defaulting to ${DEFAULT_RATIO}.`);
			return DEFAULT_RATIO;
		}
		return probability;
	}
}));

// node_modules/@opentelemetry/sdk-trace-base/build/src/utility.js
var require_utility = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.reconfigureLimits = exports.DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = exports.DEFAULT_ATTRIBUTE_COUNT_LIMIT = void 0;
	const core_1 = require_src$3();
	exports.DEFAULT_ATTRIBUTE_COUNT_LIMIT = 128;
	exports.DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = Infinity;
	/**
	* When general limits are provided and model specific limits are not,
	* configures the model specific limits by using the values from the general ones.
	* @param userConfig User provided tracer configuration
	*/
	function reconfigureLimits(userConfig) {
		const spanLimits = Object.assign({}, userConfig.spanLimits);
		/**
		* Reassign span attribute count limit to use first non null value defined by user or use default value
		*/
		spanLimits.attributeCountLimit = userConfig.spanLimits?.attributeCountLimit ?? userConfig.generalLimits?.attributeCountLimit ?? (0, core_1.getNumberFromEnv)("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT") ?? (0, core_1.getNumberFromEnv)("OTEL_ATTRIBUTE_COUNT_LIMIT") ?? exports.DEFAULT_ATTRIBUTE_COUNT_LIMIT;
		/**
		* Reassign span attribute value length limit to use first non null value defined by user or use default value
		*/
		spanLimits.attributeValueLengthLimit = userConfig.spanLimits?.attributeValueLengthLimit ?? userConfig.generalLimits?.attributeValueLengthLimit ?? (0, core_1.getNumberFromEnv)("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT") ?? (0, core_1.getNumberFromEnv)("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT") ?? exports.DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT;
		return Object.assign({}, userConfig, { spanLimits });
	}
	exports.reconfigureLimits = reconfigureLimits;
}));

// node_modules/@opentelemetry/sdk-trace-base/build/src/BasicTracerProvider-shim.js
var require_BasicTracerProvider_shim = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.BasicTracerProvider = void 0;
	const core_1 = require_src$3();
	const config_1 = require_config();
	const utility_1 = require_utility();
	const sdk_trace_1 = require_src$1();
	/**
	* A TracerProvider implementation that reads configuration defaults from
	* OTEL_* environment variables per
	* https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
	*/
	var BasicTracerProvider = class extends sdk_trace_1.TracerProvider {
		constructor(config = {}) {
			const mergedConfig = (0, core_1.merge)({}, (0, config_1.loadDefaultConfig)(), (0, utility_1.reconfigureLimits)(config));
			delete mergedConfig.generalLimits;
			super(mergedConfig);
		}
	};
	exports.BasicTracerProvider = BasicTracerProvider;
}));

// node_modules/@opentelemetry/sdk-trace-base/build/src/BatchSpanProcessor-shim.js
var require_BatchSpanProcessor_shim = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.BatchSpanProcessor = void 0;
	const core_1 = require_src$3();
	const sdk_trace_1 = require_src$1();
	/**
	* A BatchSpanProcessor that applies `OTEL_*` environment variable fallbacks per
	* https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
	*/
	var BatchSpanProcessor = class extends sdk_trace_1.BatchSpanProcessor {
		constructor(exporter, config) {
			if (!config) config = {};
			for (const [configName, envName] of [
				["maxExportBatchSize", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"],
				["maxQueueSize", "OTEL_BSP_MAX_QUEUE_SIZE"],
				["scheduledDelayMillis", "OTEL_BSP_SCHEDULE_DELAY"],
				["exportTimeoutMillis", "OTEL_BSP_EXPORT_TIMEOUT"]
			]) if (config[configName] === void 0) {
				const envFallback = (0, core_1.getNumberFromEnv)(envName);
				if (envFallback !== void 0) config[configName] = envFallback;
			}
			super({
				exporter,
				...config
			});
		}
	};
	exports.BatchSpanProcessor = BatchSpanProcessor;
}));

// node_modules/@opentelemetry/sdk-trace-base/build/src/SimpleSpanProcessor-shim.js
var require_SimpleSpanProcessor_shim = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.SimpleSpanProcessor = void 0;
	const sdk_trace_1 = require_src$1();
	/**
	* A SimpleSpanProcessor with the old constructor call signature that
	* takes just a single exporter argument. This version does not support
	* the additional options that the SimpleSpanProcessor in sdk-trace does.
	*/
	var SimpleSpanProcessor = class extends sdk_trace_1.SimpleSpanProcessor {
		constructor(exporter) {
			super({ exporter });
		}
	};
	exports.SimpleSpanProcessor = SimpleSpanProcessor;
}));

// node_modules/@opentelemetry/sdk-trace-base/build/src/index-shim.js
var require_index_shim = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.SamplingDecision = exports.TraceIdRatioBasedSampler = exports.ParentBasedSampler = exports.AlwaysOnSampler = exports.AlwaysOffSampler = exports.NoopSpanProcessor = exports.InMemorySpanExporter = exports.RandomIdGenerator = exports.ConsoleSpanExporter = exports.SimpleSpanProcessor = exports.BatchSpanProcessor = exports.BasicTracerProvider = void 0;
	var BasicTracerProvider_shim_1 = require_BasicTracerProvider_shim();
	Object.defineProperty(exports, "BasicTracerProvider", {
		enumerable: true,
		get: function() {
			return BasicTracerProvider_shim_1.BasicTracerProvider;
		}
	});
	var BatchSpanProcessor_shim_1 = require_BatchSpanProcessor_shim();
	Object.defineProperty(exports, "BatchSpanProcessor", {
		enumerable: true,
		get: function() {
			return BatchSpanProcessor_shim_1.BatchSpanProcessor;
		}
	});
	var SimpleSpanProcessor_shim_1 = require_SimpleSpanProcessor_shim();
	Object.defineProperty(exports, "SimpleSpanProcessor", {
		enumerable: true,
		get: function() {
			return SimpleSpanProcessor_shim_1.SimpleSpanProcessor;
		}
	});
	var sdk_trace_1 = require_src$1();
	Object.defineProperty(exports, "ConsoleSpanExporter", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.ConsoleSpanExporter;
		}
	});
	Object.defineProperty(exports, "RandomIdGenerator", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.RandomIdGenerator;
		}
	});
	Object.defineProperty(exports, "InMemorySpanExporter", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.InMemorySpanExporter;
		}
	});
	Object.defineProperty(exports, "NoopSpanProcessor", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.NoopSpanProcessor;
		}
	});
	Object.defineProperty(exports, "AlwaysOffSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.AlwaysOffSampler;
		}
	});
	Object.defineProperty(exports, "AlwaysOnSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.AlwaysOnSampler;
		}
	});
	Object.defineProperty(exports, "ParentBasedSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.ParentBasedSampler;
		}
	});
	Object.defineProperty(exports, "TraceIdRatioBasedSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.TraceIdRatioBasedSampler;
		}
	});
	Object.defineProperty(exports, "SamplingDecision", {
		enumerable: true,
		get: function() {
			return sdk_trace_1.SamplingDecision;
		}
	});
}));

// node_modules/@opentelemetry/sdk-trace-node/build/src/NodeTracerProvider.js
var require_NodeTracerProvider = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.NodeTracerProvider = void 0;
	const context_async_hooks_1 = require_src$2();
	const sdk_trace_base_1 = require_index_shim();
	const api_1 = (init_esm(), __toCommonJS(esm_exports));
	const core_1 = require_src$3();
	function setupContextManager(contextManager) {
		if (contextManager === null) return;
		if (contextManager === void 0) {
			const defaultContextManager = new context_async_hooks_1.AsyncLocalStorageContextManager();
			defaultContextManager.enable();
			api_1.context.setGlobalContextManager(defaultContextManager);
			return;
		}
		contextManager.enable();
		api_1.context.setGlobalContextManager(contextManager);
	}
	function setupPropagator(propagator) {
		if (propagator === null) return;
		if (propagator === void 0) {
			api_1.propagation.setGlobalPropagator(new core_1.CompositePropagator({ propagators: [new core_1.W3CTraceContextPropagator(), new core_1.W3CBaggagePropagator()] }));
			return;
		}
		api_1.propagation.setGlobalPropagator(propagator);
	}
	/**
	* Register this TracerProvider for use with the OpenTelemetry API.
	* Undefined values may be replaced with defaults, and
	* null values will be skipped.
	*
	* @param config Configuration object for SDK registration
	*/
	var NodeTracerProvider = class extends sdk_trace_base_1.BasicTracerProvider {
		constructor(config = {}) {
			super(config);
		}
		/**
		* Register this TracerProvider for use with the OpenTelemetry API.
		* Undefined values may be replaced with defaults, and
		* null values will be skipped.
		*
		* @param config Configuration object for SDK registration
		*/
		register(config = {}) {
			api_1.trace.setGlobalTracerProvider(this);
			setupContextManager(config.contextManager);
			setupPropagator(config.propagator);
		}
	};
	exports.NodeTracerProvider = NodeTracerProvider;
}));

// node_modules/@opentelemetry/sdk-trace-node/build/src/index.js
var require_src = /* @__PURE__ */ __commonJSMin(((exports) => {
	Object.defineProperty(exports, "__esModule", { value: true });
	exports.TraceIdRatioBasedSampler = exports.SimpleSpanProcessor = exports.SamplingDecision = exports.RandomIdGenerator = exports.ParentBasedSampler = exports.NoopSpanProcessor = exports.InMemorySpanExporter = exports.ConsoleSpanExporter = exports.BatchSpanProcessor = exports.BasicTracerProvider = exports.AlwaysOnSampler = exports.AlwaysOffSampler = exports.NodeTracerProvider = void 0;
	var NodeTracerProvider_1 = require_NodeTracerProvider();
	Object.defineProperty(exports, "NodeTracerProvider", {
		enumerable: true,
		get: function() {
			return NodeTracerProvider_1.NodeTracerProvider;
		}
	});
	var sdk_trace_base_1 = require_index_shim();
	Object.defineProperty(exports, "AlwaysOffSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.AlwaysOffSampler;
		}
	});
	Object.defineProperty(exports, "AlwaysOnSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.AlwaysOnSampler;
		}
	});
	Object.defineProperty(exports, "BasicTracerProvider", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.BasicTracerProvider;
		}
	});
	Object.defineProperty(exports, "BatchSpanProcessor", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.BatchSpanProcessor;
		}
	});
	Object.defineProperty(exports, "ConsoleSpanExporter", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.ConsoleSpanExporter;
		}
	});
	Object.defineProperty(exports, "InMemorySpanExporter", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.InMemorySpanExporter;
		}
	});
	Object.defineProperty(exports, "NoopSpanProcessor", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.NoopSpanProcessor;
		}
	});
	Object.defineProperty(exports, "ParentBasedSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.ParentBasedSampler;
		}
	});
	Object.defineProperty(exports, "RandomIdGenerator", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.RandomIdGenerator;
		}
	});
	Object.defineProperty(exports, "SamplingDecision", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.SamplingDecision;
		}
	});
	Object.defineProperty(exports, "SimpleSpanProcessor", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.SimpleSpanProcessor;
		}
	});
	Object.defineProperty(exports, "TraceIdRatioBasedSampler", {
		enumerable: true,
		get: function() {
			return sdk_trace_base_1.TraceIdRatioBasedSampler;
		}
	});
}));

export default require_src();

export {  };