/**
 * deploy/ is linted here rather than run: this machine has no container engine. The Dockerfile is
 * read and held to our image rules (hadolint too, when it is on PATH); the compose file is parsed
 * and checked for health checks and plaintext secrets; the Helm chart goes through `helm lint`
 * and `helm template` (when a helm binary is found) and every rendered Deployment is checked for
 * its security context, probes and resources; the client configurations must parse and point at
 * the servers' real CLIs.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, parseCredentialRef } from '@portcullis/core';
import { ApiKeyAuthenticator } from '@portcullis/core/identity';
import { startFakeSecretsManager, type FakeSecretsManager } from '@portcullis/fakes/aws-secrets-manager';
import {
  argPairs,
  isPinnedImage,
  parseDockerfile,
  stageArgs,
  stageEnv,
  substitute,
  type Stage,
} from './support/dockerfile.js';
import { findHelm, type HelmLookup } from './support/helm.js';
import { loadAllYaml, loadYaml } from './support/yaml.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEPLOY = join(ROOT, 'deploy');
const CHART = join(DEPLOY, 'helm', 'portcullis');

/** docs/architecture.md section 6: the public contract for ports. */
const PORTS: Record<string, number> = {
  broker: 7300,
  crm: 7301,
  billing: 7302,
  'posture-read': 7303,
  'remediation-write': 7304,
};
/** The systems that exist today and ship in the default chart, compose file and client configs. */
const SHIPPED = ['crm', 'billing'] as const;
/** The servers the local compose stack runs. */
const COMPOSED = [...SHIPPED, 'posture-read', 'remediation-write'] as const;

// AWS_ENDPOINT_URL_SECRETS_MANAGER names a service, not a secret.
const SECRET_NAME = /(secret(?!s_manager)|password|passwd|token|api_?key|private|credential|approval_key)/i;

const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

/**
 * Metric names a deployment can scrape: the kit's registry (packages/core/src/metrics.ts) and the
 * gauges a server registers through the kit (`services.gauge({ name: 'portcullis_...' })`).
 */
function exportedMetrics(): Set<string> {
  const sources = [read('packages/core/src/metrics.ts')];
  for (const server of readdirSync(join(ROOT, 'servers'))) {
    const src = join(ROOT, 'servers', server, 'src');
    if (!existsSync(src)) continue;
    for (const f of readdirSync(src, { recursive: true, encoding: 'utf8' }))
      if (f.endsWith('.ts')) sources.push(readFileSync(join(src, f), 'utf8'));
  }
  return new Set(
    sources.flatMap((text) => [...text.matchAll(/name: '(portcullis_[a-z_]+)'/g)].map((m) => m[1]!)),
  );
}
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function isCredentialRef(v: string): boolean {
  try {
    parseCredentialRef(v, 'setting');
    return true;
  } catch {
    return false;
  }
}

// -------------------------------------------------------------------------------------------
describe('Dockerfile', () => {
  const text = read('deploy/Dockerfile');
  const df = parseDockerfile(text);
  const final = df.stages[df.stages.length - 1] as Stage;
  const finalEnv = stageEnv(final);
  const finalArgs = stageArgs(final);

  it('is multi-stage, and the runtime stage copies only the build output', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(2);
    const copies = final.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) expect(c.flags.some((f) => f.startsWith('--from='))).toBe(true);
  });

  it('pins every base image by digest or exact version tag', () => {
    for (const stage of df.stages) {
      const named = df.stages.some((s) => s.name === stage.image);
      if (named) continue; // FROM an earlier stage
      expect(stage.image, `FROM ${stage.image}`).not.toMatch(/:latest$|^[^:@]+$/);
      expect(isPinnedImage(stage.image), `FROM ${stage.image} is not pinned`).toBe(true);
    }
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const users = final.instructions.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]!.args;
    // Numeric, so Kubernetes can verify runAsNonRoot without resolving a name.
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(':')[0]).not.toBe('0');
  });

  it('puts no secret in ENV or ARG', () => {
    const settings = df.all.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG');
    expect(settings.length).toBeGreaterThan(0);
    for (const ins of settings) {
      for (const [name] of argPairs(ins.args)) {
        expect(SECRET_NAME.test(name), `line ${ins.line}: ${ins.keyword} ${name} looks like a secret`).toBe(
          false,
        );
      }
    }
  });

  it('sets NODE_ENV=production, the data dir and jwt auth by default', () => {
    expect(finalEnv.get('NODE_ENV')).toBe('production');
    expect(finalEnv.get('PORTCULLIS_DATA_DIR')).toBe('/var/lib/portcullis');
    expect(finalEnv.get('PORTCULLIS_AUTH')).toBe('jwt');
  });

  it('installs production dependencies with npm ci --omit=dev from the turbo-pruned lockfile', () => {
    const runs = df.all.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm-cli\.js", "ci", "--omit=dev", "--ignore-scripts"/.test(r))).toBe(true);
    // The prune step runs `turbo prune --docker`; the json half is copied before npm ci, the
    // sources after it, so dependency layers survive source edits.
    expect(read('deploy/image/build-step.mjs')).toMatch(/'prune', `@portcullis\/\$\{server\}`, '--docker'/);
    const build = df.stages.find((st) => st.name === 'build')!;
    const copies = build.instructions
      .filter((i) => i.keyword === 'COPY' || i.keyword === 'RUN')
      .map((i) => i.args);
    const json = copies.findIndex((a) => a.startsWith('/prune/json/'));
    const ci = copies.findIndex((a) => a.includes('"ci"'));
    const full = copies.findIndex((a) => a.startsWith('/prune/full/'));
    expect(json).toBeGreaterThanOrEqual(0);
    expect(json).toBeLessThan(ci);
    expect(ci).toBeLessThan(full);
  });

  it('takes a Node 24 base pinned by digest as a build argument, and every RUN needs no shell', () => {
    expect(df.globalArgs.get('NODE_IMAGE')).toMatch(/^node:24[-.a-z0-9]*@sha256:[0-9a-f]{64}$/);
    for (const stage of df.stages) expect(stage.image).toMatch(/^node:24.*@sha256:/);
    for (const r of df.all.filter((i) => i.keyword === 'RUN'))
      expect(r.args, `line ${r.line}`).toMatch(/^\["node", /);
  });

  it('leaves npm, npx, corepack and yarn out of the runtime stage, and labels it (OCI)', () => {
    const strip = final.instructions.find((i) => i.keyword === 'RUN')?.args ?? '';
    for (const p of [
      '/usr/local/lib/node_modules',
      '/usr/local/bin/npm',
      '/usr/local/bin/npx',
      '/usr/local/bin/corepack',
      '/usr/local/bin/yarn',
    ])
      expect(strip).toContain(`'${p}'`);
    const labels = final.instructions
      .filter((i) => i.keyword === 'LABEL')
      .map((i) => i.args)
      .join(' ');
    for (const l of ['source', 'version', 'revision', 'title'])
      expect(labels).toContain(`org.opencontainers.image.${l}=`);
  });

  it('exposes the system port and refuses a SERVER/PORT pair that breaks the contract', () => {
    expect(finalArgs.get('SERVER')).toBe('crm');
    expect(finalArgs.get('PORT')).toBe(String(PORTS.crm));
    const expose = final.instructions.find((i) => i.keyword === 'EXPOSE');
    expect(expose && substitute(expose.args, finalArgs)).toBe(String(PORTS.crm));
    expect(
      df.all.some(
        (i) =>
          (i.keyword === 'RUN' && i.args.includes('"build-step.mjs", "check"')) ||
          i.args.includes('build-step.mjs", "check"'),
      ),
    ).toBe(true);
    for (const [system, port] of Object.entries(PORTS)) {
      const ok = spawnSync(process.execPath, [join(DEPLOY, 'image/build-step.mjs'), 'check'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', SERVER: system, PORT: String(port) },
        encoding: 'utf8',
      });
      // Only systems that exist in the tree build; the others are refused by name.
      if (existsSync(join(ROOT, 'servers', system))) expect(ok.status, ok.stderr).toBe(0);
      else expect(ok.stderr).toContain(`servers/${system} does not exist`);
      const bad = spawnSync(process.execPath, [join(DEPLOY, 'image/build-step.mjs'), 'check'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', SERVER: system, PORT: String(port + 10) },
        encoding: 'utf8',
      });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain(`PORT for ${system} is ${port}`);
    }
    expect(finalEnv.get('PORTCULLIS_PORT')).toBe(String(PORTS.crm));
  });

  it('runs servers/$SERVER/dist/cli.js through node as PID 1: HTTP by default, any arguments instead', () => {
    const entry = final.instructions.find((i) => i.keyword === 'ENTRYPOINT');
    expect(JSON.parse(entry!.args)).toEqual(['node', '/app/entrypoint.mjs']);
    const script = read('deploy/image/entrypoint.mjs');
    expect(script).toContain(
      "'--transport', 'http', '--host', '0.0.0.0', '--port', process.env.PORTCULLIS_PORT",
    );
    expect(script).toContain('./servers/${server}/dist/cli.js');
    expect(finalEnv.get('PORTCULLIS_SERVER')).toBe('crm');
  });

  it('has a HEALTHCHECK on /healthz in exec form', () => {
    const hc = final.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(hc).toBeDefined();
    const cmd = hc!.args.replace(/^(--\S+\s+)*/, '');
    expect(cmd).toMatch(/^CMD \[/);
    expect(cmd).toContain('/healthz');
    expect(cmd).toContain('PORTCULLIS_PORT');
  });

  it('keeps node_modules, build output, .git and local secrets out of the build context', () => {
    const ignore = read('deploy/Dockerfile.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['**/node_modules', '**/dist', '.git', '**/.env', 'deploy/secrets'])
      expect(ignore).toContain(p);
  });

  const hadolint = spawnSync('hadolint', ['--version'], { encoding: 'utf8' });
  it.skipIf(hadolint.status !== 0)(
    "passes hadolint (skipped: hadolint is not on PATH and not in Debian's archive)",
    () => {
      const r = spawnSync('hadolint', ['--failure-threshold', 'warning', join(DEPLOY, 'Dockerfile')], {
        encoding: 'utf8',
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
  );
});

// -------------------------------------------------------------------------------------------
describe('compose.yaml', () => {
  const compose = obj(loadYaml(read('deploy/compose.yaml'), 'compose.yaml'));
  const services = obj(compose.services);

  it('runs crm, billing, posture-read, remediation-write, postgres and redis, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual([
      'billing',
      'crm',
      'postgres',
      'posture-read',
      'redis',
      'remediation-write',
    ]);
    for (const [name, svc] of Object.entries(services)) {
      const hc = obj(obj(svc).healthcheck);
      expect(arr(hc.test).length, `${name} healthcheck`).toBeGreaterThan(0);
      expect(hc.interval, `${name} healthcheck interval`).toBeDefined();
    }
  });

  it('builds each server from deploy/Dockerfile with its contract port, hardened', () => {
    for (const system of COMPOSED) {
      const svc = obj(services[system]);
      const build = obj(svc.build);
      expect(build.dockerfile).toBe('deploy/Dockerfile');
      expect(obj(build.args)).toEqual({ SERVER: system, PORT: String(PORTS[system]) });
      expect(arr(svc.ports)).toEqual([`127.0.0.1:${PORTS[system]}:${PORTS[system]}`]);
      expect(JSON.stringify(obj(svc.healthcheck).test)).toContain(`127.0.0.1:${PORTS[system]}/readyz`);
      expect(svc.read_only).toBe(true);
      expect(svc.user).toMatch(/^[1-9]\d*:\d+$/);
      expect(arr(svc.cap_drop)).toEqual(['ALL']);
      expect(arr(svc.security_opt)).toContain('no-new-privileges:true');
      expect(arr(svc.volumes).some((v) => String(v).endsWith(':/var/lib/portcullis'))).toBe(true);
      const deps = obj(svc.depends_on);
      expect(obj(deps.postgres).condition).toBe('service_healthy');
      expect(obj(deps.redis).condition).toBe('service_healthy');
      const env = obj(svc.environment);
      expect(env.NODE_ENV).toBe('production');
      expect(env.PORTCULLIS_DATA_DIR).toBe('/var/lib/portcullis');
      expect(['jwt', 'apikey']).toContain(env.PORTCULLIS_AUTH);
      expect(['postgres', 'stderr']).toContain(env.PORTCULLIS_AUDIT);
      expect(String(env.DATABASE_URL)).toMatch(
        /^postgres:\/\/portcullis:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/portcullis_[a-z_]+$/,
      );
      expect(String(env.REDIS_URL)).toMatch(/^redis:\/\/redis:6379/);
    }
    expect(isCredentialRef(String(obj(obj(services.billing).environment).PORTCULLIS_APPROVAL_KEY))).toBe(
      true,
    );
    // Read-only: posture-read has no approval key to sign with.
    expect(obj(obj(services['posture-read']).environment).PORTCULLIS_APPROVAL_KEY).toBeUndefined();
    expect(arr(obj(services['posture-read']).secrets)).not.toContain('approval_key');
    // One database per system.
    const dbs = COMPOSED.map((s) =>
      String(obj(obj(services[s]).environment).DATABASE_URL)
        .split('/')
        .pop(),
    );
    expect(new Set(dbs).size).toBe(COMPOSED.length);
  });

  it("waits for PostgreSQL's init scripts: pg_isready over TCP, not the init-time socket", () => {
    const test = arr(obj(obj(services.postgres).healthcheck).test).map(String);
    expect(test[0]).toBe('CMD-SHELL');
    expect(test[1]).toMatch(/^pg_isready -h 127\.0\.0\.1 /);
    // The init script creates the databases in order: waiting for the last one waits for all.
    const created = [...read('deploy/compose/postgres-init.sql').matchAll(/CREATE DATABASE ([a-z_]+) /g)];
    expect(test[1]).toMatch(new RegExp(`-d ${created[created.length - 1]![1]!}$`));
  });

  it('creates the database each server names', () => {
    const sql = read('deploy/compose/postgres-init.sql');
    for (const system of COMPOSED) {
      const db = /\/([a-z_]+)$/.exec(String(obj(obj(services[system]).environment).DATABASE_URL))?.[1];
      expect(sql).toContain(`CREATE DATABASE ${db} `);
    }
  });

  it('holds no plaintext secret: only references, interpolations and secret files', () => {
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'string' || typeof v === 'number') {
        const key = path.split('.').pop() ?? '';
        if (!SECRET_NAME.test(key)) return;
        const s = String(v);
        const ok =
          isCredentialRef(s) ||
          /^\$\{[A-Z_]+(:?\?[^}]*)?\}$/.test(s) ||
          (/_FILE$/.test(key) && s.startsWith('/run/secrets/'));
        expect(ok, `${path} = ${s.slice(0, 12)}... is a literal secret`).toBe(true);
        return;
      }
      // List items in compose are names, flags and ports; secrets live in mapping values.
      if (Array.isArray(v)) v.forEach((x, i) => typeof x === 'object' && walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    };
    walk(compose, '');
    // Secret files come from deploy/secrets/, which git ignores along with deploy/.env.
    for (const s of Object.values(obj(compose.secrets)))
      expect(String(obj(s).file)).toMatch(/^\.\/secrets\//);
    const ignored = read('deploy/.gitignore').split('\n');
    expect(ignored).toContain('secrets/');
    expect(ignored).toContain('.env');
    expect(read('deploy/compose.yaml')).not.toMatch(/pk_[a-z0-9]{8,}_|-----BEGIN|AKIA[0-9A-Z]{16}/);
  });

  it('pins the postgres and redis images', () => {
    // PostgreSQL numbers its releases major.minor, so 17.6 is exact; Redis uses x.y.z.
    expect(isPinnedImage(String(obj(services.postgres).image), 2)).toBe(true);
    expect(isPinnedImage(String(obj(services.redis).image))).toBe(true);
  });

  describe('scripts/init-local-secrets.mjs', () => {
    let dir = '';
    let out = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'portcullis-deploy-'));
      cpSync(join(DEPLOY, 'scripts'), join(dir, 'deploy', 'scripts'), { recursive: true });
      const r = spawnSync(process.execPath, [join(dir, 'deploy', 'scripts', 'init-local-secrets.mjs')], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      out = r.stdout;
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('makes every secret compose mounts, in a private directory', () => {
      for (const s of Object.values(obj(compose.secrets))) {
        expect(existsSync(join(dir, 'deploy', String(obj(s).file)))).toBe(true);
      }
      expect(statSync(join(dir, 'deploy', 'secrets')).mode & 0o077).toBe(0);
      const env = readFileSync(join(dir, 'deploy', '.env'), 'utf8');
      const pw = readFileSync(join(dir, 'deploy', 'secrets', 'postgres-password'), 'utf8').trim();
      expect(env).toContain(`POSTGRES_PASSWORD=${pw}\n`);
      expect(
        readFileSync(join(dir, 'deploy', 'secrets', 'approval-key'), 'utf8').length,
      ).toBeGreaterThanOrEqual(32);
    });

    it('prints API keys that the kit accepts, and stores only their hashes', async () => {
      const file = join(dir, 'deploy', 'secrets', 'api-keys.json');
      const keys = [...out.matchAll(/: (pk_[a-z0-9]+_[A-Za-z0-9_-]+)$/gm)].map((m) => m[1]!);
      expect(keys.length).toBe(2);
      for (const k of keys)
        expect(readFileSync(file, 'utf8')).not.toContain(/^pk_[a-z0-9]+_(.+)$/.exec(k)![1]);
      const auth = ApiKeyAuthenticator.fromFile(file, true);
      const who = await Promise.all(keys.map((k) => auth.authenticate(`Bearer ${k}`, undefined)));
      expect(who.map((p) => p.id)).toEqual(['alice', 'carol']);
      expect(who[1]!.roles).toContain('approver');
    });
  });
});

// -------------------------------------------------------------------------------------------
const helm: HelmLookup = findHelm(ROOT);
if (helm.bin === null) process.stderr.write(`[deploy] Helm suites skipped: ${helm.reason}\n`);

describe.skipIf(helm.bin === null)(
  `Helm chart (${helm.bin === null ? `skipped: ${helm.reason}` : `${helm.version} from ${helm.source}`})`,
  () => {
    let home = '';
    beforeAll(() => {
      home = mkdtempSync(join(tmpdir(), 'portcullis-helm-'));
    });
    afterAll(() => rmSync(home, { recursive: true, force: true }));

    const run = (args: string[]) => {
      const r = spawnSync(helm.bin!, args, {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        // Keep helm away from the user's config, cache and any cluster.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          HELM_CACHE_HOME: join(home, 'cache'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_DATA_HOME: join(home, 'data'),
          KUBECONFIG: join(home, 'kubeconfig'),
        },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const template = (...args: string[]): Obj[] => {
      const r = run(['template', 'portcullis', CHART, '--namespace', 'portcullis', ...args]);
      expect(r.status, r.stderr).toBe(0);
      return loadAllYaml(r.stdout).map(obj);
    };
    const refused = (...args: string[]): string => {
      const r = run(['template', 'portcullis', CHART, ...args]);
      expect(r.status, `expected a refusal for ${args.join(' ')}`).not.toBe(0);
      return r.stderr;
    };
    const byKind = (docs: Obj[], kind: string) => docs.filter((d) => d.kind === kind);
    const nameOf = (d: Obj) => String(obj(d.metadata).name);

    it('passes helm lint --strict with the default values', () => {
      const r = run(['lint', '--strict', CHART]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it('passes helm lint --strict with crm only and with the production example', () => {
      for (const extra of [
        ['--set', 'systems.billing.enabled=false'],
        ['-f', join(ROOT, 'deploy/helm/examples/values-production.yaml')],
      ]) {
        const r = run(['lint', '--strict', CHART, ...extra]);
        expect(r.status, r.stdout + r.stderr).toBe(0);
      }
    });

    /** The checks every rendered Deployment must pass, whatever the values. */
    function checkDeployments(docs: Obj[], expected: string[]): void {
      const deployments = byKind(docs, 'Deployment');
      expect(deployments.map(nameOf).sort()).toEqual(expected.map((s) => `portcullis-${s}`).sort());
      for (const d of deployments) {
        const name = nameOf(d);
        const system = name.replace(/^portcullis-/, '');
        const port = PORTS[system]!;
        const pod = obj(obj(obj(d.spec).template).spec);
        const podMeta = obj(obj(obj(d.spec).template).metadata);
        const psc = obj(pod.securityContext);
        expect(psc.runAsNonRoot, name).toBe(true);
        expect(obj(psc.seccompProfile).type, name).toBe('RuntimeDefault');
        expect(pod.automountServiceAccountToken, name).toBe(false);
        const containers = arr(pod.containers).map(obj);
        expect(containers.length).toBe(1);
        const c = containers[0]!;
        const sc = obj(c.securityContext);
        expect(sc.runAsNonRoot, name).toBe(true);
        expect(sc.allowPrivilegeEscalation, name).toBe(false);
        expect(sc.readOnlyRootFilesystem, name).toBe(true);
        expect(sc.privileged, name).toBe(false);
        expect(arr(obj(sc.capabilities).drop), name).toEqual(['ALL']);
        expect(obj(sc.seccompProfile).type, name).toBe('RuntimeDefault');

        const res = obj(c.resources);
        for (const k of ['requests', 'limits']) {
          expect(obj(res[k]).cpu, `${name} ${k}.cpu`).toBeDefined();
          expect(obj(res[k]).memory, `${name} ${k}.memory`).toBeDefined();
        }
        expect(obj(obj(c.livenessProbe).httpGet).path, name).toBe('/healthz');
        expect(obj(obj(c.readinessProbe).httpGet).path, name).toBe('/readyz');
        expect(obj(obj(c.startupProbe).httpGet).path, name).toBe('/healthz');

        expect(c.command).toEqual(['node', `servers/${system}/dist/cli.js`]);
        expect(c.args).toEqual([
          '--transport',
          'http',
          '--host',
          '0.0.0.0',
          '--port',
          String(port),
          // The broker's configuration file, mounted from its ConfigMap.
          ...(system === 'broker' ? ['--config', '/etc/portcullis/broker/broker.yaml'] : []),
        ]);
        expect(arr(c.ports).map(obj)[0]).toMatchObject({ name: 'http', containerPort: port });

        const env = new Map(
          arr(c.env)
            .map(obj)
            .map((e) => [String(e.name), e]),
        );
        const val = (k: string) => env.get(k)?.value as string | undefined;
        expect(val('NODE_ENV')).toBe('production');
        // A subdirectory the server creates 0700: the emptyDir itself is world-writable.
        expect(val('PORTCULLIS_DATA_DIR')).toBe('/var/lib/portcullis/data');
        expect(val('PORTCULLIS_AUDIT_KEY')).toBe(`aws-sm:portcullis/${system}#audit_key`);
        expect(['jwt', 'apikey']).toContain(val('PORTCULLIS_AUTH'));
        expect(['postgres', 'stderr']).toContain(val('PORTCULLIS_AUDIT'));
        for (const k of ['DATABASE_URL', 'REDIS_URL']) {
          const e = env.get(k);
          expect(e?.value, `${name} ${k} must come from a Secret`).toBeUndefined();
          expect(obj(obj(e?.valueFrom).secretKeyRef).name, `${name} ${k}`).toBeTruthy();
        }
        for (const [k, e] of env) {
          if (SECRET_NAME.test(k) && e.value !== undefined) {
            expect(
              typeof e.value === 'string' && isCredentialRef(e.value),
              `${name} ${k} is not a credential reference`,
            ).toBe(true);
          }
        }
        if (system === 'billing') expect(isCredentialRef(val('PORTCULLIS_APPROVAL_KEY') ?? '')).toBe(true);
        // Read-only: nothing to approve, so no signing key in its pods.
        if (system === 'posture-read') expect(env.has('PORTCULLIS_APPROVAL_KEY')).toBe(false);

        // Graceful shutdown: the pod outlives the drain plus the preStop pause.
        const grace = Number(pod.terminationGracePeriodSeconds) * 1000;
        const preStop = Number(arr(obj(obj(obj(c.lifecycle).preStop).exec).command)[1] ?? 0) * 1000;
        expect(grace).toBeGreaterThan(Number(val('PORTCULLIS_SHUTDOWN_TIMEOUT_MS')) + preStop);

        const mounts = arr(c.volumeMounts).map(obj);
        expect(mounts.find((m) => m.mountPath === '/var/lib/portcullis')).toBeDefined();
        expect(mounts.find((m) => m.mountPath === '/tmp')).toBeDefined();

        const ann = obj(podMeta.annotations);
        expect(ann['prometheus.io/scrape']).toBe('true');
        expect(ann['prometheus.io/port']).toBe(String(port));
        expect(ann['prometheus.io/path']).toBe('/metrics');

        // Its companions: Service on the port, PDB, NetworkPolicy, ServiceAccount.
        const svc = byKind(docs, 'Service').find((s) => nameOf(s) === name);
        expect(arr(obj(svc?.spec).ports).map(obj)[0]).toMatchObject({ port, targetPort: 'http' });
        expect(byKind(docs, 'PodDisruptionBudget').map(nameOf)).toContain(name);
        expect(byKind(docs, 'ServiceAccount').map(nameOf)).toContain(pod.serviceAccountName);
        const np = byKind(docs, 'NetworkPolicy').find((n) => nameOf(n) === name);
        expect(np, `${name} NetworkPolicy`).toBeDefined();
        const npSpec = obj(np!.spec);
        expect(arr(npSpec.policyTypes)).toEqual(['Ingress', 'Egress']);
        const ingress = arr(npSpec.ingress).map(obj);
        expect(ingress.length).toBe(1);
        expect(arr(ingress[0]!.ports).map(obj)).toEqual([{ port: 'http', protocol: 'TCP' }]);
        const egressPorts = arr(npSpec.egress).flatMap((r) =>
          arr(obj(r).ports).map((p) => Number(obj(p).port)),
        );
        for (const p of [53, 5432, 6379, 443]) expect(egressPorts, `${name} egress`).toContain(p);
      }
    }

    it('renders crm and billing by default, each locked down, probed and sized', () => {
      const docs = template();
      checkDeployments(docs, ['crm', 'billing']);
      const sa = byKind(docs, 'ServiceAccount').map(
        (s) => obj(obj(s.metadata).annotations)['eks.amazonaws.com/role-arn'],
      );
      for (const arn of sa) expect(String(arn)).toMatch(/^arn:aws:iam::\d{12}:role\//);
      expect(byKind(docs, 'HorizontalPodAutoscaler')).toEqual([]);
      // Nothing in the rendered manifests is a Secret's content.
      expect(byKind(docs, 'Secret')).toEqual([]);
    });

    it('renders crm alone when billing is disabled', () => {
      const docs = template('--set', 'systems.billing.enabled=false');
      checkDeployments(docs, ['crm']);
      expect(docs.filter((d) => nameOf(d).includes('billing'))).toEqual([]);
    });

    it('renders the production example with autoscalers and narrowed egress', () => {
      const docs = template('-f', join(ROOT, 'deploy/helm/examples/values-production.yaml'));
      checkDeployments(docs, ['crm', 'billing']);
      const hpas = byKind(docs, 'HorizontalPodAutoscaler');
      expect(hpas.map(nameOf).sort()).toEqual(['portcullis-billing', 'portcullis-crm']);
      for (const d of byKind(docs, 'Deployment')) expect(obj(d.spec).replicas).toBeUndefined();
      const crm = byKind(docs, 'Deployment').find((d) => nameOf(d) === 'portcullis-crm')!;
      const env = arr(obj(arr(obj(obj(obj(crm.spec).template).spec).containers)[0]).env).map(obj);
      expect(env.find((e) => e.name === 'CRM_HUBSPOT_TOKEN')?.value).toBe(
        'aws-sm:portcullis/crm#hubspot_token',
      );
    });

    it('mounts a policy override from a ConfigMap at PORTCULLIS_POLICY_DIR', () => {
      const docs = template(
        '--set-file',
        `systems.billing.policies.billing\\.cedar=${join(ROOT, 'servers/billing/policies/billing.cedar')}`,
        '--set-file',
        `systems.billing.policies.schema\\.cedarschema=${join(ROOT, 'servers/billing/policies/schema.cedarschema')}`,
      );
      const cm = byKind(docs, 'ConfigMap').find((d) => nameOf(d) === 'portcullis-billing-policies');
      expect(Object.keys(obj(cm?.data)).sort()).toEqual(['billing.cedar', 'schema.cedarschema']);
      expect(obj(cm?.data)['billing.cedar']).toBe(read('servers/billing/policies/billing.cedar'));
      const billing = byKind(docs, 'Deployment').find((d) => nameOf(d) === 'portcullis-billing')!;
      const c = obj(arr(obj(obj(obj(billing.spec).template).spec).containers)[0]);
      expect(
        arr(c.env)
          .map(obj)
          .find((e) => e.name === 'PORTCULLIS_POLICY_DIR')?.value,
      ).toBe('/etc/portcullis/policies');
      expect(
        arr(c.volumeMounts)
          .map(obj)
          .find((m) => m.name === 'policies'),
      ).toMatchObject({ mountPath: '/etc/portcullis/policies', readOnly: true });
      expect(obj(obj(obj(billing.spec).template).metadata).annotations).toHaveProperty('checksum/policies');
    });

    /**
     * The rendered settings must be ones the real server accepts in production. Each Deployment's
     * command, arguments and environment run here against the built CLI (the image's /app has the
     * repository's layout), with three local substitutions: the data dir is a temp dir, the
     * Secret-backed DATABASE_URL/REDIS_URL are left out (PGlite in that dir), and aws-sm: references
     * resolve against a fake Secrets Manager on 127.0.0.1. It binds 127.0.0.1 on a free port.
     */
    it('renders posture-read like crm and billing when enabled: read-only, its own settings, monitored', () => {
      const docs = template(
        '--set',
        'systems.posture-read.enabled=true',
        '--set',
        'serviceMonitor.enabled=true',
      );
      checkDeployments(docs, ['crm', 'billing', 'posture-read']);
      const env = envOf(containerOf(docs, 'posture-read'));
      expect(env.get('POSTURE_BACKEND')?.value).toBe('embedded');
      expect(env.get('POSTURE_SEED')?.value).toBe('none');
      expect(obj(obj(env.get('DATABASE_URL')?.valueFrom).secretKeyRef).key).toBe('posture-read-database-url');
      expect(byKind(docs, 'ServiceMonitor').map(nameOf)).toContain('portcullis-posture-read');
      const sa = byKind(docs, 'ServiceAccount').find((d) => nameOf(d) === 'portcullis-posture-read')!;
      expect(obj(obj(sa.metadata).annotations)['eks.amazonaws.com/role-arn']).toMatch(
        /role\/portcullis-posture-read$/,
      );
      // Off by default: no sync job, and no posture-read resource at all.
      expect(byKind(docs, 'CronJob')).toEqual([]);
      expect(template().filter((d) => nameOf(d).includes('posture-read'))).toEqual([]);
    });

    it('renders the broker when enabled: its configuration file and tools lock from a ConfigMap, read-only, passed as --config', () => {
      const on = ['--set', 'systems.broker.enabled=true'];
      expect(refused(...on)).toContain('systems.broker.brokerConfig.configMap is required');
      const docs = template(...on, '--set', 'systems.broker.brokerConfig.configMap=portcullis-broker');
      checkDeployments(docs, ['crm', 'billing', 'broker']);
      const c = containerOf(docs, 'broker');
      const mount = arr(c.volumeMounts)
        .map(obj)
        .find((m) => m.name === 'broker-config')!;
      expect(mount).toEqual({ name: 'broker-config', mountPath: '/etc/portcullis/broker', readOnly: true });
      const podOf = (d: Obj[]) =>
        obj(
          obj(obj(byKind(d, 'Deployment').find((x) => nameOf(x) === 'portcullis-broker')!.spec).template)
            .spec,
        );
      const volume = (d: Obj[]) =>
        arr(podOf(d).volumes)
          .map(obj)
          .find((v) => v.name === 'broker-config');
      // The lock beside the file: where the broker looks when broker.yaml names none.
      expect(volume(docs)).toEqual({
        name: 'broker-config',
        configMap: {
          name: 'portcullis-broker',
          items: [
            { key: 'broker.yaml', path: 'broker.yaml' },
            { key: 'tools.lock.json', path: 'tools.lock.json' },
          ],
        },
      });
      const custom = template(
        ...on,
        '--set',
        'systems.broker.brokerConfig.configMap=edge',
        '--set',
        'systems.broker.brokerConfig.key=prod.yaml',
        '--set',
        'systems.broker.brokerConfig.lockKey=',
      );
      expect(volume(custom)).toEqual({
        name: 'broker-config',
        configMap: { name: 'edge', items: [{ key: 'prod.yaml', path: 'broker.yaml' }] },
      });
      // No other system gets the broker's volume or flag.
      for (const s of ['crm', 'billing']) {
        expect(JSON.stringify(containerOf(docs, s))).not.toContain('broker-config');
        expect(containerOf(docs, s).args).not.toContain('--config');
      }
    });

    it('renders remediation-write when enabled: approval key, its own settings, kill switch alert', () => {
      const docs = template(
        '--set',
        'systems.remediation-write.enabled=true',
        '--set',
        'serviceMonitor.enabled=true',
        '--set',
        'prometheusRule.enabled=true',
      );
      checkDeployments(docs, ['crm', 'billing', 'remediation-write']);
      const env = envOf(containerOf(docs, 'remediation-write'));
      expect(env.get('REMEDIATION_BACKEND')?.value).toBe('simulated');
      expect(env.get('PORTCULLIS_APPROVAL_KEY')?.value).toBe(
        'aws-sm:portcullis/remediation-write#approval_key',
      );
      expect(obj(obj(env.get('DATABASE_URL')?.valueFrom).secretKeyRef).key).toBe(
        'remediation-write-database-url',
      );
      expect(byKind(docs, 'ServiceMonitor').map(nameOf)).toContain('portcullis-remediation-write');
      const [rule] = byKind(docs, 'PrometheusRule');
      const kill = arr(obj(arr(obj(rule!.spec).groups)[0]).rules)
        .map(obj)
        .find((r) => r.alert === 'PortcullisKillSwitchEngaged')!;
      expect(String(kill.expr)).toContain('portcullis_kill_switch_engaged');
      // The operator endpoint never leaves the cluster: the Ingress carries only MCP paths.
      const ing = byKind(docs, 'Ingress').find((d) => nameOf(d) === 'portcullis-remediation-write');
      if (ing) expect(JSON.stringify(ing)).not.toContain('/admin');
    });

    describe('Security Hub sync CronJob (posture-read)', () => {
      const on = [
        '--set',
        'systems.posture-read.enabled=true',
        '--set',
        'systems.posture-read.securityHubSync.enabled=true',
        '--set',
        'systems.posture-read.securityHubSync.tenant=acme',
        '--set',
        'systems.posture-read.securityHubSync.regions={eu-west-1,us-east-2}',
      ];
      const jobPod = (job: Obj) => obj(obj(obj(obj(obj(job.spec).jobTemplate).spec).template).spec);

      it('is absent by default, even with posture-read enabled', () => {
        expect(byKind(template(), 'CronJob')).toEqual([]);
        expect(byKind(template('--set', 'systems.posture-read.enabled=true'), 'CronJob')).toEqual([]);
      });

      it("runs sync securityhub once per region, exec form, with the server pod's settings and lock-down", () => {
        const docs = template(
          ...on,
          '--set',
          'systems.posture-read.securityHubSync.since=2026-11-30T00:00:00Z',
        );
        const jobs = byKind(docs, 'CronJob');
        expect(jobs.map(nameOf).sort()).toEqual([
          'portcullis-posture-read-sync-eu-west-1',
          'portcullis-posture-read-sync-us-east-2',
        ]);
        const serverPod = podOf(docs, 'posture-read');
        const server = containerOf(docs, 'posture-read');
        for (const job of jobs) {
          const region = nameOf(job).replace('portcullis-posture-read-sync-', '');
          const spec = obj(job.spec);
          expect(spec.concurrencyPolicy).toBe('Forbid');
          expect(spec.schedule).toBe('17 * * * *');
          const pod = jobPod(job);
          expect(pod.restartPolicy).toBe('Never');
          expect(pod.serviceAccountName).toBe(serverPod.serviceAccountName);
          expect(pod.automountServiceAccountToken).toBe(false);
          expect(pod.securityContext).toEqual(serverPod.securityContext);
          const c = obj(arr(pod.containers)[0]);
          expect(c.securityContext).toEqual(server.securityContext);
          // No shell in the image: node runs the CLI directly.
          expect(c.command).toEqual(['node', 'servers/posture-read/dist/cli.js']);
          expect(c.args).toEqual([
            'sync',
            'securityhub',
            '--tenant',
            'acme',
            '--region',
            region,
            '--since',
            '2026-11-30T00:00:00Z',
          ]);
          expect(c.image).toBe(server.image);
          // The same environment as the server (DATABASE_URL from the same Secret key).
          expect(c.env).toEqual(server.env);
          expect(obj(obj(obj(obj(c.resources).limits))).memory).toBe('768Mi');
          // Its own scratch data volume: a server's ReadWriteOnce claim is never shared.
          const data = arr(pod.volumes)
            .map(obj)
            .find((v) => v.name === 'data');
          expect(data?.emptyDir).toBeDefined();
          expect(obj(obj(obj(job.metadata).labels))['app.kubernetes.io/component']).toBe(
            'posture-read-securityhub-sync',
          );
        }
        // Without --since when none is set.
        const plain = byKind(template(...on), 'CronJob')[0]!;
        expect(obj(arr(jobPod(plain).containers)[0]).args).toEqual([
          'sync',
          'securityhub',
          '--tenant',
          'acme',
          '--region',
          'eu-west-1',
        ]);
        // Its pods accept no connections and reach only DNS, PostgreSQL and HTTPS.
        const np = byKind(docs, 'NetworkPolicy').find((n) => nameOf(n) === 'portcullis-posture-read-sync')!;
        expect(obj(obj(np.spec).podSelector)).toEqual({
          matchLabels: {
            'app.kubernetes.io/name': 'portcullis',
            'app.kubernetes.io/instance': 'portcullis',
            'app.kubernetes.io/component': 'posture-read-securityhub-sync',
          },
        });
        expect(obj(np.spec).ingress).toEqual([]);
        const egress = arr(obj(np.spec).egress).flatMap((r) =>
          arr(obj(r).ports).map((p) => Number(obj(p).port)),
        );
        expect([...new Set(egress)].sort((a, b) => a - b)).toEqual([53, 443, 5432]);
      });

      it('is refused on the embedded store, and without a tenant or a region', () => {
        const embedded = [
          '--set',
          'datastores.secretName=',
          '--set',
          'config.audit=stderr',
          '--set',
          'defaults.replicas=1',
          '--set',
          'defaults.dataVolume.emptyDir=null',
          '--set',
          'defaults.dataVolume.persistentVolumeClaim.claimName=posture-data',
        ];
        // The same values render without the sync: the refusal is the sync's alone.
        expect(
          byKind(template(...embedded, '--set', 'systems.posture-read.enabled=true'), 'Deployment').length,
        ).toBe(3);
        expect(refused(...on, ...embedded)).toContain(
          'systems.posture-read.securityHubSync needs PostgreSQL (datastores.secretName or secretEnv.DATABASE_URL)',
        );
        expect(
          refused(
            '--set',
            'systems.posture-read.enabled=true',
            '--set',
            'systems.posture-read.securityHubSync.enabled=true',
            '--set',
            'systems.posture-read.securityHubSync.regions={eu-west-1}',
          ),
        ).toContain('securityHubSync.tenant is required');
        expect(
          refused(
            '--set',
            'systems.posture-read.enabled=true',
            '--set',
            'systems.posture-read.securityHubSync.enabled=true',
            '--set',
            'systems.posture-read.securityHubSync.tenant=acme',
          ),
        ).toContain('securityHubSync.regions is required');
        expect(refused(...on, '--set', 'systems.posture-read.securityHubSync.regions={Europe}')).toContain(
          'regions',
        );
      });
    });

    describe('admin port', () => {
      const ports = (c: Obj) => arr(c.ports).map(obj);
      const probePorts = (c: Obj) =>
        ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => obj(obj(c[p]).httpGet).port);
      const monitored = ['--set', 'serviceMonitor.enabled=true', '--set', 'ingress.enabled=true'];

      it('unset: probes, metrics and the ServiceMonitor stay on the MCP port, no PORTCULLIS_ADMIN_PORT', () => {
        const docs = template(...monitored);
        for (const system of SHIPPED) {
          const c = containerOf(docs, system);
          expect(envOf(c).has('PORTCULLIS_ADMIN_PORT')).toBe(false);
          expect(ports(c).map((p) => p.name)).toEqual(['http']);
          expect(probePorts(c)).toEqual(['http', 'http', 'http']);
          const svc = byKind(docs, 'Service').find((s) => nameOf(s) === `portcullis-${system}`)!;
          expect(arr(obj(svc.spec).ports).map((p) => obj(p).name)).toEqual(['http']);
        }
        for (const m of byKind(docs, 'ServiceMonitor'))
          expect(obj(arr(obj(m.spec).endpoints)[0]).port).toBe('http');
      });

      it('set: PORTCULLIS_ADMIN_PORT, an admin containerPort, probes and scraping on it, MCP paths only outside', () => {
        const docs = template(
          ...monitored,
          '--set',
          'defaults.adminPort=9464',
          '--set',
          'systems.crm.adminPort=9465',
        );
        const expectAdmin: Record<string, number> = { crm: 9465, billing: 9464 };
        for (const system of SHIPPED) {
          const admin = expectAdmin[system]!;
          const c = containerOf(docs, system);
          expect(envOf(c).get('PORTCULLIS_ADMIN_PORT')?.value).toBe(String(admin));
          expect(ports(c)).toEqual([
            { name: 'http', containerPort: PORTS[system], protocol: 'TCP' },
            { name: 'admin', containerPort: admin, protocol: 'TCP' },
          ]);
          expect(probePorts(c)).toEqual(['admin', 'admin', 'admin']);
          const dep = byKind(docs, 'Deployment').find((d) => nameOf(d) === `portcullis-${system}`)!;
          expect(obj(obj(obj(obj(dep.spec).template).metadata).annotations)['prometheus.io/port']).toBe(
            String(admin),
          );
          const svc = byKind(docs, 'Service').find((s) => nameOf(s) === `portcullis-${system}`)!;
          expect(arr(obj(svc.spec).ports).map(obj)).toEqual([
            { name: 'http', port: PORTS[system], targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
            { name: 'metrics', port: admin, targetPort: 'admin', protocol: 'TCP', appProtocol: 'http' },
          ]);
          const np = byKind(docs, 'NetworkPolicy').find((n) => nameOf(n) === `portcullis-${system}`)!;
          expect(arr(obj(arr(obj(np.spec).ingress)[0]).ports)).toEqual([
            { port: 'http', protocol: 'TCP' },
            { port: 'admin', protocol: 'TCP' },
          ]);
          // The Ingress still sends only the MCP paths, and to the MCP port.
          const ing = byKind(docs, 'Ingress').find((d) => nameOf(d) === `portcullis-${system}`)!;
          const paths = arr(obj(obj(arr(obj(ing.spec).rules)[0]).http).paths).map(obj);
          expect(paths.map((p) => p.path)).toEqual(['/mcp', '/.well-known/oauth-protected-resource']);
          for (const p of paths) expect(obj(obj(obj(p.backend).service).port)).toEqual({ name: 'http' });
        }
        for (const m of byKind(docs, 'ServiceMonitor'))
          expect(arr(obj(m.spec).endpoints)).toEqual([
            { port: 'metrics', path: '/metrics', interval: '30s' },
          ]);
        expect(refused('--set', 'defaults.adminPort=7301')).toContain('systems.crm.adminPort must differ');
      });
    });

    describe('rendered settings start the real servers', () => {
      let sm: FakeSecretsManager;
      const approvalSecret = 'a'.repeat(24) + 'B'.repeat(24);
      beforeAll(async () => {
        const auditSecret = 'k'.repeat(24) + 'Q'.repeat(24);
        sm = await startFakeSecretsManager({
          'portcullis/billing': JSON.stringify({ approval_key: approvalSecret, audit_key: auditSecret }),
          'portcullis/crm': JSON.stringify({ audit_key: auditSecret }),
          'portcullis/posture-read': JSON.stringify({ audit_key: auditSecret }),
        });
      });
      afterAll(async () => sm?.close());

      for (const system of [...SHIPPED, 'posture-read']) {
        const built = existsSync(join(ROOT, 'servers', system, 'dist', 'cli.js'));
        it.skipIf(!built)(
          `${system}${built ? '' : ` (skipped: servers/${system}/dist/cli.js is not built)`}`,
          async () => {
            const docs = template('--set', 'systems.posture-read.enabled=true');
            const dep = byKind(docs, 'Deployment').find((d) => nameOf(d) === `portcullis-${system}`)!;
            const c = obj(arr(obj(obj(obj(dep.spec).template).spec).containers)[0]);
            const env: Record<string, string> = {};
            for (const e of arr(c.env).map(obj))
              if (typeof e.value === 'string') env[String(e.name)] = e.value;
            const data = mkdtempSync(join(tmpdir(), `portcullis-${system}-`));
            const args = (c.args as string[]).map((a, i, all) =>
              all[i - 1] === '--host' ? '127.0.0.1' : all[i - 1] === '--port' ? '0' : a,
            );
            const [cmd, ...cmdArgs] = c.command as string[];
            expect(cmd).toBe('node');
            const child = spawn(process.execPath, [...cmdArgs, ...args], {
              cwd: ROOT,
              env: {
                PATH: process.env.PATH ?? '',
                HOME: data,
                ...env,
                PORTCULLIS_DATA_DIR: data,
                AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
                AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
                AWS_SECRET_ACCESS_KEY: 'test-secret',
                AWS_EC2_METADATA_DISABLED: 'true',
              },
              stdio: ['ignore', 'ignore', 'pipe'],
            });
            let stderr = '';
            const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
            try {
              const url = await new Promise<string>((resolveUrl, reject) => {
                const timer = setTimeout(
                  () => reject(new Error(`no "serving" line in 60 s:\n${stderr}`)),
                  60_000,
                );
                child.stderr.on('data', (b: Buffer) => {
                  stderr += b.toString();
                  const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/mcp"/.exec(stderr);
                  if (m?.[1]) {
                    clearTimeout(timer);
                    resolveUrl(m[1]);
                  }
                });
                void exited.then((code) => reject(new Error(`exited ${code} before serving:\n${stderr}`)));
              });
              expect((await fetch(`${url}/healthz`)).status).toBe(200);
              // The server listens before start-up finishes (PGlite, migrations): poll, as the readiness probe does.
              let ready = await fetch(`${url}/readyz`);
              for (let i = 0; i < 120 && ready.status !== 200; i++) {
                await new Promise((r) => setTimeout(r, 500));
                ready = await fetch(`${url}/readyz`);
              }
              expect(ready.status, await ready.text()).toBe(200);
              // JWT auth is on, and the challenge names the public URL the chart set.
              const denied = await fetch(`${url}/mcp`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: '{}',
              });
              expect(denied.status).toBe(401);
              expect(denied.headers.get('www-authenticate')).toContain(
                `resource_metadata="${env.PORTCULLIS_PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`,
              );
              expect((await fetch(`${url}/metrics`)).status).toBe(200);
              if (system === 'billing') expect(sm.calls('GetSecretValue')).toBeGreaterThan(0);
              expect(stderr).not.toContain(approvalSecret);
              child.kill('SIGTERM');
              expect(await exited).toBe(0);
            } finally {
              if (child.exitCode === null) child.kill('SIGKILL');
              rmSync(data, { recursive: true, force: true });
            }
          },
          // PGlite's first start and migrations: seconds on an idle machine, minutes on a loaded one.
          180_000,
        );
      }
    });

    const containerOf = (docs: Obj[], system: string): Obj => {
      const dep = byKind(docs, 'Deployment').find((d) => nameOf(d) === `portcullis-${system}`)!;
      return obj(arr(obj(obj(obj(dep.spec).template).spec).containers)[0]);
    };
    const podOf = (docs: Obj[], system: string): Obj => {
      const dep = byKind(docs, 'Deployment').find((d) => nameOf(d) === `portcullis-${system}`)!;
      return obj(obj(obj(dep.spec).template).spec);
    };
    const envOf = (c: Obj) =>
      new Map(
        arr(c.env)
          .map(obj)
          .map((e) => [String(e.name), e]),
      );

    it('takes credentials from Kubernetes Secrets: secretFiles, secretEnv, extraEnvFrom, extra volumes', () => {
      const docs = template(
        '--set',
        'systems.billing.approvalKey=file:/etc/portcullis/secrets/billing/approval-key',
        '--set',
        'systems.billing.secretFiles[0].secretName=billing-keys',
        '--set',
        'systems.billing.secretFiles[0].mountPath=/etc/portcullis/secrets/billing',
        '--set',
        'systems.billing.secretFiles[0].items[0].key=approval-key',
        '--set',
        'systems.billing.secretFiles[0].items[0].path=approval-key',
        '--set',
        'systems.billing.secretEnv.STRIPE_KEY_VALUE.secretName=billing-stripe',
        '--set',
        'systems.billing.secretEnv.STRIPE_KEY_VALUE.key=key',
        '--set',
        'systems.billing.credentials.BILLING_STRIPE_KEY=env:STRIPE_KEY_VALUE',
        '--set',
        'systems.billing.secretEnv.DATABASE_URL.secretName=billing-db',
        '--set',
        'systems.billing.secretEnv.DATABASE_URL.key=url',
        '--set',
        'systems.billing.extraEnvFrom[0].secretRef.name=billing-extra',
        '--set',
        'systems.billing.extraVolumes[0].name=ca',
        '--set',
        'systems.billing.extraVolumes[0].configMap.name=corp-ca',
        '--set',
        'systems.billing.extraVolumeMounts[0].name=ca',
        '--set',
        'systems.billing.extraVolumeMounts[0].mountPath=/etc/corp-ca',
      );
      checkDeployments(docs, ['crm', 'billing']);
      const c = containerOf(docs, 'billing');
      const env = envOf(c);
      expect(env.get('PORTCULLIS_APPROVAL_KEY')?.value).toBe(
        'file:/etc/portcullis/secrets/billing/approval-key',
      );
      expect(env.get('BILLING_STRIPE_KEY')?.value).toBe('env:STRIPE_KEY_VALUE');
      expect(obj(env.get('STRIPE_KEY_VALUE')?.valueFrom).secretKeyRef).toEqual({
        name: 'billing-stripe',
        key: 'key',
      });
      // secretEnv.DATABASE_URL replaces the datastores Secret's key, once.
      expect(arr(c.env).filter((e) => obj(e).name === 'DATABASE_URL')).toHaveLength(1);
      expect(obj(env.get('DATABASE_URL')?.valueFrom).secretKeyRef).toEqual({
        name: 'billing-db',
        key: 'url',
      });
      expect(c.envFrom).toEqual([{ secretRef: { name: 'billing-extra' } }]);
      const mounts = arr(c.volumeMounts).map(obj);
      expect(mounts).toContainEqual({
        name: 'secret-files-0',
        mountPath: '/etc/portcullis/secrets/billing',
        readOnly: true,
      });
      expect(mounts).toContainEqual({ name: 'ca', mountPath: '/etc/corp-ca' });
      const vols = arr(podOf(docs, 'billing').volumes).map(obj);
      expect(vols).toContainEqual({
        name: 'secret-files-0',
        secret: {
          secretName: 'billing-keys',
          defaultMode: 0o440,
          items: [{ key: 'approval-key', path: 'approval-key' }],
        },
      });
      expect(vols).toContainEqual({ name: 'ca', configMap: { name: 'corp-ca' } });
      // crm is untouched by billing's settings.
      expect(containerOf(docs, 'crm').envFrom).toBeUndefined();
    });

    it('runs on a PostgreSQL URL from secretEnv alone, and refuses the URLs as plain references', () => {
      const docs = template(
        '--set',
        'datastores.secretName=',
        '--set',
        'systems.crm.secretEnv.DATABASE_URL.secretName=crm-db',
        '--set',
        'systems.crm.secretEnv.DATABASE_URL.key=url',
        '--set',
        'systems.crm.secretEnv.REDIS_URL.secretName=redis',
        '--set',
        'systems.crm.secretEnv.REDIS_URL.key=url',
        '--set',
        'systems.billing.enabled=false',
      );
      const env = envOf(containerOf(docs, 'crm'));
      expect(obj(env.get('DATABASE_URL')?.valueFrom).secretKeyRef).toEqual({ name: 'crm-db', key: 'url' });
      expect(obj(env.get('REDIS_URL')?.valueFrom).secretKeyRef).toEqual({ name: 'redis', key: 'url' });
      expect(refused('--set', 'systems.crm.credentials.DATABASE_URL=file:/run/db-url')).toContain(
        'secretEnv.DATABASE_URL',
      );
      expect(
        refused(
          '--set',
          'systems.crm.secretEnv.PORTCULLIS_AUTH.secretName=x',
          '--set',
          'systems.crm.secretEnv.PORTCULLIS_AUTH.key=y',
        ),
      ).toContain('systems.crm.secretEnv.PORTCULLIS_AUTH is set by the chart');
    });

    it('gives the data volume exactly one source', () => {
      const docs = template('--set', 'systems.crm.dataVolume.persistentVolumeClaim.claimName=crm-data');
      const data = arr(podOf(docs, 'crm').volumes)
        .map(obj)
        .find((v) => v.name === 'data');
      expect(data).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'crm-data' } });
      // Overriding the default's source without clearing the other is caught by the schema.
      expect(refused('--set', 'defaults.dataVolume.persistentVolumeClaim.claimName=x')).toContain(
        '/defaults/dataVolume',
      );
      const both = template(
        '--set',
        'defaults.dataVolume.persistentVolumeClaim.claimName=x',
        '--set',
        'defaults.dataVolume.emptyDir=null',
      );
      for (const system of SHIPPED)
        expect(
          arr(podOf(both, system).volumes)
            .map(obj)
            .find((v) => v.name === 'data'),
        ).toEqual({
          name: 'data',
          persistentVolumeClaim: { claimName: 'x' },
        });
    });

    it('refuses what cannot work: sessions across replicas, an ephemeral embedded store, secret literals, chart-set keys', () => {
      expect(refused('--set', 'config.httpMode=stateful')).toContain('config.sessionAffinity.enabled');
      expect(refused('--set', 'config.legacySse=true')).toContain('config.legacySse');
      expect(
        refused(
          '--set',
          'config.legacySse=true',
          '--set',
          'defaults.replicas=1',
          '--set',
          'defaults.autoscaling.enabled=true',
        ),
      ).toContain('config.legacySse');
      const sticky = template(
        '--set',
        'config.httpMode=stateful',
        '--set',
        'config.legacySse=true',
        '--set',
        'config.sessionAffinity.enabled=true',
      );
      for (const svc of byKind(sticky, 'Service')) expect(obj(svc.spec).sessionAffinity).toBe('ClientIP');
      expect(
        byKind(template('--set', 'config.legacySse=true', '--set', 'defaults.replicas=1'), 'Deployment'),
      ).toHaveLength(2);

      const embedded = [
        '--set',
        'datastores.secretName=',
        '--set',
        'config.audit=stderr',
        '--set',
        'defaults.replicas=1',
      ];
      expect(refused(...embedded)).toContain('needs a persistent volume');
      // Production as the servers read it (isProduction): any case.
      expect(refused(...embedded, '--set', 'config.nodeEnv=Production')).toContain(
        'needs a persistent volume',
      );
      expect(
        byKind(
          template(
            ...embedded,
            '--set',
            'defaults.dataVolume.emptyDir=null',
            '--set',
            'defaults.dataVolume.persistentVolumeClaim.claimName=data',
          ),
          'Deployment',
        ),
      ).toHaveLength(2);
      expect(byKind(template(...embedded, '--set', 'config.nodeEnv=development'), 'Deployment')).toHaveLength(
        2,
      );

      for (const name of ['CRM_WEBHOOK_KEY', 'CRM_SIGNING_SECRET', 'CRM_SERVICE_TOKEN', 'CRM_ADMIN_PASSWORD'])
        expect(refused('--set', `systems.crm.env.${name}=literal-value`)).toContain(
          `systems.crm.env.${name}`,
        );
      expect(refused('--set', 'config.extraEnv.GLOBAL_API_TOKEN=literal')).toContain(
        'config.extraEnv.GLOBAL_API_TOKEN',
      );
      expect(refused('--set', 'config.extraEnv.NODE_ENV=development')).toContain(
        'config.extraEnv.NODE_ENV is set by the chart',
      );
      expect(refused('--set', 'systems.crm.env.PORTCULLIS_AUTH=none')).toContain(
        'systems.crm.env.PORTCULLIS_AUTH is set by the chart',
      );
      // A system this repository builds no image for (the broker renders since it landed).
      expect(
        refused(
          '--set',
          'systems.erp.enabled=true',
          '--set',
          'systems.erp.port=7399',
          '--set',
          'systems.erp.publicUrl=https://erp.mcp.example.com',
        ),
      ).toContain('builds no erp image');
    });

    it('never seeds demo data in production', () => {
      const docs = template();
      expect(envOf(containerOf(docs, 'crm')).get('CRM_SEED')?.value).toBe('none');
      expect(envOf(containerOf(docs, 'billing')).get('BILLING_SEED')?.value).toBe('none');
      const rw = template('--set', 'systems.remediation-write.enabled=true');
      expect(envOf(containerOf(rw, 'remediation-write')).get('REMEDIATION_SEED')?.value).toBe('none');
    });

    it('exposes only the MCP paths through Ingress and HTTPRoute', () => {
      const paths = (docs: Obj[], system: string) => {
        const ing = byKind(docs, 'Ingress').find((d) => nameOf(d) === `portcullis-${system}`)!;
        const rule = obj(arr(obj(ing.spec).rules)[0]);
        const fromIngress = arr(obj(rule.http).paths).map((p) => String(obj(p).path));
        const route = byKind(docs, 'HTTPRoute').find((d) => nameOf(d) === `portcullis-${system}`)!;
        const fromRoute = arr(obj(arr(obj(route.spec).rules)[0]).matches).map((m) =>
          String(obj(obj(m).path).value),
        );
        expect(fromRoute).toEqual(fromIngress);
        expect(rule.host).toBe(`${system}.mcp.example.com`);
        expect(arr(obj(route.spec).parentRefs)).toEqual([{ name: 'gw', namespace: 'gateways' }]);
        return fromIngress;
      };
      const on = [
        '--set',
        'ingress.enabled=true',
        '--set',
        'httpRoute.enabled=true',
        '--set',
        'httpRoute.parentRefs[0].name=gw',
        '--set',
        'httpRoute.parentRefs[0].namespace=gateways',
      ];
      const docs = template(...on);
      for (const system of SHIPPED)
        expect(paths(docs, system)).toEqual(['/mcp', '/.well-known/oauth-protected-resource']);
      const more = template(
        ...on,
        '--set',
        'config.legacySse=true',
        '--set',
        'config.exposeApprovals=true',
        '--set',
        'defaults.replicas=1',
      );
      expect(paths(more, 'billing')).toEqual([
        '/mcp',
        '/.well-known/oauth-protected-resource',
        '/sse',
        '/messages',
        '/approvals',
      ]);
      expect(paths(more, 'crm')).toEqual([
        '/mcp',
        '/.well-known/oauth-protected-resource',
        '/sse',
        '/messages',
      ]);
      for (const p of [...paths(more, 'billing'), ...paths(more, 'crm')])
        expect(p).not.toMatch(/metrics|healthz|readyz/);
      expect(refused('--set', 'httpRoute.enabled=true')).toContain('httpRoute.parentRefs');
      expect(byKind(template(), 'Ingress')).toEqual([]);
    });

    it('monitors with a ServiceMonitor and alerts only on metrics the kit exports', () => {
      const docs = template('--set', 'serviceMonitor.enabled=true', '--set', 'prometheusRule.enabled=true');
      const monitors = byKind(docs, 'ServiceMonitor');
      expect(monitors.map(nameOf).sort()).toEqual(['portcullis-billing', 'portcullis-crm']);
      for (const m of monitors)
        expect(arr(obj(m.spec).endpoints)).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
      const [rule] = byKind(docs, 'PrometheusRule');
      const rules = arr(obj(arr(obj(rule!.spec).groups)[0]).rules).map(obj);
      expect(rules.map((r) => r.alert)).toEqual(
        expect.arrayContaining([
          'PortcullisErrorRateHigh',
          'PortcullisLatencyP95High',
          'PortcullisPolicyDenialSpike',
          'PortcullisUpstreamDegraded',
          'PortcullisAuditWriteFailing',
          'PortcullisKillSwitchEngaged',
          'PortcullisMemoryNearLimit',
        ]),
      );
      const exported = exportedMetrics();
      expect(exported.size).toBeGreaterThan(3);
      for (const r of rules) {
        for (const [used] of String(r.expr).matchAll(/portcullis_[a-z_]+/g)) {
          const base = used.replace(/_(bucket|sum|count)$/, '');
          expect(
            exported.has(used) || exported.has(base),
            `${String(r.alert)} uses ${used}, which the kit does not export`,
          ).toBe(true);
        }
      }
      expect(String(rules.find((r) => r.alert === 'PortcullisErrorRateHigh')?.expr)).toContain('> 0.01');
      expect(String(rules.find((r) => r.alert === 'PortcullisLatencyP95High')?.expr)).toContain('> 2');
      expect(String(rules.find((r) => r.alert === 'PortcullisMemoryNearLimit')?.expr)).toContain('> 0.8');
    });

    it('has a helm test pod per system whose script lists the tools of a real server', async () => {
      expect(byKind(template(), 'Pod')).toEqual([]);
      const docs = template('--set', 'tests.tokenSecret.name=portcullis-test-token');
      const pods = byKind(docs, 'Pod');
      expect(pods.map(nameOf).sort()).toEqual([
        'portcullis-billing-test-list-tools',
        'portcullis-crm-test-list-tools',
      ]);
      const pod = pods.find((p) => nameOf(p) === 'portcullis-crm-test-list-tools')!;
      expect(obj(obj(pod.metadata).annotations)['helm.sh/hook']).toBe('test');
      const c = obj(arr(obj(pod.spec).containers)[0]);
      expect(obj(c.securityContext).readOnlyRootFilesystem).toBe(true);
      expect(envOf(c).get('MCP_URL')?.value).toBe('http://portcullis-crm:7301/mcp');
      const built = existsSync(join(ROOT, 'servers/crm/dist/cli.js'));
      if (!built) return;
      // The pod's script, run here against the built CRM server with API-key auth.
      const data = mkdtempSync(join(tmpdir(), 'portcullis-helm-test-'));
      const { key, record } = generateApiKey({ principal: 'helm-test', roles: ['viewer'], tenant: 'acme' });
      writeFileSync(join(data, 'api-keys.json'), JSON.stringify([record]));
      const server = spawn(
        process.execPath,
        ['servers/crm/dist/cli.js', '--transport', 'http', '--port', '0'],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            PORTCULLIS_AUTH: 'apikey',
            PORTCULLIS_API_KEYS_FILE: join(data, 'api-keys.json'),
            PORTCULLIS_DATA_DIR: data,
            CRM_SEED: 'none',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      try {
        let stderr = '';
        const url = await new Promise<string>((res, rej) => {
          const t = setTimeout(() => rej(new Error(`no serving line:\n${stderr}`)), 150_000);
          server.stderr.on('data', (b: Buffer) => {
            stderr += b.toString();
            const m = /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(stderr);
            if (m?.[1]) {
              clearTimeout(t);
              res(m[1]);
            }
          });
        });
        const [cmd, ...cmdArgs] = c.command as string[];
        expect(cmd).toBe('node');
        const runTest = (token: string) =>
          new Promise<{ code: number | null; out: string }>((res) => {
            const p = spawn(process.execPath, [...cmdArgs, ...(c.args as string[])], {
              env: { PATH: process.env.PATH ?? '', MCP_URL: url, MCP_TOKEN: token },
              stdio: ['ignore', 'pipe', 'pipe'],
            });
            let out = '';
            p.stdout.on('data', (b: Buffer) => (out += b.toString()));
            p.stderr.on('data', (b: Buffer) => (out += b.toString()));
            p.on('exit', (code) => res({ code, out }));
          });
        const ok = await runTest(key);
        expect(ok.code, ok.out).toBe(0);
        expect(ok.out).toMatch(/^portcullis-crm: \d+ tools: .*crm_search_accounts/m);
        const bad = await runTest('pk_000000000000_wrong');
        expect(bad.code).not.toBe(0);
        expect(bad.out).toContain('HTTP 401');
      } finally {
        server.kill('SIGKILL');
        rmSync(data, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      }
    }, 180_000);

    it('documents every value in the chart README, generated and not drifted', () => {
      const dir = mkdtempSync(join(tmpdir(), 'portcullis-readme-'));
      try {
        cpSync(join(CHART, 'values.yaml'), join(dir, 'values.yaml'));
        cpSync(join(CHART, 'README.md'), join(dir, 'README.md'));
        const gen = spawnSync(
          process.execPath,
          [
            join(ROOT, 'node_modules/@bitnami/readme-generator-for-helm/bin/index.js'),
            '-v',
            join(dir, 'values.yaml'),
            '-r',
            join(dir, 'README.md'),
          ],
          { encoding: 'utf8', timeout: 60_000 },
        );
        expect(gen.status, gen.stdout + gen.stderr).toBe(0);
        expect(gen.stdout + gen.stderr).toContain('Metadata is correct');
        const fmt = spawnSync(
          process.execPath,
          [join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--write', join(dir, 'README.md')],
          {
            cwd: ROOT,
            encoding: 'utf8',
          },
        );
        expect(fmt.status, fmt.stderr).toBe(0);
        expect(
          readFileSync(join(dir, 'README.md'), 'utf8'),
          'deploy/helm/portcullis/README.md is stale: run npm run readme -w @portcullis/test-deploy',
        ).toBe(read('deploy/helm/portcullis/README.md'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses settings that would leak a secret or not start, naming the value', () => {
      expect(refused('--set', 'systems.crm.credentials.CRM_HUBSPOT_TOKEN=pat-na1-0123')).toContain(
        'CRM_HUBSPOT_TOKEN',
      );
      expect(refused('--set', 'systems.crm.env.CRM_HUBSPOT_TOKEN=pat-na1-0123')).toContain(
        'systems.crm.env.CRM_HUBSPOT_TOKEN',
      );
      expect(refused('--set', 'systems.billing.approvalKey=')).toContain(
        'systems.billing.approvalKey is required',
      );
      expect(refused('--set', 'systems.billing.approvalKey=plain-signing-key')).toContain('approvalKey');
      expect(refused('--set', 'config.shutdownTimeoutMs=30000')).toContain('terminationGracePeriodSeconds');
      expect(refused('--set', 'auth.mode=none')).toContain('auth');
      expect(refused('--set', 'auth.jwt.jwksUrl=')).toContain('auth.jwt.jwksUrl');
      expect(refused('--set', 'datastores.secretName=')).toContain('datastores.secretName');
      expect(refused('--set', 'systems.crm.policies.crm\\.cedar=forbid')).toContain('schema.cedarschema');
    });
  },
);

// -------------------------------------------------------------------------------------------
describe('client configurations', () => {
  /** What the clients point at must be the server's real CLI: its package's bin, built. */
  function checkCliPath(system: string, path: string): void {
    expect(path).toMatch(new RegExp(`^/ABSOLUTE/PATH/TO/portcullis/servers/${system}/dist/cli\\.js$`));
    const rel = path.replace('/ABSOLUTE/PATH/TO/portcullis/', '');
    const pkg = JSON.parse(read(`servers/${system}/package.json`)) as { bin: Record<string, string> };
    // The package's bin is a committed entry that imports the built CLI (npm links it before a build).
    const bin = `servers/${system}/${pkg.bin[`portcullis-${system}`]}`;
    expect(read(bin)).toContain(`new URL('../${rel.replace(`servers/${system}/`, '')}', import.meta.url)`);
  }

  const desktop = obj(JSON.parse(read('deploy/clients/claude_desktop_config.json')));

  it('Claude Desktop: stdio entries for crm and billing with a local identity', () => {
    const servers = obj(desktop.mcpServers);
    expect(Object.keys(servers).sort()).toEqual(['portcullis-billing', 'portcullis-crm']);
    for (const system of SHIPPED) {
      const s = obj(servers[`portcullis-${system}`]);
      expect(s.command).toBe('node');
      expect(arr(s.args).length).toBe(1);
      checkCliPath(system, String(arr(s.args)[0]));
      const env = obj(s.env);
      for (const k of ['PORTCULLIS_PRINCIPAL', 'PORTCULLIS_ROLES', 'PORTCULLIS_TENANT'])
        expect(env[k], k).toEqual(expect.stringMatching(/\S/));
      for (const k of Object.keys(env)) expect(SECRET_NAME.test(k), k).toBe(false);
    }
  });

  for (const system of SHIPPED) {
    const hasSource = existsSync(join(ROOT, 'servers', system, 'src', 'cli.ts'));
    it.skipIf(!hasSource)(
      `the configured CLI servers/${system}/dist/cli.js is built and runs${hasSource ? '' : ` (skipped: servers/${system}/src/cli.ts does not exist yet)`}`,
      () => {
        const cli = join(ROOT, 'servers', system, 'dist', 'cli.js');
        expect(existsSync(cli), `${cli} missing: run npm run build`).toBe(true);
        const r = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8', timeout: 30_000 });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      },
    );
  }

  it('HTTP config: /mcp URLs with a bearer token taken from the environment', () => {
    const servers = obj(obj(JSON.parse(read('deploy/clients/mcp-http.json'))).mcpServers);
    expect(Object.keys(servers).length).toBeGreaterThanOrEqual(2);
    for (const [name, s] of Object.entries(servers)) {
      const entry = obj(s);
      expect(entry.type).toBe('http');
      const url = new URL(String(entry.url));
      expect(url.pathname).toBe('/mcp');
      if (url.protocol === 'http:') {
        expect(['localhost', '127.0.0.1']).toContain(url.hostname);
        const system = name.replace(/^portcullis-/, '').replace(/-local$/, '');
        expect(Number(url.port)).toBe(PORTS[system]);
      } else {
        expect(url.protocol).toBe('https:');
      }
      expect(obj(entry.headers).Authorization).toMatch(/^Bearer \$\{[A-Z_]+\}$/);
    }
  });

  it('Claude Code script: valid bash, server names before the variadic flags, no tokens inside', () => {
    const path = join(DEPLOY, 'clients', 'claude-code-add.sh');
    expect(spawnSync('bash', ['-n', path]).status).toBe(0);
    const text = readFileSync(path, 'utf8');
    const adds = text.match(/claude mcp add \S+/g) ?? [];
    expect(adds.sort()).toEqual([
      'claude mcp add portcullis-billing',
      'claude mcp add portcullis-billing',
      'claude mcp add portcullis-crm',
      'claude mcp add portcullis-crm',
    ]);
    for (const system of SHIPPED) expect(text).toContain(`"\${repo}/servers/${system}/dist/cli.js"`);
    expect(text).not.toMatch(/pk_[a-z0-9]{8,}_|eyJ[A-Za-z0-9_-]{10,}/);
  });
});

describe('Grafana dashboard (deploy/grafana)', () => {
  it('is valid dashboard JSON whose every query uses only metrics the kit exports', () => {
    const dash = JSON.parse(read('deploy/grafana/portcullis-dashboard.json')) as {
      title: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dash.title).toBe('Portcullis');
    expect(dash.panels.length).toBeGreaterThanOrEqual(8);
    const exported = exportedMetrics();
    expect(exported).toContain('portcullis_kill_switch_engaged');
    const used = new Set<string>();
    for (const p of dash.panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets)
        for (const [m] of t.expr.matchAll(/portcullis_[a-z_]+/g)) {
          const base = m.replace(/_(bucket|sum|count)$/, '');
          expect(
            exported.has(m) || exported.has(base),
            `${p.title} uses ${m}, which the kit does not export`,
          ).toBe(true);
          used.add(base);
        }
    }
    // Every metric the kit exports has a panel.
    expect([...exported].filter((m) => !used.has(m))).toEqual([]);
  });
});
