/**
 * YAML through js-yaml, which is already in the tree (through ESLint) but ships no types: the
 * two functions used here are typed by hand.
 */
import { createRequire } from 'node:module';

interface JsYaml {
  load(text: string, opts?: { filename?: string }): unknown;
  loadAll(text: string, iterator?: undefined, opts?: { filename?: string }): unknown[];
}

const jsYaml = createRequire(import.meta.url)('js-yaml') as JsYaml;

export function loadYaml(text: string, filename?: string): unknown {
  return jsYaml.load(text, { filename });
}

export function loadAllYaml(text: string, filename?: string): unknown[] {
  return jsYaml.loadAll(text, undefined, { filename }).filter((d) => d !== null && d !== undefined);
}
