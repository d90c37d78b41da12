/**
 * The export's templates and its Python filters (filter_plugins/halab.py) make, for any secret,
 * exactly the files halab's own render makes — byte for byte, over generated secrets (quotes,
 * backslashes, braces, spaces, control characters, multi-byte characters, long ones the 8-byte
 * auth_pass cut splits) — and the plugin masks every form of a secret a failure could quote.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyze } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { haproxyWord, keepalivedString, truncateAuthPass } from '../../../server/src/render/escape.js';
import { FILTER_PLUGIN } from '../../../server/src/export/ansible-filters.js';
import { jinjaTemplate } from '../../../server/src/export/ansible-secrets.js';
import { exportFixed, pythonMissing, runPlugin } from '../../helpers/ansible-export.js';

const LAB = readFileSync(join(__dirname, '..', '..', '..', 'examples/lab.halab'), 'utf8');
const noPython = pythonMissing();
const model = analyze(LAB, 'examples/lab.halab').model;
const exported = exportFixed([{ file: 'examples/lab.halab', model }]).files;
const TEMPLATES = exported.filter((f) => f.path.startsWith('templates/'));

/** Secrets as a user may set them: printable, control bytes, any Unicode, braces and Jinja-looking text. */
const secret = fc.oneof(
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 24 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom('}', '{', '{{ x }}', '{% endraw %}', '"', '\\', "pa'ss wörd", 'a'.repeat(40), '€€€€', '😀x'),
);

describe('export filters', { skip: noPython }, () => {
  it('every template, rendered by Jinja2 with the plugin, is the file halab renders, for any secrets', () => {
    const pairs = fc.sample(fc.tuple(secret, secret), { numRuns: 150, seed: 19 });
    const cases: Array<{ template: string; vars: Record<string, string> }> = [];
    const expected: string[] = [];
    for (const [vrrp, stats] of pairs) {
      const files = render(model, { source: 'examples/lab.halab', secrets: envSecrets({ HALAB_VRRP_AUTH: vrrp, HALAB_STATS_PASSWORD: stats }) }).files;
      for (const t of TEMPLATES) {
        const [, host, ...rest] = t.path.replace(/^templates\/lab\//, '/').replace(/\.j2$/, '').split('/');
        expected.push(files.find((f) => f.host === host && f.path === `/${rest.join('/')}`)!.content);
        cases.push({ template: t.content, vars: { halab_secret_halab_vrrp_auth: vrrp, halab_secret_halab_stats_password: stats } });
      }
    }
    const { rendered } = runPlugin(FILTER_PLUGIN, cases);
    for (const [i, r] of rendered.entries()) assert.equal(r, expected[i], `case ${i}: ${JSON.stringify(cases[i]!.vars)}`);
  });

  it('the filters are escape.ts, value by value', () => {
    const values = fc.sample(secret, { numRuns: 400, seed: 7 });
    const calls = values.flatMap((v) => [{ fn: 'haproxy_word', args: [v] }, { fn: 'keepalived_auth_pass', args: [v] }]);
    const out = runPlugin(FILTER_PLUGIN, [], calls).calls;
    values.forEach((v, i) => {
      assert.equal(out[2 * i], haproxyWord(v), `haproxy word of ${JSON.stringify(v)}`);
      assert.equal(out[2 * i + 1], keepalivedString(truncateAuthPass(v)), `auth_pass of ${JSON.stringify(v)}`);
    });
  });

  it('raw blocks keep any text, an endraw tag and a trailing newline included', () => {
    const text = 'a {{ b }} {% if %} {# c #}\n{% endraw %} {%- endraw -%} endraw\n';
    const { rendered } = runPlugin(FILTER_PLUGIN, [{ template: jinjaTemplate(text, () => ''), vars: {} }]);
    assert.equal(rendered[0], text);
  });

  it('halab_mask hides each form a rendered file holds; halab_failure quotes a failed item masked', () => {
    const values = fc.sample(secret.filter((v) => v.length >= 6 && !v.includes('*')), { numRuns: 100, seed: 3 });
    const calls = values.map((v) => ({ fn: 'mask', args: [`x ${v} y ${haproxyWord(v)} z ${keepalivedString(truncateAuthPass(v))} w`, [v]] }));
    const result = { failed: true, msg: 'One or more items failed', results: [
      { failed: false, item: { dest: '/a' } },
      { failed: true, item: { dest: '/etc/haproxy/haproxy.cfg' }, msg: 'failed to validate', stderr: 'stats auth admin:s3cret\\x20pw' },
    ] };
    const out = runPlugin(FILTER_PLUGIN, [], [...calls, { fn: 'failure', args: [result, ['s3cret pw']] }]).calls as string[];
    values.forEach((v, i) => {
      for (const form of [v, haproxyWord(v), keepalivedString(truncateAuthPass(v)), truncateAuthPass(v)]) {
        assert.ok(!out[i]!.includes(form), `${JSON.stringify(form)} left in ${JSON.stringify(out[i])}`);
      }
    });
    assert.equal(out[values.length], '/etc/haproxy/haproxy.cfg: failed to validate\nstats auth admin:********');
  });
});
