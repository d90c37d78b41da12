/**
 * The import corpus (test/fixtures/import: configs written by the team in the styles of real
 * setups; INDEX.md lists them, validate.sh checks each with the real validators). For every case:
 * - nothing is dropped silently: every directive line of every lb's haproxy.cfg and
 *   keepalived.conf is in the report, and a case that cannot be imported says so with errors
 *   that name their input line;
 * - a case that imports renders configs the real validators accept, in which every line the
 *   report calls a default or a pass-through stands in the matching section (the semantic
 *   comparison: sections and directives normalised, order of pass-through lines kept), and
 *   importing that render gives the same .halab file again.
 * IMPORTED lists the cases that import today: a case leaving it is a regression. Issue 17 keeps
 * the rest (server parameters, userlist/peers/resolvers sections, backends not chosen by Host).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import type { RenderedFile } from '../../../server/src/render/types.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { importConfigs, readImportDir, type ImportHost } from '../../../server/src/import/index.js';
import { parseHaproxyCfg } from '../../../server/src/import/haproxy-cfg.js';
import { lbInterface } from '../../../shared/model/types.js';
import { Validators, canValidate } from '../../helpers/validators.js';

const BASE = fileURLToPath(new URL('../../fixtures/import', import.meta.url));
const CASES = readdirSync(BASE).filter((d) => /^\d\d-/.test(d)).sort();
const IMPORTED = ['01-tutorial-two-sites'];

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

function directiveLines(text: string): number[] {
  return text.split('\n').flatMap((l, i) => (l.trim() === '' || /^\s*[#!]/.test(l) || /^\s*\}\s*$/.test(l) ? [] : [i + 1]));
}

function hostsOf(files: RenderedFile[]): ImportHost[] {
  const hosts = new Map<string, Map<string, string>>();
  for (const f of files) {
    if (!hosts.has(f.host)) hosts.set(f.host, new Map());
    hosts.get(f.host)!.set(f.path, f.content);
  }
  return [...hosts].map(([name, files]) => ({ name, files }));
}

describe('import corpus', () => {
  const validators = canValidate() ? new Validators() : undefined;
  after(() => validators?.cleanup());

  it('has at least 25 cases', () => assert.ok(CASES.length >= 25, `${CASES.length} cases`));

  for (const c of CASES) {
    it(c, async () => {
      const hosts = readImportDir(`${BASE}/${c}`);
      const r = importConfigs({ hosts, output: `${c}.halab` });

      // nothing dropped silently
      for (const h of hosts) {
        for (const [path, text] of h.files) {
          if (!/\/etc\/(haproxy\/haproxy\.cfg|keepalived\/keepalived\.conf)$/.test(path)) continue;
          const seen = new Set(r.report.filter((e) => e.host === h.name && e.file === path).map((e) => e.line));
          assert.deepEqual(directiveLines(text).filter((l) => !seen.has(l)), [], `${h.name}:${path}: lines missing from the report`);
        }
      }
      if (r.errors.length) {
        assert.ok(r.errors.some((e) => e.line > 0 && e.file !== ''), `errors without an input line: ${JSON.stringify(r.errors.slice(0, 3))}`);
        assert.equal(r.text, '', 'no file when something cannot be kept');
        assert.ok(!IMPORTED.includes(c), `${c} imported before: ${r.errors.slice(0, 3).map((e) => `${e.host}:${e.file}:${e.line} ${e.detail}`).join('; ')}`);
        return;
      }
      assert.ok(IMPORTED.includes(c), `${c} imports now: add it to IMPORTED`);

      const a = analyze(r.text, `${c}.halab`);
      assert.equal(hasErrors(a.diagnostics), false, r.text);
      const secrets = envSecrets(Object.fromEntries(r.secrets.map((s) => [s.env, s.value])));
      const files = render(a.model, { source: `${c}.halab`, secrets }).files;

      // the semantic comparison: every default or pass-through line stands in its section
      for (const h of hosts) {
        const input = h.files.get('/etc/haproxy/haproxy.cfg');
        const out = files.find((f) => f.host === h.name && f.path === '/etc/haproxy/haproxy.cfg')?.content;
        if (input === undefined) continue;
        assert.ok(out, `${h.name} has a rendered haproxy.cfg`);
        const rendered = new Set(parseHaproxyCfg(out).sections.flatMap((s) => s.directives.map((d) => norm(d.text))));
        for (const e of r.report.filter((x) => x.host === h.name && x.file === '/etc/haproxy/haproxy.cfg')) {
          if (e.went === 'pass-through' || (e.went === 'default' && !/^(option forwardfor)/.test(e.text))) {
            assert.ok(rendered.has(norm(e.text)), `${h.name}:${e.line} \`${e.text}\` (${e.went}) is not in the rendered haproxy.cfg`);
          }
        }
      }
      // the render imports back to the same file
      const again = importConfigs({ hosts: hostsOf(files), output: `${c}.halab` });
      assert.equal(again.text, r.text);

      if (validators) {
        const ifaces = (host: string) => {
          const lb = a.model.lbs.find((l) => l.name === host);
          return lb ? a.model.vips.map((v) => lbInterface(lb, v)) : [];
        };
        for (const v of await validators.all(files, ifaces)) assert.ok(v.verdict.ok, `${v.file}: ${v.verdict.tool}:\n${v.verdict.output}`);
      }
    });
  }
});
