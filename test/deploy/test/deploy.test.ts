/**
 * deploy/ is linted here rather than run: this machine has no container engine. The Dockerfile is
 * read and held to our image rules (hadolint too, when it is on PATH); the compose file is parsed
 * and checked for health checks and plaintext secrets; the Helm chart goes through `helm lint`
 * and `helm template` (when a helm binary is found) and every rendered Deployment is checked for
 * its security context, probes and resources; the client configurations must parse and point at
 * the servers' real CLIs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCredentialRef } from '@portcullis/core';
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

// AWS_ENDPOINT_URL_SECRETS_MANAGER names a service, not a secret.
const SECRET_NAME = /(secret(?!s_manager)|password|passwd|token|api_?key|private|credential|approval_key)/i;

const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');
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

  it('installs production dependencies with npm ci --omit=dev, never npm install', () => {
    const runs = df.all.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b[^&;]*--omit=dev/.test(r))).toBe(true);
    for (const r of runs) expect(r).not.toMatch(/\bnpm (install|i)\b/);
  });

  it('exposes the system port and refuses a SERVER/PORT pair that breaks the contract', () => {
    expect(finalArgs.get('SERVER')).toBe('crm');
    expect(finalArgs.get('PORT')).toBe(String(PORTS.crm));
    const expose = final.instructions.find((i) => i.keyword === 'EXPOSE');
    expect(expose && substitute(expose.args, finalArgs)).toBe(String(PORTS.crm));
    // The build stage's case statement maps every system to its contract port.
    const guard = df.all.find((i) => i.keyword === 'RUN' && i.args.includes('case "${SERVER}"'))?.args ?? '';
    for (const [system, port] of Object.entries(PORTS))
      expect(guard).toMatch(new RegExp(`\\b${system}\\) want=${port}\\b`));
    expect(finalEnv.get('PORTCULLIS_PORT')).toBe(String(PORTS.crm));
  });

  it('runs node servers/$SERVER/dist/cli.js over HTTP on 0.0.0.0 and the system port, as PID 1', () => {
    const entry = final.instructions.find((i) => i.keyword === 'ENTRYPOINT');
    expect(entry).toBeDefined();
    const argv = JSON.parse(entry!.args) as string[]; // exec form
    const script = argv.join(' ');
    expect(script).toContain(
      'exec node "servers/${PORTCULLIS_SERVER}/dist/cli.js" --transport http --host 0.0.0.0 --port "${PORTCULLIS_PORT}"',
    );
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

  it('runs crm, billing, postgres and redis, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual(['billing', 'crm', 'postgres', 'redis']);
    for (const [name, svc] of Object.entries(services)) {
      const hc = obj(obj(svc).healthcheck);
      expect(arr(hc.test).length, `${name} healthcheck`).toBeGreaterThan(0);
      expect(hc.interval, `${name} healthcheck interval`).toBeDefined();
    }
  });

  it('builds each server from deploy/Dockerfile with its contract port, hardened', () => {
    for (const system of SHIPPED) {
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
        /^postgres:\/\/portcullis:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/portcullis_[a-z]+$/,
      );
      expect(String(env.REDIS_URL)).toMatch(/^redis:\/\/redis:6379/);
    }
    expect(isCredentialRef(String(obj(obj(services.billing).environment).PORTCULLIS_APPROVAL_KEY))).toBe(
      true,
    );
  });

  it("waits for PostgreSQL's init scripts: pg_isready over TCP, not the init-time socket", () => {
    const test = arr(obj(obj(services.postgres).healthcheck).test).map(String);
    expect(test[0]).toBe('CMD-SHELL');
    expect(test[1]).toMatch(/^pg_isready -h 127\.0\.0\.1 /);
  });

  it('creates the database each server names', () => {
    const sql = read('deploy/compose/postgres-init.sql');
    for (const system of SHIPPED) {
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
        expect(c.args).toEqual(['--transport', 'http', '--host', '0.0.0.0', '--port', String(port)]);
        expect(arr(c.ports).map(obj)[0]).toMatchObject({ name: 'http', containerPort: port });

        const env = new Map(
          arr(c.env)
            .map(obj)
            .map((e) => [String(e.name), e]),
        );
        const val = (k: string) => env.get(k)?.value as string | undefined;
        expect(val('NODE_ENV')).toBe('production');
        expect(val('PORTCULLIS_DATA_DIR')).toBe('/var/lib/portcullis');
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
    describe('rendered settings start the real servers', () => {
      let sm: FakeSecretsManager;
      const approvalSecret = 'a'.repeat(24) + 'B'.repeat(24);
      beforeAll(async () => {
        sm = await startFakeSecretsManager({
          'portcullis/billing': JSON.stringify({ approval_key: approvalSecret }),
        });
      });
      afterAll(async () => sm?.close());

      for (const system of SHIPPED) {
        const built = existsSync(join(ROOT, 'servers', system, 'dist', 'cli.js'));
        it.skipIf(!built)(
          `${system}${built ? '' : ` (skipped: servers/${system}/dist/cli.js is not built)`}`,
          async () => {
            const docs = template();
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
        );
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
    expect(`servers/${system}/${pkg.bin[`portcullis-${system}`]}`).toBe(rel);
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
