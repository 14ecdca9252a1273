/**
 * How the embedded store (PGlite) starts: its PostgreSQL settings, in this one place, and how a
 * new data directory gets its first files without PostgreSQL's initdb running in the server.
 *
 * Settings. PGlite's defaults are a server's (shared_buffers=128MB and friends): a bare open of an
 * existing directory then holds ~290 MB. One embedded connection serving one desktop user or one
 * replica's calls needs far less; the values below keep it near PGlite's floor (its WebAssembly
 * memory starts at 128 MB). They are appended after PGlite's own start parameters.
 *
 * Durability. PGlite starts PostgreSQL with `-F` (fsync off), and its file system (Emscripten's
 * NODEFS) drops the flushes PostgreSQL asks for (`fdatasync` is a no-op there, `fsync` has no
 * operation to call): a committed write reached the operating system, so a killed process kept
 * it, but never the disk, so a crash of the machine or a power cut could lose it or leave the
 * cluster damaged. The store drops `-F`, has WAL flushed with `fsync` and gives NODEFS an `fsync`
 * that calls the real one (`durablePgliteFs`): every commit's WAL is on disk before the commit
 * returns, as with PostgreSQL on a server. Reads flush nothing.
 *
 * First start. initdb inside the process peaks near 800 MB, and the WebAssembly memory it grew is
 * never handed back. Instead the build lays down a template (`pglite-template.tar` next to this
 * file, a fresh cluster made once by this PGlite version and shut down) and a new data directory
 * is unpacked from it: seconds faster and no initdb in the process at all. Without a template that matches the
 * installed PGlite (a source checkout that was not built with it, or an upgraded PGlite), initdb
 * runs in a child process that exits, so its peak never stays with the server.
 *
 *   node dist/pglite-setup.js template      build the template (the package's build does this)
 *   node dist/pglite-setup.js init DIR      initdb into DIR (what the fallback runs)
 *   node dist/pglite-setup.js prepared-store CLI OUTDIR [ARG...]
 *                                           a server's prepared store (its build does this; the
 *                                           ARGs go to CLI before --prepare)
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Extension, PGlite as PGliteClass, PGliteOptions } from '@electric-sql/pglite';
import type { Logger } from './log.js';
import { packageFile } from './package-root.js';

/**
 * The embedded store's PostgreSQL settings (`-c name=value` after PGlite's own start parameters).
 * A test pins these values: changing one is a deliberate, measured decision (see docs/architecture.md).
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  // Page cache inside the WebAssembly memory; 128MB by default. The OS page cache sits behind it,
  // but a page missing here is read through PGlite's file system, a few microseconds each: a
  // search with a text at 100,000 findings reads up to 2,000 findings' pages (one rule and a text:
  // 19 -> 12 ms at 16MB, the same search repeated). Resident only as pages are used: the servers
  // hold the same after their first call on demo data (136-142 MiB), and a store with more than
  // 8MB of touched pages holds up to 8 MiB more than at 8MB (docs/architecture.md).
  shared_buffers: '16MB',
  // WAL buffered before it is written; what -1 (1/32 of shared_buffers) gave at 8MB.
  wal_buffers: '256kB',
  // Per sort/hash before spilling to a temporary file: a cap, not an allocation.
  work_mem: '2MB',
  // Index builds in migrations and VACUUM: a cap.
  maintenance_work_mem: '16MB',
  // Temporary tables (none used): the smallest value PostgreSQL takes.
  temp_buffers: '800kB',
  // WAL between checkpoints (1GB and 80MB by default). PGlite has no checkpointer and WAL volume
  // never requests one in its single-user mode: the store's upkeep takes one past max_wal_size
  // (PGliteStore), and at close PostgreSQL keeps fewer old segments for reuse. They change no
  // commit's durability (PGLITE_DURABILITY: its WAL is flushed). A 100,000-finding import's
  // directory held 321 MB of WAL with the defaults and 65 MB with these, the import as fast
  // (docs/architecture.md).
  max_wal_size: '64MB',
  min_wal_size: '32MB',
  // Process slots. PGlite runs PostgreSQL in single-user mode: one backend, no other process, no
  // replication. PostgreSQL sizes its shared memory by these all the same (process slots, lock and
  // predicate-lock tables): 100 connections, 10 WAL senders and 10 replication slots by default.
  // 4 is the least max_connections it accepts (3 stay reserved for superusers). Shared memory 16 ->
  // 12 MiB, ~3 MiB less resident per process; one transaction can still lock over 2,400 relations
  // (measured), far more than any migration takes (a test locks 1,000).
  max_connections: '4',
  max_wal_senders: '0',
  max_replication_slots: '0',
});

/**
 * The settings that make a commit durable (see the module's comment): PostgreSQL's own defaults on
 * a server, except the WAL's flush method, `fsync`, the one PGlite's file system can carry out (a
 * test pins them).
 */
export const PGLITE_DURABILITY: Readonly<Record<string, string>> = Object.freeze({
  fsync: 'on',
  wal_sync_method: 'fsync',
  synchronous_commit: 'on',
  full_page_writes: 'on',
});

/** PGlite's default start parameters but `-F` (fsync off), then PGLITE_DURABILITY and PGLITE_SETTINGS. */
export function pgliteStartParams(defaults: readonly string[]): string[] {
  return [
    ...defaults.filter((p) => p !== '-F'),
    ...[PGLITE_DURABILITY, PGLITE_SETTINGS].flatMap((set) =>
      Object.entries(set).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ),
  ];
}

/** What durablePgliteFs needs of PGlite's Emscripten module: its NODEFS, which PGlite's NodeFS mounts. */
interface NodeFsModule {
  NODEFS?: {
    stream_ops?: { fsync?: (stream: { nfd?: number }) => number };
    tryFSOperation?: <T>(op: () => T) => T;
  };
}

/**
 * A PANIC in PostgreSQL's log, with its default `log_line_prefix` ('%m [%p] ': the time, its zone,
 * the process id): the message is the first group.
 */
const PANIC_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] PANIC: {2}(.*)$/;

/** PGlite's file system for a data directory whose flushes reach the disk (durablePgliteFs). */
export type DurablePgliteFs = NonNullable<PGliteOptions['fs']> & {
  /** The first flush that failed: PostgreSQL stopped there (a PANIC); the store refuses what follows. */
  readonly flushFailure: Error | undefined;
  /**
   * What stopped PostgreSQL: its first abort (any PANIC: a failed flush, a full disk failing a WAL
   * segment's write), named by the PANIC's message, or else the first failed flush. The store
   * refuses what follows either way.
   */
  readonly stopped: Error | undefined;
};

/**
 * PGlite's NodeFS for `dir`, with an `fsync` that reaches the disk: PostgreSQL's flushes (the WAL
 * at every commit, the data files at a checkpoint, directories after a rename) become fsync(2) on
 * the file. `sync` is the flush itself (a test counts them). Opening fails when this PGlite's file
 * system has no NODEFS stream operations to extend: the store then does not open, rather than open
 * without durable commits. A flush that fails reaches PostgreSQL as its errno, which fails the
 * statement and stops PostgreSQL (as on a server: a later flush could not be trusted either);
 * `flushFailure` keeps it, for the store to refuse what follows instead of handing it to a stopped
 * database. Any other PANIC (a full disk failing a write to the WAL) aborts PostgreSQL the same
 * way, through Emscripten's `onAbort`: `stopped` names either.
 */
export async function durablePgliteFs(
  dir: string,
  sync: (fd: number) => void = fsyncSync,
): Promise<DurablePgliteFs> {
  const { NodeFS } = await import('@electric-sql/pglite/nodefs');
  type Init = Awaited<ReturnType<InstanceType<typeof NodeFS>['init']>>;
  class DurableNodeFS extends NodeFS {
    flushFailure: Error | undefined;
    aborted: Error | undefined;
    get stopped(): Error | undefined {
      return this.aborted ?? this.flushFailure;
    }
    override async init(...args: Parameters<InstanceType<typeof NodeFS>['init']>): Promise<Init> {
      const { emscriptenOpts } = await super.init(...args);
      const flushing = (mod: NodeFsModule) => {
        const nodefs = mod.NODEFS;
        const ops = nodefs?.stream_ops;
        if (ops === undefined || typeof nodefs?.tryFSOperation !== 'function')
          throw new Error('this PGlite has no NODEFS stream operations: its commits could not be flushed');
        const attempt = nodefs.tryFSOperation.bind(nodefs); // turns a Node error into PostgreSQL's errno
        ops.fsync = (stream) => {
          const fd = stream.nfd;
          if (fd === undefined) return 0;
          attempt(() => {
            try {
              sync(fd);
            } catch (err) {
              this.flushFailure ??= err instanceof Error ? err : new Error(String(err));
              throw err;
            }
          });
          return 0;
        };
      };
      const preRun = [flushing as (mod: unknown) => void, ...(emscriptenOpts.preRun ?? [])];
      // PostgreSQL's PANIC is abort() in WebAssembly: PGlite catches the exception and goes on. The
      // abort carries no reason; PostgreSQL's log line just before it does. Only a line that begins
      // with PostgreSQL's own prefix and severity counts (an ERROR line can quote a caller's value,
      // which could contain "PANIC:"; a line break in one is followed by a tab), the latest before
      // the abort, and its message only: the STATEMENT line after it (the SQL, its values) is not.
      const opts = emscriptenOpts as {
        onAbort?: (what: unknown) => void;
        printErr?: (text: unknown) => void;
      };
      let panic: string | undefined;
      const printErr = (text: unknown) => {
        const m = typeof text === 'string' ? PANIC_LINE.exec(text) : null;
        if (m) panic = m[1];
        opts.printErr?.(text);
      };
      const onAbort = (what: unknown) => {
        const why = panic ?? (typeof what === 'string' && what !== '' ? what : undefined);
        this.aborted ??= new Error(`PostgreSQL aborted${why === undefined ? '' : `: ${why}`}`);
        panic = undefined;
        opts.onAbort?.(what);
      };
      return { emscriptenOpts: { ...emscriptenOpts, preRun, printErr, onAbort } };
    }
  }
  return new DurableNodeFS(dir);
}

// The kit's build output, found by the package's name: from the sources (the kit's own tests run
// them) and from a server's bundled CLI alike, this module's own URL is not in it.
const DIST = packageFile('@portcullis/core', import.meta.url, 'dist');
const TEMPLATE = join(DIST, 'pglite-template.tar');
const TEMPLATE_STAMP = join(DIST, 'pglite-template.json');
/**
 * An uncompressed ustar archive of a cluster that was shut down (a stamp without it is an older
 * build's template, a gzip or a running cluster's dump: rebuilt).
 */
const TEMPLATE_FORMAT = 'tar-shutdown';
const SETUP_SCRIPT = join(DIST, 'pglite-setup.js');

/** The folder of the installed PGlite's entry (its dist/, where its WebAssembly and data files are). */
function pgliteEntryDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
}

/** The installed PGlite's version (its package.json is not among its exports: found above its entry). */
function pgliteVersion(): string {
  let dir = pgliteEntryDir();
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const v = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
      if (v.name === '@electric-sql/pglite' && typeof v.version === 'string') return v.version;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}

declare const compiled: unique symbol;
/** A compiled WebAssembly module, opaque here: the ES2023 lib this package compiles against declares no WebAssembly. */
export interface WasmModule {
  readonly [compiled]: true;
}
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } })
  .WebAssembly;

let compiling: Promise<WasmModule | undefined> | undefined;

/**
 * PGlite's WebAssembly (9 MB), compiled once per process and handed to every PGlite opened here
 * (`pgliteWasmModule`). Called early (Host.warmStore: as start-up turns to loading the policies),
 * its background part (V8 validates and compiles on a background thread, ~30 ms) runs while the
 * main thread parses the policies; left to PGlite, the open read, compiled and waited for it after
 * the policies (first call ~3% slower, measured alternating). It loads none of PGlite's JavaScript.
 * Undefined when it fails: PGlite then reads and compiles the file itself, and reports its error.
 */
export function compiledPgliteWasm(): Promise<WasmModule | undefined> {
  if (compiling) return compiling;
  try {
    // Read at once, so the compile is under way before the policies take the main thread.
    compiling = wasm.compile(readFileSync(join(pgliteEntryDir(), 'pglite.wasm'))).catch(() => undefined);
  } catch {
    compiling = Promise.resolve(undefined);
  }
  return compiling;
}

function templateUsable(): boolean {
  try {
    const stamp = JSON.parse(readFileSync(TEMPLATE_STAMP, 'utf8')) as { pglite?: string; format?: string };
    return stamp.pglite === pgliteVersion() && stamp.format === TEMPLATE_FORMAT && existsSync(TEMPLATE);
  } catch {
    return false;
  }
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Archives the directory tree `dir` as ustar into `out`, in the layout PGlite's own dumpDataDir
 * writes (names relative to the cluster with a leading `/`, each directory before what it holds),
 * so unpackTemplate and PGlite's loadDataDir both read it. Files are read one at a time.
 */
function writeUstar(dir: string, out: string): void {
  const fd = openSync(out, 'w', 0o644);
  const write = (b: Buffer) => {
    for (let w = 0; w < b.length;) w += writeSync(fd, b, w, b.length - w);
  };
  try {
    const header = (name: string, mode: number, size: number, type: '0' | '5', mtimeMs: number) => {
      if (Buffer.byteLength(name) > 100) throw new Error(`a name too long for the template: ${name}`);
      const h = Buffer.alloc(512);
      h.write(name, 0, 100, 'utf8');
      const octal = (v: number, off: number, len: number) =>
        h.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, len, 'ascii');
      octal(mode, 100, 8);
      octal(0, 108, 8); // uid
      octal(0, 116, 8); // gid
      octal(size, 124, 12);
      octal(Math.floor(mtimeMs / 1000), 136, 12);
      h.write(type, 156, 1, 'ascii');
      h.write('ustar\0', 257, 6, 'ascii');
      h.write('00', 263, 2, 'ascii');
      h.fill(0x20, 148, 156); // the checksum is summed with its own field as spaces
      let sum = 0;
      for (const b of h) sum += b;
      h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
      write(h);
    };
    const walk = (rel: string) => {
      const entries = readdirSync(join(dir, rel), { withFileTypes: true });
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const name = `${rel}/${e.name}`;
        const st = statSync(join(dir, name));
        // Owner-only whatever PGlite's file system made them (it applies its own umask, 022).
        if (e.isDirectory()) {
          header(name, 0o700, 0, '5', st.mtimeMs);
          walk(name);
        } else if (e.isFile()) {
          const data = readFileSync(join(dir, name));
          header(name, 0o600, data.length, '0', st.mtimeMs);
          write(data);
          const pad = (512 - (data.length % 512)) % 512;
          if (pad > 0) write(Buffer.alloc(pad));
        } else {
          throw new Error(`an unexpected entry in the template's cluster: ${name}`);
        }
      }
    };
    walk('');
    write(Buffer.alloc(1024)); // the end of the archive: two zero blocks
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Flushes every file under `dir`, then every directory, deepest first (links are not followed).
 * `flush` is the flush of one path (a test records them).
 */
export function flushTree(dir: string, flush: (path: string) => void = fsyncPath): void {
  const dirs = [dir];
  const files: string[] = [];
  for (let i = 0; i < dirs.length; i++)
    for (const e of readdirSync(dirs[i]!, { withFileTypes: true })) {
      const path = join(dirs[i]!, e.name);
      if (e.isDirectory()) dirs.push(path);
      else if (e.isFile()) files.push(path);
    }
  for (const f of files) flush(f);
  for (const d of dirs.reverse()) flush(d);
}

/** Reads exactly `len` bytes at `pos` (a short read is a truncated template). */
function readExactly(fd: number, buf: Buffer, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) throw new Error('the PGlite template is truncated');
    got += n;
  }
}

/** What an extension's setup sees of PGlite's Emscripten module as it starts: its file system. */
interface PgliteModule {
  WASM_PREFIX?: unknown;
  FS?: {
    analyzePath(path: string): { exists: boolean };
    mkdirTree(path: string): void;
    writeFile(path: string, data: Uint8Array): void;
  };
}

/**
 * One of the installed PGlite's contrib extensions (its `<name>.tar.gz`: a library and the SQL
 * files CREATE EXTENSION reads), loaded the way PostgreSQL loads a library: the files are put in
 * PGlite's file system as it starts, and PostgreSQL links the library (dlopen) when a statement
 * first calls into it. PGlite's own loader (the contrib module's `bundlePath`) compiles and links
 * every extension's library at each open, before any statement runs: for pg_trgm ~20 ms of a CRM
 * stdio server's first call (paired starts), paid by every start whether or not a statement ever
 * uses a trigram. Linked on demand, the first statement that needs it pays ~10-15 ms instead, once.
 * The bundle (a few kB) is read and checked in setup: a missing or damaged one fails the open.
 */
export function pgliteExtension(name: string): Extension {
  return {
    name,
    setup: async (_pg, emscriptenOpts: { preRun?: unknown }) => {
      const files = extensionFiles(name);
      const put = (mod: PgliteModule) => {
        const { FS, WASM_PREFIX } = mod;
        if (!FS || typeof WASM_PREFIX !== 'string')
          throw new Error(`PGlite's module has no file system to put the ${name} extension in`);
        for (const f of files) {
          const path = `${WASM_PREFIX}/${f.path}`;
          const dir = path.slice(0, path.lastIndexOf('/'));
          if (!FS.analyzePath(dir).exists) FS.mkdirTree(dir);
          FS.writeFile(path, f.data);
        }
      };
      const before = emscriptenOpts.preRun;
      const preRun: unknown[] = Array.isArray(before)
        ? (before as unknown[])
        : before === undefined
          ? []
          : [before];
      return { emscriptenOpts: { ...emscriptenOpts, preRun: [...preRun, put] } };
    },
  };
}

/** The regular files of the installed PGlite's `<name>.tar.gz`, by their paths inside it. */
function extensionFiles(name: string): { path: string; data: Uint8Array }[] {
  const archive = `PGlite's ${name} bundle`;
  // Loaded on use: only a store with an extension reads a bundle.
  const { gunzipSync } = process.getBuiltinModule('node:zlib');
  const tar = gunzipSync(readFileSync(join(pgliteEntryDir(), `${name}.tar.gz`)));
  const files: { path: string; data: Uint8Array }[] = [];
  for (let off = 0; off + 512 <= tar.length;) {
    const entry = ustarEntry(tar.subarray(off, off + 512), tar.length - off - 512, archive);
    if (entry === null) break;
    if (entry.type === '0') {
      // As PGlite's loader: a hidden entry (an archiver's metadata) is not part of the extension.
      if (!entry.parts.some((p) => p.startsWith('.')))
        files.push({ path: entry.parts.join('/'), data: tar.subarray(off + 512, off + 512 + entry.size) });
    } else if (entry.type !== '5') {
      throw new Error(`unexpected entry type ${entry.type} in ${archive}`);
    }
    off += 512 + Math.ceil(entry.size / 512) * 512;
  }
  if (!files.some((f) => f.path.endsWith(`/${name}.so`))) throw new Error(`${archive} holds no ${name}.so`);
  return files;
}

/** One entry's header in a ustar archive (regular files and directories are all the kit reads). */
interface UstarEntry {
  /** The path's parts, without empty and "." parts (an entry naming ".." is refused). */
  parts: string[];
  size: number;
  /** "0" a regular file, "5" a directory. */
  type: string;
}

/**
 * Reads one 512-byte ustar header; null at the archive's end (a block of zeros). `room` is what
 * the archive holds after the header: an entry larger than that, or one naming "..", is refused.
 */
function ustarEntry(header: Buffer, room: number, archive: string): UstarEntry | null {
  if (header.every((x) => x === 0)) return null;
  const text = (off: number, len: number) => {
    const b = header.subarray(off, off + len);
    const end = b.indexOf(0);
    return b.subarray(0, end < 0 ? len : end).toString('utf8');
  };
  const prefix = text(257, 6).startsWith('ustar') ? text(345, 155) : '';
  const name = (prefix ? `${prefix}/` : '') + text(0, 100);
  const size = parseInt(text(124, 12).trim() || '0', 8);
  const type = String.fromCharCode(header[156] || 48); // NUL is an old-style regular file
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..') || !Number.isFinite(size) || size < 0 || size > room)
    throw new Error(`unexpected entry ${JSON.stringify(name)} in ${archive}`);
  return { parts, size, type };
}

/**
 * Unpacks a template or a prepared store (writeUstar's uncompressed ustar archive of files and
 * directories) into `dest`, reading it in pieces: the 40-60 MB archive never sits in memory. Every
 * file is written first and flushed to disk after (one fsync per file and directory, before the
 * caller renames `dest` into place): flushing as each file is written took ~2 s of a first start.
 */
function unpackTemplate(archive: string, dest: string): void {
  const fd = openSync(archive, 'r');
  const files: string[] = [];
  const dirs = [dest];
  try {
    const total = fstatSync(fd).size;
    const header = Buffer.alloc(512);
    const chunk = Buffer.alloc(1 << 20);
    mkdirSync(dest, { mode: 0o700 });
    let off = 0;
    let ended = false;
    while (off + 512 <= total) {
      readExactly(fd, header, 512, off);
      const entry = ustarEntry(header, total - off - 512, archive);
      if (entry === null) {
        // The end: two zero blocks, and nothing but zeros after them. An archive cut short at an
        // entry's boundary has no end, and one with a zeroed block part-way has data after it.
        ended = off + 1024 <= total && zerosFrom(fd, off, total, chunk);
        break;
      }
      const { parts, size, type } = entry;
      const target = join(dest, ...parts);
      if (type === '5') {
        if (parts.length > 0) {
          mkdirSync(target, { recursive: true, mode: 0o700 });
          dirs.push(target);
        }
      } else if (type === '0') {
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
        const out = openSync(target, 'w', 0o600);
        try {
          for (let done = 0; done < size;) {
            const len = Math.min(chunk.length, size - done);
            readExactly(fd, chunk, len, off + 512 + done);
            for (let w = 0; w < len;) w += writeSync(out, chunk, w, len - w);
            done += len;
          }
        } finally {
          closeSync(out);
        }
        files.push(target);
      } else {
        throw new Error(`unexpected entry type ${type} in ${archive}`);
      }
      off += 512 + Math.ceil(size / 512) * 512;
    }
    if (!ended) throw new Error(`${archive} is truncated or damaged (no end of archive)`);
  } finally {
    closeSync(fd);
  }
  if (!existsSync(join(dest, 'PG_VERSION'))) throw new Error(`${archive} holds no PG_VERSION`);
  for (const f of files) fsyncPath(f);
  for (const d of dirs.reverse()) fsyncPath(d);
}

/** Whether bytes `from` to `total` of the file are all zero (read with `buf`). */
function zerosFrom(fd: number, from: number, total: number, buf: Buffer): boolean {
  for (let pos = from; pos < total;) {
    const len = Math.min(buf.length, total - pos);
    readExactly(fd, buf, len, pos);
    if (!buf.subarray(0, len).every((b) => b === 0)) return false;
    pos += len;
  }
  return true;
}

/** Runs initdb into `dir` in a child process (this file's `init`), so its memory leaves with it. */
function initInChild(dir: string): Promise<void> {
  // Loaded on use (the fallback only): child_process brings net and dgram (~5 ms of every start).
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SETUP_SCRIPT, 'init', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 4000) err += b.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`initdb for the embedded store exited (${code ?? signal}): ${err.trim().slice(-500)}`),
          ),
    );
  });
}

/** The template as an archive for PGlite's loadDataDir (an in-memory store), or undefined without a usable one. */
export function pgliteTemplateArchive(): Blob | undefined {
  return templateUsable() ? new Blob([readFileSync(TEMPLATE)]) : undefined;
}

/** Whether `pgdata` (the directory PGlite opens) already holds a database cluster. */
export function hasCluster(pgdata: string): boolean {
  return existsSync(join(pgdata, 'PG_VERSION'));
}

/**
 * A server's prepared store: a cluster its build made with the server's own `--prepare` (migrated,
 * holding the demo data, analyzed and vacuumed) and archived as `prepared-store.tar` beside a stamp
 * (`prepared-store.json`: the PGlite version and the migrations it holds). A first start of that
 * server on an empty data directory, with the settings the build prepared it under, unpacks it and
 * has nothing left to write: posture-read's demo seed (3,400 findings through the import's path)
 * was ~2 s of its first start. See `ServerDefinition.preparedStore`.
 */
export interface PreparedStore {
  /** The folder holding `prepared-store.tar` and `prepared-store.json` (the server's dist). */
  dir: string;
  /** The migrations a start of the server applies, by component: the archive must hold exactly these. */
  migrations: Readonly<Record<string, readonly { id: string; sql: string }[]>>;
}

const PREPARED_ARCHIVE = 'prepared-store.tar';
const PREPARED_STAMP = 'prepared-store.json';
const PREPARED_FORMAT = 'prepared-store-1';

/** `{component: [[id, checksum] ...]}`, ids in order: what a stamp records and what a start compares. */
function migrationList(
  migrations: Readonly<Record<string, readonly { id: string; checksum: string }[]>>,
): [string, [string, string][]][] {
  return Object.keys(migrations)
    .sort()
    .map((c) => [
      c,
      [...migrations[c]!]
        .map((m): [string, string] => [m.id, m.checksum])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    ]);
}

const sha256 = (text: string): string =>
  process.getBuiltinModule('node:crypto').createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Why the prepared store cannot be used (its stamp missing or for another PGlite, or holding other
 * migrations than this start applies: a build whose code changed after the archive was made), or
 * undefined when it can.
 */
export function preparedStoreUnusable(prepared: PreparedStore): string | undefined {
  let stamp: { format?: unknown; pglite?: unknown; migrations?: unknown };
  try {
    stamp = JSON.parse(readFileSync(join(prepared.dir, PREPARED_STAMP), 'utf8')) as typeof stamp;
  } catch {
    return 'no stamp';
  }
  if (stamp.format !== PREPARED_FORMAT) return 'an older format';
  if (stamp.pglite !== pgliteVersion()) return `made by PGlite ${String(stamp.pglite)}`;
  if (!existsSync(join(prepared.dir, PREPARED_ARCHIVE))) return 'no archive';
  const wanted = Object.fromEntries(
    Object.entries(prepared.migrations).map(([c, list]) => [
      c,
      list.map((m) => ({ id: m.id, checksum: sha256(m.sql) })),
    ]),
  );
  if (JSON.stringify(stamp.migrations) !== JSON.stringify(migrationList(wanted)))
    return 'made with other migrations';
  return undefined;
}

/**
 * Makes `pgdata` (the directory PGlite opens) a database cluster when it is not one yet: from the
 * server's prepared store when one is given and usable, else from the template when it matches the
 * installed PGlite, else by initdb in a child process. An archive is unpacked beside `pgdata` and
 * renamed into place, so a crash half-way leaves no half a cluster (openStore calls this holding the
 * data directory's lock). Returns how the directory was prepared, for the start-up log.
 */
export async function preparePgliteData(
  pgdata: string,
  logger?: Logger,
  prepared?: PreparedStore,
): Promise<'existing' | 'prepared' | 'template' | 'initdb'> {
  if (hasCluster(pgdata)) return 'existing';
  if (isEmptyDir(pgdata)) {
    const archives: { archive: string; how: 'prepared' | 'template'; what: string }[] = [];
    if (prepared !== undefined) {
      const unusable = preparedStoreUnusable(prepared);
      if (unusable === undefined)
        archives.push({
          archive: join(prepared.dir, PREPARED_ARCHIVE),
          how: 'prepared',
          what: "the server's prepared store",
        });
      else
        logger?.info(
          { reason: unusable },
          "the server's prepared store does not match this build; starting from the PGlite template",
        );
    }
    if (templateUsable()) archives.push({ archive: TEMPLATE, how: 'template', what: 'the PGlite template' });
    for (const { archive, how, what } of archives) {
      const staging = `${pgdata}.new-${process.pid}`;
      // The staging directory is made beside pgdata, so its parents first (else initdb's fallback).
      mkdirSync(dirname(pgdata), { recursive: true, mode: 0o700 });
      // What a start killed while unpacking left (under another pid): the caller holds the data
      // directory's lock, so no other process is unpacking here.
      const stale = `${basename(pgdata)}.new-`;
      for (const name of readdirSync(dirname(pgdata)))
        if (name.startsWith(stale)) rmSync(join(dirname(pgdata), name), { recursive: true, force: true });
      try {
        unpackTemplate(archive, staging);
        rmSync(pgdata, { recursive: true, force: true }); // empty (checked above)
        renameSync(staging, pgdata);
        fsyncPath(dirname(pgdata));
        logger?.info({ path: pgdata }, `embedded store created from ${what}`);
        return how;
      } catch (err) {
        rmSync(staging, { recursive: true, force: true });
        logger?.warn({ err: (err as Error).message }, `${what} not usable; trying the next way`);
      }
    }
  }
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  await initInChild(pgdata);
  // The child wrote through PGlite's own file system, which flushes nothing: flushed here, as a
  // template's files are.
  flushTree(pgdata);
  fsyncPath(dirname(pgdata));
  logger?.info({ path: pgdata }, 'embedded store created by initdb in a child process');
  return 'initdb';
}

/**
 * A server's prepared store (see PreparedStore), made by its build: the server's command `cli`,
 * with `args` (the broker's --config), runs `--prepare` on a scratch data directory with no
 * settings but that directory (nothing from the builder's environment, such as a DATABASE_URL or
 * POSTURE_SEED, shapes it; its keys and audit file stay in the scratch directory, only the cluster
 * is archived), then the stamp records the PGlite version and the migrations the cluster holds.
 * Written to `outDir` (the archive renamed into place, then the stamp).
 */
async function buildPreparedStore(
  cli: string,
  outDir: string,
  args: string[],
  PGlite: typeof PGliteClass,
  startParams: string[],
): Promise<void> {
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const work = mkdtempSync(join(tmpdir(), 'portcullis-prepared-store-'));
  const archive = join(outDir, PREPARED_ARCHIVE);
  try {
    rmSync(join(outDir, PREPARED_STAMP), { force: true }); // no stamp for an archive being replaced
    const run = spawnSync(process.execPath, [cli, ...args, '--prepare'], {
      env: { PATH: process.env.PATH ?? '', PORTCULLIS_DATA_DIR: work, PORTCULLIS_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 5 * 60_000,
    });
    if (run.status !== 0)
      throw new Error(`${cli} --prepare failed (${run.status ?? run.signal ?? run.error?.message})`);
    const pgdata = join(work, 'pgdata');
    // Read first: the migrations for the stamp, and the extensions the cluster holds (a trigram
    // index is vacuumed by pg_trgm's code, loaded for the second open).
    let rows: { component: string; id: string; checksum: string }[];
    let extensions: string[];
    const reader = await PGlite.create(pgdata, { startParams });
    try {
      rows = (
        await reader.query<{ component: string; id: string; checksum: string }>(
          'SELECT component, id, checksum FROM portcullis_migrations',
        )
      ).rows;
      extensions = (
        await reader.query<{ name: string }>(
          "SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql'",
        )
      ).rows.map((r) => r.name);
    } finally {
      await reader.close();
    }
    // Old WAL segments removed rather than kept for reuse (`wal_recycle`, this open only).
    const db = await PGlite.create(pgdata, {
      startParams: [...startParams, '-c', 'wal_recycle=off'],
      extensions: Object.fromEntries(extensions.map((n) => [n, pgliteExtension(n)])),
    });
    try {
      // What the store's upkeep would do in a copy's first seconds (statistics for the planner, and
      // the vacuum that lets an index answer without the table) is done here, once.
      await db.exec('VACUUM (ANALYZE)');
      // The seed's WAL (two 16 MB segments, the next kept for reuse) is of no use to a copy: twice
      // to a new segment and a checkpoint after each, the archive holds one, zero-filled after the
      // checkpoints (a 75 MB archive became 56, ~16 MB gzipped became ~7.5).
      for (let i = 0; i < 2; i++) {
        await db.query('SELECT pg_switch_wal()');
        await db.exec('CHECKPOINT');
      }
    } finally {
      await db.close(); // a clean shutdown: a copy opens without recovering anything
    }
    const byComponent: Record<string, { id: string; checksum: string }[]> = {};
    for (const r of rows) (byComponent[r.component] ??= []).push(r);
    writeUstar(pgdata, `${archive}.tmp`);
    renameSync(`${archive}.tmp`, archive);
    writeFileSync(
      join(outDir, PREPARED_STAMP),
      `${JSON.stringify({
        format: PREPARED_FORMAT,
        pglite: pgliteVersion(),
        migrations: migrationList(byComponent),
        built: new Date().toISOString(),
      })}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(`${archive}.tmp`, { force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const startParams = pgliteStartParams(PGlite.defaultStartParams);
  if (argv[0] === 'init' && argv[1]) {
    const db = await PGlite.create(argv[1], { startParams });
    await db.close();
    return;
  }
  if (argv[0] === 'template') {
    const version = pgliteVersion();
    rmSync(join(DIST, 'pglite-template.tar.gz'), { force: true }); // an older build's compressed template
    if (templateUsable()) return; // already built by this PGlite version
    // initdb's peak belongs to this build step. The cluster is made in a scratch directory and shut
    // down before it is archived: PGlite's dumpDataDir archives a running cluster, whose every copy
    // went through crash recovery at its first open (with fsync on, a flush of every file in it).
    const work = mkdtempSync(join(tmpdir(), 'portcullis-pglite-template-'));
    try {
      const pgdata = join(work, 'pgdata');
      const db = await PGlite.create(pgdata, { startParams });
      await db.close(); // a clean shutdown: a copy opens without recovering anything
      // Uncompressed: unpacking reads it in pieces (gunzip of 40 MB took ~0.6 s of a first start).
      writeUstar(pgdata, `${TEMPLATE}.tmp`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    renameSync(`${TEMPLATE}.tmp`, TEMPLATE);
    writeFileSync(
      TEMPLATE_STAMP,
      `${JSON.stringify({ pglite: version, format: TEMPLATE_FORMAT, built: new Date().toISOString() })}\n`,
    );
    return;
  }
  if (argv[0] === 'prepared-store' && argv[1] && argv[2]) {
    await buildPreparedStore(argv[1], argv[2], argv.slice(3), PGlite, startParams);
    return;
  }
  throw new Error('usage: pglite-setup.js template | init DIR | prepared-store CLI OUTDIR [ARG...]');
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

// Exported for the regression test: where the template lives, and whether it would be used.
export const pgliteTemplate = { path: TEMPLATE, usable: templateUsable };
