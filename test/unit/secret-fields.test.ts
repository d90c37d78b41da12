/**
 * The secret-bearing keywords have one table (SECRET_FIELDS, server/src/secrets.ts): it must list
 * exactly the keywords the schema types `secret`, and what the renderer resolves, the editor asks
 * for and the plaintext-secret check flags all follow it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCKS } from '../../server/src/schema/schema.js';
import { SECRET_FIELDS, topologySecrets } from '../../server/src/secrets.js';
import { analyze } from '../../server/src/engine.js';
import { render } from '../../server/src/render/render.js';
import { BASE } from '../helpers/markers.js';

test('the table lists every keyword the schema types `secret`, and nothing else', () => {
  const schema = Object.values(BLOCKS).flatMap((b) =>
    b.keywords.filter((k) => k.args.some((a) => a.type === 'secret')).map((k) => `${b.id} ${k.keyword}`));
  const table = Object.values(SECRET_FIELDS).map((f) => `${f.block} ${f.keyword}`);
  assert.deepEqual([...table].sort(), [...schema].sort());
});

const TWO_VIPS = BASE.replace('router-id 51 }', 'router-id 51; auth "vrrp-one" }') +
  'vip 198.18.0.101/24 { router-id 52; auth env:SECOND }\nstats { password "stats-pass" }\n';

test('the renderer resolves, and the check flags, the secrets the table names', () => {
  const a = analyze(TWO_VIPS, 't.halab');
  const asked: string[] = [];
  render(a.model, { secrets: (ref, what) => (asked.push(what), ref.kind === 'literal' ? ref.value : 'x') });
  assert.deepEqual(asked, topologySecrets(a.model).map((s) => s.what));
  assert.deepEqual(asked, ['stats password', 'VRRP password of vip 198.18.0.100/24', 'VRRP password of vip 198.18.0.101/24']);
  const fixes = a.diagnostics.filter((d) => d.code === 'plaintext-secret').map((d) => d.fixes![0]!.edits[0]!.newText);
  assert.deepEqual(fixes, [`env:${SECRET_FIELDS.vipAuth.env}_1`, `env:${SECRET_FIELDS.statsPassword.env}`]);
});
