/**
 * The posture-read part of the bench (a measurement, not a test): the import command's rate and
 * peak memory on a generated file of N findings (default 100,000; BENCH_POSTURE_N, 0 skips), and
 * search latency (open and medium and up, then by rule, by resource, a status none holds, a region
 * and a resource type none holds, one compliance control (with and without its framework, and with
 * a text), a text few findings hold, a text many hold, two texts without a trigram (tested finding
 * by finding, at most SCAN_WINDOW a call), two words every finding holds but never side by side;
 * assets with no filter, by account, exposed, a text few hold) and summary latency (by severity and
 * account, by framework, the compliance summary) on a store of 1,000 findings against one of N (the
 * summaries read every finding: no goal), then every filter alone and every two together (FILTERS,
 * PAIR_CALLS calls each), the worst ratios printed.
 * Goals: N imported within 60 s with peak memory under 300 MB; every search at N within 2x of
 * 1,000, the rows and the pairs.
 * Then the same file twice more (a re-import rewrites every finding's last-seen time): the times,
 * the data directory's size after each, and the reads at N once more (no goal: dead rows would show).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startInProcess } from '@portcullis/core/testing';
import { server } from '@portcullis/posture-read';
import { timeAlternating, withBoth } from './timing.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const POSTURE_CLI = join(ROOT, 'servers/posture-read/dist/cli.js');
const CALLS = 15;

function finding(i: number): string {
  const account = ['111111111111', '222222222222', '333333333333'][i % 3]!;
  return JSON.stringify({
    message: `Bench finding ${i}`,
    metadata: { event_code: `bench_check_${i % 60}`, product: { name: 'Prowler' }, version: '1.4.0' },
    severity_id: 1 + (i % 5),
    status_code: i % 4 === 0 ? 'PASS' : 'FAIL',
    status_detail: `detail ${i}`,
    unmapped: { compliance: { 'CIS-3.0': [`${1 + (i % 5)}.${i % 7}`], 'PCI-4.0': [`${1 + (i % 11)}.2.1`] } },
    finding_info: {
      uid: `bench-${i}`,
      title: `Bench check ${i % 60} on bucket ${i % 7000}`,
      desc: 'A generated finding.',
    },
    resources: [
      {
        region: 'us-east-1',
        name: `b-${i % 7000}`,
        type: 'AwsS3Bucket',
        uid: `arn:aws:s3:::bench-${account}-${i % 7000}`,
      },
    ],
    class_uid: 2004,
    cloud: { account: { uid: account } },
    time: 1764460800 + i,
  });
}

export async function writeFile(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) =>
    new Promise<void>((resolve) => {
      if (out.write(s)) resolve();
      else out.once('drain', () => resolve());
    });
  await write('[');
  for (let i = 0; i < n; i += 1000) {
    const part: string[] = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) part.push(`${j === 0 ? '' : ','}${finding(j)}`);
    await write(part.join(''));
  }
  await write(']');
  await new Promise<void>((resolve) => out.end(resolve));
}

/** A directory's size (files only), MB. */
function dirMB(path: string): number {
  let bytes = 0;
  for (const e of readdirSync(path, { withFileTypes: true, recursive: true }))
    if (e.isFile()) bytes += statSync(join(e.parentPath, e.name)).size;
  return bytes / 1e6;
}

/** Peak resident memory so far (VmHWM), MiB; null where /proc is not there. */
function peakMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function runImport(
  dataDir: string,
  file: string,
): Promise<{ ms: number; peak: number | null; out: string }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [POSTURE_CLI, 'import', '--tenant', 'bench', '--format', 'ocsf', file],
    {
      env: { PATH: process.env.PATH ?? '', PORTCULLIS_DATA_DIR: dataDir, PORTCULLIS_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  let peak: number | null = null;
  const poll = setInterval(() => {
    const p = peakMiB(child.pid);
    if (p !== null) peak = Math.max(peak ?? 0, p);
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`import exited ${code}: ${out.trim()}`);
  return { ms: performance.now() - started, peak, out: out.trim() };
}

interface Latencies {
  search: number;
  page2: number;
  summarize: number;
  byFramework: number;
  compliance: number;
  byRule: number;
  byResource: number;
  noneHeld: number;
  regionNone: number;
  typeNone: number;
  byControl: number;
  controlAlone: number;
  controlText: number;
  textFew: number;
  text: number;
  shortNone: number;
  shortMany: number;
  phraseNone: number;
  assets: number;
  assetsAccount: number;
  assetsExposed: number;
  assetsText: number;
}

/** The server in process on a store, as the bench's reads call it. */
const open = (dataDir: string) =>
  startInProcess(server, {
    dataDir,
    // A ceiling the bench's calls never reach (the default, 120 calls a minute per tool, is below
    // them); the limiter still runs on every call.
    env: {
      POSTURE_SEED: 'none',
      PORTCULLIS_RATE_PRINCIPAL_TOOL: '100000/60s',
      PORTCULLIS_RATE_TENANT: '100000/60s',
    },
    principal: { id: 'bench', roles: ['analyst'], tenant: 'bench' },
  });

/**
 * The search's filters, each a value the generated findings hold (the status a value none holds),
 * for the survey of every filter alone and every two together (pairLatencies).
 */
const FILTERS: Record<string, Record<string, unknown>> = {
  open: { status: ['open'] },
  suppressed: { status: ['suppressed'] },
  high: { severity_at_least: 'high' },
  source: { source: 'prowler' },
  account: { account: '222222222222' },
  region: { region: 'us-east-1' },
  type: { resource_type: 'AwsS3Bucket' },
  rule: { rule: 'bench_check_7' },
  resource: { resource_id: 'arn:aws:s3:::bench-222222222222-7' },
  framework: { framework: 'cis-aws-foundations-3.0' },
  control: { control: '1.4' },
  pci: { framework: 'pci-dss-4.0', control: '3.2.1' },
  text: { text: 'bucket 42' },
};
const PAIR_CALLS = 5;

/**
 * posture_search_findings with every filter of FILTERS alone and every two of them that set
 * different arguments, each timed PAIR_CALLS times on both stores (calls alternating): the label
 * and the two medians of each.
 */
async function pairLatencies(dirs: readonly [string, string]): Promise<[string, number, number][]> {
  return withBoth(dirs, open, async (hs) => {
    const names = Object.keys(FILTERS);
    const sets: string[][] = names.map((a) => [a]);
    for (let i = 0; i < names.length; i++)
      for (const b of names.slice(i + 1)) {
        const keys = Object.keys(FILTERS[b]!);
        if (!Object.keys(FILTERS[names[i]!]!).some((k) => keys.includes(k))) sets.push([names[i]!, b]);
      }
    const out: [string, number, number][] = [];
    for (const set of sets) {
      const args = Object.assign({ limit: 25 }, ...set.map((k) => FILTERS[k]));
      const [a, b] = await timeAlternating(hs, PAIR_CALLS, 'posture_search_findings', () => args);
      out.push([set.join(' + '), a, b]);
    }
    return out;
  });
}

/** The reads' median latencies on both stores, both servers up at once and their calls alternating. */
async function latencies(dirs: readonly [string, string]): Promise<[Latencies, Latencies]> {
  return withBoth(dirs, open, async (hs) => {
    const time = (name: string, args: (k: 0 | 1) => Record<string, unknown>) =>
      timeAlternating(hs, CALLS, name, args);
    const query = { status: ['open'], severity_at_least: 'medium', limit: 25 };
    const cursors: string[] = [];
    for (const h of hs) {
      const first = await h.callTool('posture_search_findings', query);
      cursors.push((first.structured as { next_cursor: string }).next_cursor);
    }
    const search = await time('posture_search_findings', () => query);
    const page2 = await time('posture_search_findings', (k) => ({ ...query, cursor: cursors[k] }));
    const summarize = await time('posture_summarize_findings', () => ({ group_by: ['severity', 'account'] }));
    const byRule = await time('posture_search_findings', () => ({ rule: 'bench_check_7', limit: 25 }));
    const byResource = await time('posture_search_findings', () => ({
      resource_id: 'arn:aws:s3:::bench-222222222222-7',
      limit: 25,
    }));
    const noneHeld = await time('posture_search_findings', () => ({ status: ['suppressed'], limit: 25 }));
    // Every generated finding is in us-east-1 and about an AwsS3Bucket: a value none holds is the
    // worst case for a filter without its own index (every finding tested, then counted).
    const regionNone = await time('posture_search_findings', () => ({ region: 'eu-west-3', limit: 25 }));
    const typeNone = await time('posture_search_findings', () => ({
      resource_type: 'AwsEc2Instance',
      limit: 25,
    }));
    // CIS 1.4: 1 finding in 35, every one informational (the generator maps severity 1 to the
    // controls 1.x), so all of them come last in page order: 28 of 1,000 and 2,857 of 100,000.
    const byControl = await time('posture_search_findings', () => ({
      framework: 'cis-aws-foundations-3.0',
      control: '1.4',
      limit: 25,
    }));
    // The same control without its framework: read as that control of each framework holding it.
    const controlAlone = await time('posture_search_findings', () => ({ control: '1.4', limit: 25 }));
    // With a text many findings hold: tested with the text, SCAN_WINDOW findings a call (as a
    // filter, the walk went on until SCAN_WINDOW of the control's findings, all last, were found).
    const controlText = await time('posture_search_findings', () => ({
      control: '1.4',
      text: 'bucket 42',
      limit: 25,
    }));
    // 1 finding of 1,000 and 15 of 100,000 (bucket 999 only: the generator's buckets stop at 6,999).
    const textFew = await time('posture_search_findings', () => ({ text: 'bucket 999', limit: 25 }));
    // 11 of 1,000 and 1,565 of 100,000 (buckets 42, 420-429 and 4200-4299).
    const text = await time('posture_search_findings', () => ({ text: 'bucket 42', limit: 25 }));
    // Two characters: no trigram for the index to look up, so findings are tested one by one, at
    // most SCAN_WINDOW (2,000) a call. "zq": none holds it (every finding tested before: the
    // worst case). "42": in the title or resource id of 1 in 20-30 findings.
    const shortNone = await time('posture_search_findings', () => ({ text: 'zq', limit: 25 }));
    const shortMany = await time('posture_search_findings', () => ({ text: '42', limit: 25 }));
    // Two words every finding holds ("arn:aws:s3:::..."), the phrase none: through the index alone,
    // every finding was a candidate and was tested.
    const phraseNone = await time('posture_search_findings', () => ({ text: 'aws arn', limit: 25 }));
    // Assets: 1,000 and 21,000 (7,000 buckets in each of 3 accounts), none exposed; b-6999 is 3
    // of 21,000 and none of 1,000.
    const assets = await time('posture_search_assets', () => ({ limit: 25 }));
    const assetsAccount = await time('posture_search_assets', () => ({ account: '222222222222', limit: 25 }));
    const assetsExposed = await time('posture_search_assets', () => ({ exposed: true, limit: 25 }));
    const assetsText = await time('posture_search_assets', () => ({ text: 'b-6999', limit: 25 }));
    const byFramework = await time('posture_summarize_findings', () => ({ group_by: ['framework'] }));
    const compliance = await time('posture_compliance_summary', () => ({}));
    return [0, 1].map((k) => ({
      search: search[k],
      page2: page2[k],
      summarize: summarize[k],
      byFramework: byFramework[k],
      compliance: compliance[k],
      byRule: byRule[k],
      byResource: byResource[k],
      noneHeld: noneHeld[k],
      regionNone: regionNone[k],
      typeNone: typeNone[k],
      byControl: byControl[k],
      controlAlone: controlAlone[k],
      controlText: controlText[k],
      textFew: textFew[k],
      text: text[k],
      shortNone: shortNone[k],
      shortMany: shortMany[k],
      phraseNone: phraseNone[k],
      assets: assets[k],
      assetsAccount: assetsAccount[k],
      assetsExposed: assetsExposed[k],
      assetsText: assetsText[k],
    })) as [Latencies, Latencies];
  });
}

export async function postureBench(log: (s?: string) => void, n: number): Promise<void> {
  if (n <= 0) return;
  const f0 = (x: number) => x.toFixed(0);
  const f1 = (x: number) => x.toFixed(1);
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  const base = mkdtempSync(join(tmpdir(), 'portcullis-bench-posture-'));
  try {
    log();
    log(
      `posture-read: import of ${n.toLocaleString('en')} generated OCSF findings (built CLI, embedded store)`,
    );
    const big = join(base, 'big.json');
    const small = join(base, 'small.json');
    await writeFile(big, n);
    await writeFile(small, 1000);
    const imp = await runImport(join(base, 'data-big'), big);
    const rate = n / (imp.ms / 1000);
    log(`  ${imp.out}`);
    log(
      `  ${f1(imp.ms / 1000)} s, ${f0(rate)} findings/s, peak memory ${imp.peak === null ? '?' : `${f0(imp.peak)} MiB`}`,
    );
    await runImport(join(base, 'data-small'), small);
    const [at1k, atN] = await latencies([join(base, 'data-small'), join(base, 'data-big')]);
    log(`  latency (median of ${CALLS}, in-process client, the two stores' calls alternating)`);
    log(`  ${''.padEnd(45)}1,000 findings   ${n.toLocaleString('en')} findings`);
    log(
      `    search, first page                       ${f1(at1k.search).padStart(8)} ms   ${f1(atN.search).padStart(8)} ms`,
    );
    log(
      `    search, second page (cursor)             ${f1(at1k.page2).padStart(8)} ms   ${f1(atN.page2).padStart(8)} ms`,
    );
    log(
      `    search, one rule (1 in 60)               ${f1(at1k.byRule).padStart(8)} ms   ${f1(atN.byRule).padStart(8)} ms`,
    );
    log(
      `    search, one resource                     ${f1(at1k.byResource).padStart(8)} ms   ${f1(atN.byResource).padStart(8)} ms`,
    );
    log(
      `    search, a status no finding has          ${f1(at1k.noneHeld).padStart(8)} ms   ${f1(atN.noneHeld).padStart(8)} ms`,
    );
    log(
      `    search, a region no finding is in        ${f1(at1k.regionNone).padStart(8)} ms   ${f1(atN.regionNone).padStart(8)} ms`,
    );
    log(
      `    search, a resource type none is about    ${f1(at1k.typeNone).padStart(8)} ms   ${f1(atN.typeNone).padStart(8)} ms`,
    );
    log(
      `    search, one control (1 in 35, all last)  ${f1(at1k.byControl).padStart(8)} ms   ${f1(atN.byControl).padStart(8)} ms`,
    );
    log(
      `    search, that control, no framework named ${f1(at1k.controlAlone).padStart(8)} ms   ${f1(atN.controlAlone).padStart(8)} ms`,
    );
    log(
      `    search, that control and a text          ${f1(at1k.controlText).padStart(8)} ms   ${f1(atN.controlText).padStart(8)} ms`,
    );
    log(
      `    search, a text few hold                  ${f1(at1k.textFew).padStart(8)} ms   ${f1(atN.textFew).padStart(8)} ms`,
    );
    log(
      `    search, a text many hold                 ${f1(at1k.text).padStart(8)} ms   ${f1(atN.text).padStart(8)} ms`,
    );
    log(
      `    search, a 2-letter text none holds       ${f1(at1k.shortNone).padStart(8)} ms   ${f1(atN.shortNone).padStart(8)} ms`,
    );
    log(
      `    search, a 2-digit text many hold         ${f1(at1k.shortMany).padStart(8)} ms   ${f1(atN.shortMany).padStart(8)} ms`,
    );
    log(
      `    search, words all hold, the phrase none  ${f1(at1k.phraseNone).padStart(8)} ms   ${f1(atN.phraseNone).padStart(8)} ms`,
    );
    log(
      `    assets, first page                       ${f1(at1k.assets).padStart(8)} ms   ${f1(atN.assets).padStart(8)} ms`,
    );
    log(
      `    assets, one account                      ${f1(at1k.assetsAccount).padStart(8)} ms   ${f1(atN.assetsAccount).padStart(8)} ms`,
    );
    log(
      `    assets, exposed (none is)                ${f1(at1k.assetsExposed).padStart(8)} ms   ${f1(atN.assetsExposed).padStart(8)} ms`,
    );
    log(
      `    assets, a text few hold                  ${f1(at1k.assetsText).padStart(8)} ms   ${f1(atN.assetsText).padStart(8)} ms`,
    );
    log(
      `    summarize by severity x account          ${f1(at1k.summarize).padStart(8)} ms   ${f1(atN.summarize).padStart(8)} ms`,
    );
    log(
      `    summarize by framework                   ${f1(at1k.byFramework).padStart(8)} ms   ${f1(atN.byFramework).padStart(8)} ms`,
    );
    log(
      `    compliance summary, every framework      ${f1(at1k.compliance).padStart(8)} ms   ${f1(atN.compliance).padStart(8)} ms`,
    );
    // Every search. A text tests at most TEXT_CANDIDATES candidates from the trigram index, then,
    // with more, at most SCAN_WINDOW findings in page order. The worst is printed with two
    // decimals and its row: at one decimal 1.96x and 2.03x both read 2.0, one met and one not.
    const [worstKey, worst] = (
      [
        'search',
        'page2',
        'byRule',
        'byResource',
        'noneHeld',
        'regionNone',
        'typeNone',
        'byControl',
        'controlAlone',
        'controlText',
        'textFew',
        'text',
        'shortNone',
        'shortMany',
        'phraseNone',
        'assets',
        'assetsAccount',
        'assetsExposed',
        'assetsText',
      ] as const
    )
      .map((k) => [k, atN[k] / at1k[k]] as const)
      .reduce((a, b) => (b[1] > a[1] ? b : a));
    // Every filter alone and every two together: a filter's own index can serve it alone and
    // still leave a pair to read most of the store.
    const pairs = (await pairLatencies([join(base, 'data-small'), join(base, 'data-big')]))
      .map(([label, a, b]) => ({ label, a, b, ratio: b / a }))
      .sort((x, y) => y.ratio - x.ratio);
    const within = pairs.filter((p) => p.ratio <= 2).length;
    log(
      `  every filter alone and every two together (${pairs.length} searches, median of ${PAIR_CALLS}), the worst:`,
    );
    for (const p of pairs.slice(0, 8))
      log(
        `    ${p.label.padEnd(41)}${f1(p.a).padStart(8)} ms   ${f1(p.b).padStart(8)} ms   ${p.ratio.toFixed(2)}x`,
      );
    log('  goals');
    log(
      `    import within 60 s                       ${f1(imp.ms / 1000).padStart(8)} s    ${verdict(imp.ms <= 60_000)}`,
    );
    log(
      `    peak memory under 300 MB                 ${imp.peak === null ? '       ?' : f0((imp.peak * 1048576) / 1e6).padStart(8)} MB   ${verdict(imp.peak !== null && imp.peak * 1.048576 < 300)}`,
    );
    log(
      `    searches at ${n.toLocaleString('en')} within 2x of 1,000 (the worst search)     ${worst.toFixed(2).padStart(6)} x    ${verdict(worst <= 2)} (${worstKey})`,
    );
    log(
      `    filters alone and in pairs within 2x                 ${within} of ${pairs.length}    ${verdict(within === pairs.length)} (worst ${pairs[0]?.label}, ${pairs[0]?.ratio.toFixed(2)}x)`,
    );
    // A re-import rewrites every finding; the first one needs room for the new versions, later
    // ones reuse what the import's VACUUM reclaimed, so the directory stops growing.
    const sizes = [dirMB(join(base, 'data-big'))];
    const times: number[] = [];
    for (let i = 0; i < 2; i++) {
      times.push((await runImport(join(base, 'data-big'), big)).ms);
      sizes.push(dirMB(join(base, 'data-big')));
    }
    const [, atN2] = await latencies([join(base, 'data-small'), join(base, 'data-big')]);
    log(
      `  the same file twice more: ${times.map((t) => f1(t / 1000)).join(' and ')} s; data directory ${sizes.map(f0).join(' -> ')} MB; at ${n.toLocaleString('en')}: search ${f1(atN.search)} -> ${f1(atN2.search)} ms, summarize ${f1(atN.summarize)} -> ${f1(atN2.summarize)} ms`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
