/**
 * The seed tutorial's own hand-written configs (test/fixtures/seed-import: copied verbatim from
 * ../shared/seed-tutorial.md) import into a topology that means what examples/seed-lab.halab
 * means. Where they differ, the seed's files say otherwise and the import follows the files (each
 * difference is listed below with its reason); the report lists halab's defaults that replace
 * the seed's lines; the imported topology renders configs the real validators accept.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { importConfigs, readImportDir } from '../../../server/src/import/index.js';
import type { Topology } from '../../../shared/model/types.js';
import { lbInterface } from '../../../shared/model/types.js';
import { Validators, canValidate, SKIP_REASON } from '../../helpers/validators.js';

const DIR = fileURLToPath(new URL('../../fixtures/seed-import', import.meta.url));
const SEED_LAB = fileURLToPath(new URL('../../../examples/seed-lab.halab', import.meta.url));

/** What a topology means: everything that reaches a rendered file, without spans or the file's name. */
function meaning(t: Topology) {
  return {
    name: t.name,
    vips: t.vips.map(({ span: _s, nameSpan: _n, ...v }) => v),
    lbs: t.lbs.map(({ span: _s, nameSpan: _n, ...l }) => l),
    upstreams: t.upstreams.map(({ span: _s, nameSpan: _n, ...u }) => u),
    sites: t.sites.map(({ span: _s, nameSpan: _n, ...s }) => s),
    services: t.services,
    stats: t.stats && { ...t.stats, span: undefined },
    defaults: t.defaults,
    firewall: t.firewall,
    haproxy: t.haproxy,
    keepalived: t.keepalived,
  };
}

const imported = importConfigs({ hosts: readImportDir(DIR), output: 'seed-lab.halab' });

describe('import of the seed tutorial’s own configs', () => {
  it('imports without errors, a file without diagnostics', () => {
    assert.deepEqual(imported.errors, []);
    const a = analyze(imported.text, 'seed-lab.halab');
    assert.deepEqual(a.diagnostics.filter((d) => d.severity !== 'hint').map((d) => `${d.code}: ${d.message}`), []);
  });

  it('means what examples/seed-lab.halab means, but for the differences the seed’s files say', () => {
    const got = meaning(analyze(imported.text, 'seed-lab.halab').model);
    const want = meaning(analyze(readFileSync(SEED_LAB, 'utf8'), 'seed-lab.halab').model);
    // 1. The seed's backends have `check` and no `option httpchk`: HAProxy checks them over TCP.
    //    seed-lab.halab took halab's default HTTP check.
    for (const s of want.sites) s.check = 'tcp';
    // 2. Lines of the seed halab has no statement for stay, as pass-through (seed-lab.halab left
    //    them out): its server-side cipher setting and its notification mail settings.
    want.haproxy = ['ssl-default-server-ciphers intermediate'];
    want.keepalived = ['notification_email { root@localhost }', 'notification_email_from root@localhost', 'smtp_server localhost',
      'smtp_connect_timeout 30'];
    // 3. The seed's own instance name survives (seed-lab.halab left the default VI_255).
    for (const v of want.vips) v.instance = 'VI_HAPROXY';
    assert.deepEqual(got, want);
  });

  it('says what it guessed and which of the seed’s lines halab’s own replace', () => {
    // the seed's VIP has no prefix; its nginx vhosts answer a www. name HAProxy never routes
    assert.ok(imported.guesses.some((g) => /vip 192\.168\.56\.100 has no prefix/.test(g)), imported.guesses.join('\n'));
    assert.ok(imported.guesses.some((g) => /www\.web01-192-168-56-100\.nip\.io is routed to no backend/.test(g)));
    assert.ok(imported.guesses.some((g) => /`killall -0 haproxy`.*`\/usr\/bin\/killall -0 haproxy`/.test(g)));
    const replaced = imported.report.filter((e) => e.went === 'replaced' && e.host === 'haproxy01').map((e) => e.text.split(/\s+/)[0]);
    assert.deepEqual(replaced, ['pidfile', 'stats', 'ssl-default-bind-ciphers']);
    assert.equal(imported.differences.length, 6, imported.differences.join('\n'));
  });

  it('turns the literal VRRP and stats passwords into env references, named in the result', () => {
    assert.deepEqual(imported.secrets.map((s) => s.env), ['HALAB_VRRP_AUTH', 'HALAB_STATS_PASSWORD']);
    assert.equal(imported.secrets[0]!.value, 'NzUwYmY1Y2FhM2IzMjE1OThiNjcyYzFl');
    assert.doesNotMatch(imported.text, /NzUwYmY1|haproxy"?\s*$|admin:haproxy/m);
    // the report quotes the input's lines: their secrets read <env:NAME>
    const { secrets: _values, ...shown } = imported;
    assert.doesNotMatch(JSON.stringify(shown), /NzUwYmY1|admin:haproxy/);
    assert.ok(imported.report.some((e) => e.text === 'stats auth admin:<env:HALAB_STATS_PASSWORD>'));
  });

  it('accounts for every directive line of every input file', () => {
    for (const host of readImportDir(DIR)) {
      for (const [path, text] of host.files) {
        if (!/haproxy\.cfg$|keepalived\.conf$|\.conf$/.test(path)) continue;
        const lines = text.split('\n').flatMap((l, i) => (l.trim() === '' || /^\s*[#!]/.test(l) || /^\s*\}\s*;?$/.test(l) ? [] : [i + 1]));
        const seen = new Set(imported.report.filter((e) => e.host === host.name && e.file === path).map((e) => e.line));
        assert.deepEqual(lines.filter((l) => !seen.has(l)), [], `${host.name}:${path}`);
      }
    }
  });

  describe('the imported topology renders configs the real validators accept', { skip: !canValidate() && SKIP_REASON }, () => {
    const validators = new Validators();
    after(() => validators.cleanup());
    it('haproxy -c, keepalived -t, nginx -t', async () => {
      const m = analyze(imported.text, 'seed-lab.halab').model;
      const files = render(m, { secrets: envSecrets(Object.fromEntries(imported.secrets.map((s) => [s.env, s.value]))) }).files;
      const ifaces = (host: string) => {
        const lb = m.lbs.find((l) => l.name === host);
        return lb ? m.vips.map((v) => lbInterface(lb, v)) : [];
      };
      for (const r of await validators.all(files, ifaces)) assert.ok(r.verdict.ok, `${r.file}: ${r.verdict.tool}:\n${r.verdict.output}`);
    });
  });
});
