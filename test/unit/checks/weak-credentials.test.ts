/** `weak-credentials` says why a stats password is weak without repeating it (issue 13: no secret in any output). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { BASE } from '../../helpers/markers.js';

for (const pw of ['haproxy', 'changeme', 'Sh0rt!']) {
  test(`the warning for stats password "${pw}" does not contain it`, () => {
    const d = analyze(BASE + `stats { user admin; password "${pw}" }\n`, 't.halab').diagnostics.find((x) => x.code === 'weak-credentials');
    assert.ok(d, 'warned');
    assert.equal(d.message.toLowerCase().includes(pw.toLowerCase()), false, d.message);
    assert.match(d.message, /well-known default|under 8 characters/);
  });
}
