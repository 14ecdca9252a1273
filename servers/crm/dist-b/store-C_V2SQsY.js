import { n as PortcullisError, t as ConfigError } from "./errors-DApYn1w1.js";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";

// packages/core/dist/pglite-setup.js
/**
* How the embedded store (PGlite) starts: its PostgreSQL settings, in this one place, and how a
* new data directory gets its first files without PostgreSQL's initdb running in the server.
*
* Settings. PGlite's defaults are a server's (shared_buffers=128MB and friends): a bare open of an
* existing directory then holds ~290 MB. One embedded connection serving one desktop user or one
* replica's calls needs far less; the values below keep it near PGlite's floor (its WebAssembly
* memory starts at 128 MB). Durability is PGlite's own and unchanged: its default start
* parameters are kept as they are and these settings are appended after them.
*
* First start. initdb inside the process peaks near 800 MB, and the WebAssembly memory it grew is
* never handed back. Instead the build lays down a template (`pglite-template.tar.gz` next to this
* file, a fresh cluster made once by this PGlite version) and a new data directory is unpacked
* from it: seconds faster and no initdb in the process at all. Without a template that matches the
* installed PGlite (a source checkout that was not built with it, or an upgraded PGlite), initdb
* runs in a child process that exits, so its peak never stays with the server.
*
*   node dist/pglite-setup.js template      build the template (the package's build does this)
*   node dist/pglite-setup.js init DIR      initdb into DIR (what the fallback runs)
*/
/**
* The embedded store's PostgreSQL settings (`-c name=value` after PGlite's own start parameters).
* A test pins these values: changing one is a deliberate, measured decision (see docs/architecture.md).
*/
const PGLITE_SETTINGS = Object.freeze({
	shared_buffers: "8MB",
	wal_buffers: "256kB",
	work_mem: "2MB",
	maintenance_work_mem: "16MB",
	temp_buffers: "800kB"
});
/** PGlite's default start parameters followed by PGLITE_SETTINGS. */
function pgliteStartParams(defaults) {
	return [...defaults, ...Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
}
const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = basename(HERE) === "src" ? join(HERE, "..", "dist") : HERE;
const TEMPLATE = join(DIST, "pglite-template.tar.gz");
const TEMPLATE_STAMP = join(DIST, "pglite-template.json");
const SETUP_SCRIPT = join(DIST, "pglite-setup.js");
/** The installed PGlite's version (its package.json is not among its exports: found next to its entry). */
function pgliteVersion() {
	const require = createRequire(import.meta.url);
	let dir = dirname(require.resolve("@electric-sql/pglite"));
	for (let i = 0; i < 5; i++) {
		const pkg = join(dir, "package.json");
		if (existsSync(pkg)) {
			const v = JSON.parse(readFileSync(pkg, "utf8"));
			if (v.name === "@electric-sql/pglite" && typeof v.version === "string") return v.version;
		}
		dir = dirname(dir);
	}
	throw new Error("cannot find the version of @electric-sql/pglite");
}
function templateUsable() {
	try {
		return JSON.parse(readFileSync(TEMPLATE_STAMP, "utf8")).pglite === pgliteVersion() && existsSync(TEMPLATE);
	} catch {
		return false;
	}
}
function isEmptyDir(dir) {
	try {
		return readdirSync(dir).length === 0;
	} catch (err) {
		if (err.code === "ENOENT") return true;
		throw err;
	}
}
/** Writes a file and flushes it to disk before the directory is renamed into place. */
function writeDurable(path, data, mode) {
	const fd = openSync(path, "w", mode);
	try {
		let off = 0;
		while (off < data.length) off += writeSync(fd, data, off);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}
function fsyncDir(dir) {
	const fd = openSync(dir, "r");
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}
/** Unpacks the template (a ustar archive of files and directories, as PGlite's dumpDataDir writes it) into `dest`. */
function unpackTemplate(dest) {
	const tar = gunzipSync(readFileSync(TEMPLATE));
	const dirs = [dest];
	mkdirSync(dest, { mode: 448 });
	const text = (off, len) => {
		const b = tar.subarray(off, off + len);
		const end = b.indexOf(0);
		return b.subarray(0, end < 0 ? len : end).toString("utf8");
	};
	let off = 0;
	while (off + 512 <= tar.length) {
		if (tar.subarray(off, off + 512).every((x) => x === 0)) break;
		const prefix = text(off + 257, 6).startsWith("ustar") ? text(off + 345, 155) : "";
		const name = (prefix ? `${prefix}/` : "") + text(off, 100);
		const size = parseInt(text(off + 124, 12).trim() || "0", 8);
		const type = String.fromCharCode(tar[off + 156] || 48);
		const parts = name.split("/").filter((p) => p !== "" && p !== ".");
		if (parts.some((p) => p === "..") || !Number.isFinite(size)) throw new Error(`unexpected entry ${JSON.stringify(name)} in the PGlite template`);
		const target = join(dest, ...parts);
		if (type === "5") {
			if (parts.length > 0) {
				mkdirSync(target, {
					recursive: true,
					mode: 448
				});
				dirs.push(target);
			}
		} else if (type === "0") {
			mkdirSync(dirname(target), {
				recursive: true,
				mode: 448
			});
			writeDurable(target, tar.subarray(off + 512, off + 512 + size), 384);
		} else throw new Error(`unexpected entry type ${type} in the PGlite template`);
		off += 512 + Math.ceil(size / 512) * 512;
	}
	if (!existsSync(join(dest, "PG_VERSION"))) throw new Error("the PGlite template holds no PG_VERSION");
	for (const d of dirs.reverse()) fsyncDir(d);
}
/** Runs initdb into `dir` in a child process (this file's `init`), so its memory leaves with it. */
function initInChild(dir) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [
			SETUP_SCRIPT,
			"init",
			dir
		], {
			stdio: [
				"ignore",
				"ignore",
				"pipe"
			],
			env: {
				...process.env,
				NODE_OPTIONS: ""
			}
		});
		let err = "";
		child.stderr.on("data", (b) => {
			if (err.length < 4e3) err += b.toString("utf8");
		});
		child.once("error", reject);
		child.once("exit", (code, signal) => code === 0 ? resolve() : reject(/* @__PURE__ */ new Error(`initdb for the embedded store exited (${code ?? signal}): ${err.trim().slice(-500)}`)));
	});
}
/** The template as an archive for PGlite's loadDataDir (an in-memory store), or undefined without a usable one. */
function pgliteTemplateArchive() {
	return templateUsable() ? new Blob([readFileSync(TEMPLATE)]) : void 0;
}
/**
* Makes `pgdata` (the directory PGlite opens) a database cluster when it is not one yet: from the
* template when it matches the installed PGlite, else by initdb in a child process. The template is
* unpacked beside `pgdata` and renamed into place, so a crash half-way leaves no half a cluster.
* Returns how the directory was prepared, for the start-up log.
*/
async function preparePgliteData(pgdata, logger) {
	if (existsSync(join(pgdata, "PG_VERSION"))) return "existing";
	if (isEmptyDir(pgdata) && templateUsable()) {
		const staging = `${pgdata}.new-${process.pid}`;
		rmSync(staging, {
			recursive: true,
			force: true
		});
		try {
			unpackTemplate(staging);
			rmSync(pgdata, {
				recursive: true,
				force: true
			});
			renameSync(staging, pgdata);
			fsyncDir(dirname(pgdata));
			logger?.info({ path: pgdata }, "embedded store created from the PGlite template");
			return "template";
		} catch (err) {
			rmSync(staging, {
				recursive: true,
				force: true
			});
			logger?.warn({ err: err.message }, "PGlite template not usable; running initdb in a child process");
		}
	}
	mkdirSync(pgdata, {
		recursive: true,
		mode: 448
	});
	await initInChild(pgdata);
	logger?.info({ path: pgdata }, "embedded store created by initdb in a child process");
	return "initdb";
}
async function main(argv) {
	const { PGlite } = await import("@electric-sql/pglite");
	const startParams = pgliteStartParams(PGlite.defaultStartParams);
	if (argv[0] === "init" && argv[1]) {
		await (await PGlite.create(argv[1], { startParams })).close();
		return;
	}
	if (argv[0] === "template") {
		const version = pgliteVersion();
		if (templateUsable()) return;
		const db = await PGlite.create({ startParams });
		const blob = await db.dumpDataDir("gzip");
		await db.close();
		writeFileSync(`${TEMPLATE}.tmp`, Buffer.from(await blob.arrayBuffer()));
		renameSync(`${TEMPLATE}.tmp`, TEMPLATE);
		writeFileSync(TEMPLATE_STAMP, `${JSON.stringify({
			pglite: version,
			built: (/* @__PURE__ */ new Date()).toISOString()
		})}\n`);
		return;
	}
	throw new Error("usage: pglite-setup.js template | init DIR");
}
if (process.argv[1] !== void 0 && pathToFileURL(process.argv[1]).href === import.meta.url) main(process.argv.slice(2)).catch((err) => {
	process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
	process.exitCode = 1;
});

// packages/core/dist/store.js
/**
* The state store (docs/architecture.md section 5): one SQL dialect, two drivers. PGlite (embedded, the
* default, zero infrastructure) or a PostgreSQL server when DATABASE_URL is set. Both take `$1`
* parameters, both return int8 as a string (pg's convention) and the same migrations serve both.
*/
const MIGRATION_LOCK_KEY = "7301560273810440001";
/**
* Creates the data directory owner-only (0700), tightens an existing one this user owns, and
* refuses (ConfigError, one line with the path and the fix) one that other users can write:
* they could read the embedded database and keys, or plant files the server would trust.
* A group-writable directory is accepted when the group is this process's own or root's (the
* image's /var/lib/portcullis is 1000:0 0770 for platforms that run with a random UID in group 0).
*/
function prepareDataDir(dir, logger) {
	mkdirSync(dir, {
		recursive: true,
		mode: 448
	});
	const st = statSync(dir);
	if (!st.isDirectory()) throw new ConfigError(`PORTCULLIS_DATA_DIR ${dir} is not a directory.`);
	const mode = st.mode & 511;
	const ownGroups = /* @__PURE__ */ new Set([
		process.getgid?.(),
		...process.getgroups?.() ?? [],
		0
	]);
	if ((mode & 2) !== 0 || (mode & 16) !== 0 && !ownGroups.has(st.gid)) throw new ConfigError(`PORTCULLIS_DATA_DIR ${dir} can be written by other users (mode ${mode.toString(8).padStart(4, "0")}); run \`chmod 700 ${dir}\` or point PORTCULLIS_DATA_DIR at a directory only this user can write.`);
	if ((mode & 63) !== 0 && st.uid === process.getuid?.()) {
		chmodSync(dir, 448);
		logger?.info({
			path: dir,
			was: mode.toString(8)
		}, "data directory tightened to 0700 (owner only)");
	}
}
/** Removes group and other permissions from everything under `dir` (its files hold the data). */
function ownerOnlyTree(dir) {
	const tighten = (p) => {
		const mode = statSync(p).mode & 4095;
		if ((mode & 63) !== 0) chmodSync(p, mode & -64);
	};
	tighten(dir);
	for (const entry of readdirSync(dir, {
		recursive: true,
		encoding: "utf8"
	})) tighten(join(dir, entry));
}
const LOCK_FILE = "portcullis.lock";
const LOCK_HEARTBEAT_MS = 1e4;
const LOCK_STALE_MS = 3e4;
const heldHere = /* @__PURE__ */ new Set();
function readLock(path) {
	try {
		const mtimeMs = statSync(path).mtimeMs;
		try {
			const v = JSON.parse(readFileSync(path, "utf8"));
			return {
				info: typeof v.pid === "number" && typeof v.host === "string" ? {
					pid: v.pid,
					host: v.host
				} : null,
				mtimeMs
			};
		} catch {
			return {
				info: null,
				mtimeMs
			};
		}
	} catch (err) {
		if (err.code === "ENOENT") return null;
		throw err;
	}
}
function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return err.code === "EPERM";
	}
}
/** Is the process named by this lock still holding it? */
function lockHeld(lock) {
	if (Date.now() - lock.mtimeMs > LOCK_STALE_MS) return false;
	if (lock.info === null) return true;
	if (lock.info.host !== hostname()) return true;
	return lock.info.pid !== process.pid && pidAlive(lock.info.pid);
}
/**
* Takes the embedded data directory for this process (PGlite cannot share its files): a lock file
* naming the pid and host, refreshed every few seconds. A lock whose process is gone (same host,
* dead pid) or that nobody refreshed for LOCK_STALE_MS is taken over. Returns the release.
*/
function lockDataDir(dir) {
	const real = realpathSync(dir);
	const path = join(real, LOCK_FILE);
	const refuse = (info) => {
		const who = info === null ? "another process" : `another process (pid ${info.pid}${info.host === hostname() ? "" : ` on ${info.host}`})`;
		throw new ConfigError(`PORTCULLIS_DATA_DIR ${dir} is in use by ${who}; stop it, or give this server its own PORTCULLIS_DATA_DIR (or a DATABASE_URL).`);
	};
	if (heldHere.has(real)) refuse({
		pid: process.pid,
		host: hostname()
	});
	for (let attempt = 0; attempt < 3; attempt++) {
		let fd;
		try {
			fd = openSync(path, "wx", 384);
		} catch (err) {
			if (err.code !== "EEXIST") throw err;
			const lock = readLock(path);
			if (lock === null) continue;
			if (lockHeld(lock)) refuse(lock.info);
			try {
				unlinkSync(path);
			} catch (unlinkErr) {
				if (unlinkErr.code !== "ENOENT") throw unlinkErr;
			}
			continue;
		}
		try {
			writeSync(fd, JSON.stringify({
				pid: process.pid,
				host: hostname(),
				since: (/* @__PURE__ */ new Date()).toISOString()
			}));
		} finally {
			closeSync(fd);
		}
		heldHere.add(real);
		const beat = setInterval(() => {
			try {
				const now = /* @__PURE__ */ new Date();
				utimesSync(path, now, now);
			} catch {}
		}, LOCK_HEARTBEAT_MS);
		beat.unref();
		let released = false;
		return () => {
			if (released) return;
			released = true;
			clearInterval(beat);
			heldHere.delete(real);
			try {
				const lock = readLock(path);
				if (lock?.info?.pid === process.pid && lock.info.host === hostname()) unlinkSync(path);
			} catch {}
		};
	}
	return refuse(readLock(path)?.info ?? null);
}
async function openStore(opts) {
	if (opts.databaseUrl !== void 0 && opts.databaseUrl !== "") return openPostgres(opts.databaseUrl, opts);
	return openPGlite(opts);
}
async function openPGlite(opts) {
	let dir;
	let release = () => void 0;
	if (opts.dataDir !== void 0) {
		await mkdir(opts.dataDir, {
			recursive: true,
			mode: 448
		});
		release = lockDataDir(opts.dataDir);
		dir = join(opts.dataDir, "pgdata");
		await mkdir(dir, {
			recursive: true,
			mode: 448
		});
	}
	const [{ PGlite, types: pgliteTypes }, { pg_trgm }] = await Promise.all([import("@electric-sql/pglite"), import("@electric-sql/pglite/contrib/pg_trgm")]);
	const parsers = { [pgliteTypes.INT8]: (v) => v };
	let db;
	try {
		if (dir !== void 0) await preparePgliteData(dir, opts.logger);
		const loadDataDir = dir === void 0 ? pgliteTemplateArchive() : void 0;
		db = await PGlite.create(dir, {
			parsers,
			extensions: { pg_trgm },
			startParams: pgliteStartParams(PGlite.defaultStartParams),
			...loadDataDir ? { loadDataDir } : {}
		});
		if (dir !== void 0) ownerOnlyTree(dir);
	} catch (err) {
		release();
		throw new PortcullisError({
			code: "store_unavailable",
			category: "internal",
			message: `Could not open the embedded database${dir === void 0 ? "" : ` in ${dir}`} (PORTCULLIS_DATA_DIR).`,
			retryable: false,
			cause: err
		});
	}
	return new PGliteStore(db, opts.logger, release);
}
function pgliteQueryable(db) {
	return {
		async query(sql, params) {
			const res = await db.query(sql, params);
			return {
				rows: res.rows,
				rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length
			};
		},
		async exec(sql) {
			await db.exec(sql);
		}
	};
}
var PGliteStore = class {
	db;
	logger;
	releaseDataDir;
	kind = "pglite";
	q;
	closed = false;
	constructor(db, logger, releaseDataDir) {
		this.db = db;
		this.logger = logger;
		this.releaseDataDir = releaseDataDir;
		this.q = pgliteQueryable(db);
	}
	query(sql, params) {
		return this.q.query(sql, params);
	}
	exec(sql) {
		return this.q.exec(sql);
	}
	transaction(fn) {
		return this.db.transaction((tx) => fn(pgliteQueryable(tx)));
	}
	async ping() {
		await this.db.query("SELECT 1");
	}
	async close() {
		if (this.closed) return;
		this.closed = true;
		try {
			await this.db.close();
		} finally {
			this.releaseDataDir();
		}
		this.logger?.debug({ store: "pglite" }, "store closed");
	}
};
/** A connection failure's message can carry the URL; replace it with one that names only the setting. */
function connectionError(err) {
	const code = err?.code;
	const detail = typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : "";
	return new PortcullisError({
		code: "store_unavailable",
		category: "upstream",
		message: `Could not connect to the PostgreSQL server named by DATABASE_URL${detail}.`,
		retryable: true,
		remediation: "Check that the database is reachable and the credentials in DATABASE_URL are valid.",
		cause: err
	});
}
/** A server-side SQL error carries a 5-character SQLSTATE and a severity; anything else is about the connection. */
function isSqlError(err) {
	if (typeof err !== "object" || err === null) return false;
	const { code, severity } = err;
	return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && typeof severity === "string" && !code.startsWith("08") && !code.startsWith("28");
}
function wrapPgError(err) {
	return isSqlError(err) ? err : connectionError(err);
}
async function openPostgres(url, opts) {
	const { default: pg } = await import("pg");
	let pool;
	try {
		pool = new pg.Pool({
			connectionString: url,
			max: opts.poolSize ?? 10,
			connectionTimeoutMillis: 1e4,
			application_name: "portcullis"
		});
	} catch (err) {
		throw new ConfigError(`DATABASE_URL is not a valid PostgreSQL connection string (${err instanceof Error ? err.name : "error"}).`);
	}
	pool.on("error", (err) => {
		opts.logger?.warn({ err: connectionError(err) }, "idle PostgreSQL connection failed");
	});
	const store = new PostgresStore(pool, opts.logger);
	try {
		await store.ping();
	} catch (err) {
		await pool.end().catch(() => void 0);
		throw err;
	}
	return store;
}
function clientQueryable(client) {
	return {
		async query(sql, params) {
			try {
				const res = await client.query(sql, params);
				return {
					rows: res.rows,
					rowCount: res.rowCount ?? res.rows.length
				};
			} catch (err) {
				throw wrapPgError(err);
			}
		},
		async exec(sql) {
			try {
				await client.query(sql);
			} catch (err) {
				throw wrapPgError(err);
			}
		}
	};
}
var PostgresStore = class {
	pool;
	logger;
	kind = "postgres";
	q;
	closed = false;
	constructor(pool, logger) {
		this.pool = pool;
		this.logger = logger;
		this.q = clientQueryable(pool);
	}
	query(sql, params) {
		return this.q.query(sql, params);
	}
	exec(sql) {
		return this.q.exec(sql);
	}
	async transaction(fn) {
		let client;
		try {
			client = await this.pool.connect();
		} catch (err) {
			throw connectionError(err);
		}
		let broken;
		const tx = clientQueryable(client);
		try {
			await tx.exec("BEGIN");
		} catch (err) {
			client.release(err instanceof Error ? err : true);
			throw err;
		}
		try {
			const out = await fn(tx);
			await tx.exec("COMMIT");
			return out;
		} catch (err) {
			try {
				await client.query("ROLLBACK");
			} catch (rollbackErr) {
				broken = rollbackErr instanceof Error ? rollbackErr : /* @__PURE__ */ new Error("ROLLBACK failed");
				this.logger?.warn({ err: connectionError(rollbackErr) }, "ROLLBACK failed; discarding the connection");
			}
			throw err;
		} finally {
			client.release(broken);
		}
	}
	async ping() {
		await this.q.query("SELECT 1");
	}
	async close() {
		if (this.closed) return;
		this.closed = true;
		await this.pool.end();
		this.logger?.debug({ store: "postgres" }, "store closed");
	}
};
function checksumOf(sql) {
	return createHash("sha256").update(sql, "utf8").digest("hex");
}
/**
* Applies the component's migrations once each, in order, recorded in portcullis_migrations.
* A changed checksum of an applied migration is an error. One transaction under an advisory lock,
* so two processes starting at once neither race on the DDL nor apply a migration twice.
*/
async function migrate(store, component, migrations) {
	const seen = /* @__PURE__ */ new Set();
	for (const m of migrations) {
		if (seen.has(m.id)) throw new ConfigError(`Migration ${component}/${m.id} is listed twice.`);
		seen.add(m.id);
	}
	await store.transaction(async (tx) => {
		await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
		await tx.exec(`CREATE TABLE IF NOT EXISTS portcullis_migrations (
         component text NOT NULL,
         id text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         checksum text NOT NULL,
         PRIMARY KEY (component, id)
       )`);
		const applied = await tx.query("SELECT id, checksum FROM portcullis_migrations WHERE component = $1", [component]);
		const done = new Map(applied.rows.map((r) => [r.id, r.checksum]));
		for (const m of migrations) {
			const checksum = checksumOf(m.sql);
			const prior = done.get(m.id);
			if (prior !== void 0) {
				if (prior !== checksum) throw new ConfigError(`Migration ${component}/${m.id} was changed after it was applied (checksum differs); add a new migration instead of editing an applied one.`);
				continue;
			}
			await tx.exec(m.sql);
			await tx.query("INSERT INTO portcullis_migrations (component, id, checksum) VALUES ($1, $2, $3)", [
				component,
				m.id,
				checksum
			]);
		}
	});
}

export { prepareDataDir as i, migrate as n, openStore as r, lockDataDir as t };