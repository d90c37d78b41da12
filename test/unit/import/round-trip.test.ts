/**
 * Property: import is the inverse of render. For generated topologies (the render property
 * test's generator: test/helpers/topology-arb.ts), `import(render(t))` gives a .halab file
 * without errors whose render is byte-identical to `render(t)`, file by file, on every host; and
 * the report accounts for every directive line of every haproxy.cfg and keepalived.conf, with
 * no pass-through, replaced or error line (halab's own output needs none).
 * HALAB_IMPORT_RUNS overrides the number of topologies (default 500); HALAB_PROPERTY_SEED and
 * HALAB_PROPERTY_PATH replay a failure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import type { RenderedFile } from '../../../server/src/render/types.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { importConfigs } from '../../../server/src/import/index.js';
import { toHalab, topoArb } from '../../helpers/topology-arb.js';

const RUNS = Number(process.env.HALAB_IMPORT_RUNS ?? 500);
const SOURCE = 'round-trip.halab';
const PEM = '/etc/haproxy/certs/site.pem';
const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));

function byHost(files: RenderedFile[]) {
  const hosts = new Map<string, Map<string, string>>();
  for (const f of files) {
    if (!hosts.has(f.host)) hosts.set(f.host, new Map());
    hosts.get(f.host)!.set(f.path, f.content);
  }
  return [...hosts].map(([name, m]) => ({ name, files: m }));
}

/** The directive lines of a config file (not blank, not a comment line). */
function directiveLines(text: string): number[] {
  return text.split('\n').flatMap((l, i) => (l.trim() === '' || /^\s*[#!]/.test(l) || /^\s*\}\s*$/.test(l) ? [] : [i + 1]));
}

/** Renders `text`, imports the files, renders the import: the two renders, file by file. */
function roundTrip(text: string, env: Record<string, string>) {
  const a = analyze(text, SOURCE);
  assert.equal(hasErrors(a.diagnostics), false, text);
  const before = render(a.model, { source: SOURCE, secrets: envSecrets(env) }).files;
  const imp = importConfigs({ hosts: byHost(before), output: SOURCE });
  assert.deepEqual(imp.errors, [], `${JSON.stringify(imp.errors.slice(0, 3))}\n${imp.guesses.join('\n')}\n---\n${text}`);
  const b = analyze(imp.text, SOURCE);
  assert.equal(hasErrors(b.diagnostics), false, imp.text);
  const after = render(b.model, { source: SOURCE, secrets: envSecrets(Object.fromEntries(imp.secrets.map((s) => [s.env, s.value]))) }).files;
  return { before, after, imp };
}

describe('import round trip: render → import → render gives the same files', () => {
  // the examples use what the generator does not: track watcher (the lab's), TCP services, pass-through
  for (const name of readdirSync(EXAMPLES).filter((f) => f.endsWith('.halab')).sort()) {
    it(`examples/${name}`, () => {
      const { before, after, imp } = roundTrip(readFileSync(join(EXAMPLES, name), 'utf8'), { HALAB_VRRP_AUTH: 'vrrpPw12', HALAB_STATS_PASSWORD: 'stats-Pw-3' });
      const got = new Map(after.map((f) => [`${f.host}:${f.path}`, f.content]));
      for (const f of before) assert.equal(got.get(`${f.host}:${f.path}`), f.content, `${f.host}:${f.path}`);
      assert.equal(after.length, before.length);
      assert.deepEqual(imp.report.filter((e) => e.went !== 'statement' && e.went !== 'default' && e.went !== 'generated').slice(0, 3), []);
    });
  }

  it(`${RUNS} generated topologies`, { timeout: 10 * 60_000 }, () => {
    const result = fc.check(
      fc.property(topoArb, (spec) => {
        const text = toHalab(spec, PEM);
        const a = analyze(text, SOURCE);
        assert.equal(hasErrors(a.diagnostics), false, text);
        const before = render(a.model, {
          source: SOURCE,
          secrets: envSecrets({ HALAB_STATS_PASSWORD: spec.envPassword, HALAB_VRRP_AUTH: spec.envAuth }),
        }).files;

        const imp = importConfigs({ hosts: byHost(before), output: SOURCE });
        assert.deepEqual(imp.errors, [], `${JSON.stringify(imp.errors.slice(0, 3))}\n${imp.guesses.join('\n')}\n---\n${text}`);
        const b = analyze(imp.text, SOURCE);
        assert.equal(hasErrors(b.diagnostics), false, imp.text);
        const env = Object.fromEntries(imp.secrets.map((s) => [s.env, s.value]));
        const after = new Map(render(b.model, { source: SOURCE, secrets: envSecrets(env) }).files.map((f) => [`${f.host}:${f.path}`, f]));

        for (const f of before) {
          const g = after.get(`${f.host}:${f.path}`);
          assert.ok(g, `${f.host}:${f.path} is missing after the round trip\n--- imported:\n${imp.text}\n--- original:\n${text}`);
          assert.equal(g.content, f.content, `${f.host}:${f.path} differs\n--- imported:\n${imp.text}\n--- original:\n${text}`);
          after.delete(`${f.host}:${f.path}`);
        }
        assert.deepEqual([...after.keys()], [], 'files only after the round trip');

        // every directive line of the configs is in the report, and none needed a pass-through
        for (const f of before.filter((x) => /haproxy\.cfg$|keepalived\.conf$/.test(x.path))) {
          const seen = new Set(imp.report.filter((e) => e.host === f.host && e.file === f.path).map((e) => e.line));
          const missing = directiveLines(f.content).filter((l) => !seen.has(l));
          assert.deepEqual(missing, [], `${f.host}:${f.path}: lines not in the report`);
        }
        const odd = imp.report.filter((e) => e.went === 'pass-through' || e.went === 'replaced' || e.went === 'error');
        assert.deepEqual(odd.slice(0, 3), [], 'halab output needs no pass-through');
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        ...(process.env.HALAB_PROPERTY_SEED ? { seed: Number(process.env.HALAB_PROPERTY_SEED), path: process.env.HALAB_PROPERTY_PATH } : {}),
      },
    );
    if (result.failed) {
      const err = result.errorInstance as Error | undefined;
      assert.fail(`failed after ${result.numRuns} run(s) (seed ${result.seed}, path ${result.counterexamplePath}):\n${err?.message ?? String(result.errorInstance)}`);
    }
  });
});
