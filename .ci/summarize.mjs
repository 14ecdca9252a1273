#!/usr/bin/env node
// Counts vitest JSON reports into the one line CI ends with, "N passed, N failed, K skipped".
// A skipped or todo test counts as a failure unless .ci/allowed-skips.txt names it with a reason:
// the PostgreSQL and Redis suites skip themselves when their server is missing, and a CI run that
// skipped them would prove nothing about real concurrency. Exits 1 when anything failed.
//
//   node .ci/summarize.mjs [--allow FILE] [--lint-status N] REPORT.json...
//
// A report that is missing, unreadable or ran no test counts as one failure.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Parses the allow-list: one `<full test name> | <reason>` a line; a name ending in `*` is a prefix. */
export function parseAllowList(text) {
  const entries = [];
  const errors = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const bar = line.lastIndexOf(' | ');
    const name = bar < 0 ? '' : line.slice(0, bar).trim();
    const reason = bar < 0 ? '' : line.slice(bar + 3).trim();
    if (name === '' || reason === '') {
      errors.push(`allow-list line ${i + 1} needs "<full test name> | <reason>": ${line}`);
      return;
    }
    entries.push({ name, reason, prefix: name.endsWith('*') });
  });
  return { entries, errors };
}

function allowedBy(entries, fullName) {
  return entries.find((e) => (e.prefix ? fullName.startsWith(e.name.slice(0, -1)) : fullName === e.name));
}

/**
 * Summarises parsed reports (null for one that could not be read). Returns the counts, the
 * skips that were not allowed and the allow-list entries that matched nothing.
 */
export function summarize(reports, allowText = '', lintStatus = 0, cwd = process.cwd()) {
  const { entries, errors } = parseAllowList(allowText);
  let passed = 0;
  let failed = errors.length + (lintStatus === 0 ? 0 : 1);
  let skipped = 0;
  const notAllowed = [];
  const used = new Set();
  const problems = [...errors];
  if (lintStatus !== 0) problems.push(`lint exited with ${lintStatus}`);
  for (const { path, report } of reports) {
    if (report === null || typeof report !== 'object') {
      failed += 1;
      problems.push(`${path}: no readable vitest JSON report`);
      continue;
    }
    if (!report.numTotalTests) {
      failed += 1;
      problems.push(`${path}: ran no tests`);
    }
    for (const file of report.testResults ?? []) {
      const where = relative(cwd, file.name ?? '');
      // A file that failed to load has no assertion results of its own: it counts as one failure.
      // (numFailedTestSuites would count a failed test again, once per enclosing describe.)
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
        failed += 1;
        problems.push(`${where}: ${String(file.message ?? 'failed to run').split('\n')[0]}`);
      }
      for (const t of file.assertionResults ?? []) {
        if (t.status === 'passed') passed += 1;
        else if (t.status === 'failed') failed += 1;
        else {
          // skipped, pending, todo: only an allow-listed one is not a failure.
          skipped += 1;
          const entry = allowedBy(entries, t.fullName);
          if (entry) used.add(entry);
          else {
            failed += 1;
            notAllowed.push(`${where} > ${t.fullName}`);
          }
        }
      }
    }
  }
  for (const n of notAllowed) problems.push(`skipped and not in the allow-list: ${n}`);
  const unused = entries.filter((e) => !used.has(e));
  return { passed, failed, skipped, notAllowed, unused, problems };
}

function main(argv) {
  let allowPath = null;
  let lintStatus = 0;
  const paths = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--allow') allowPath = argv[++i];
    else if (argv[i] === '--lint-status') lintStatus = Number(argv[++i]);
    else paths.push(argv[i]);
  }
  let allowText = '';
  if (allowPath !== null) {
    try {
      allowText = readFileSync(allowPath, 'utf8');
    } catch {
      allowText = `cannot read ${allowPath}`;
    }
  }
  const reports = paths.map((path) => {
    try {
      return { path, report: JSON.parse(readFileSync(path, 'utf8')) };
    } catch {
      return { path, report: null };
    }
  });
  const s = summarize(reports, allowText, lintStatus);
  for (const p of s.problems) console.log(`ci: ${p}`);
  for (const e of s.unused)
    console.log(`ci: allow-listed skip did not occur (remove it when it no longer applies): ${e.name}`);
  console.log(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  return s.failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  process.exitCode = main(process.argv.slice(2));
