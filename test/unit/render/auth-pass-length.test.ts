/**
 * "How long is this auth_pass as keepalived sees it" has one owner (render/escape.ts): the
 * renderer writes the cut it defines, and `auth-pass-truncated` warns exactly when that cut
 * drops something. Multi-byte characters and escaped ones are where counting characters or
 * UTF-16 units would disagree with keepalived's bytes as written.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { AUTH_PASS_BYTES, authPassLength, truncateAuthPass } from '../../../server/src/render/escape.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { BASE } from '../../helpers/markers.js';

/** The auth_pass value keepalived.conf holds, with keepalived's quotes and octal escapes undone. */
function writtenAuthPass(conf: string): { written: string; value: string } {
  const written = /^\s*auth_pass (.*)$/m.exec(conf)![1]!.replace(/^"(.*)"$/s, '$1');
  const value = written.replace(/\\(\d{3}|\\)/g, (_, e: string) => (e === '\\' ? '\\' : String.fromCharCode(parseInt(e, 8))));
  return { written, value };
}

const CASES: [string, string][] = [
  ['abcdefgh', 'abcdefgh'], // 8 ASCII bytes: kept whole
  ['NzUwYmY1Y2FhM2IzMjE1OThiNjcyYzFl', 'NzUwYmY1'],
  ['pässwörd', 'pässwö'], // 8 characters and 8 UTF-16 units, but 10 bytes
  ['😀😀😀', '😀😀'], // 6 UTF-16 units, 12 bytes
  ['ab"cdefgh', 'ab"cd'], // `"` is written \042: 4 bytes
  ["it's ok", "it's "], // `'` is written \047: 4 bytes
  ['a\\b\\cdef', 'a\\b\\cd'], // `\` is written \\: 2 bytes
];

for (const [password, kept] of CASES) {
  it(`auth ${JSON.stringify(password)}: the renderer writes ${JSON.stringify(kept)} and the check agrees`, () => {
    assert.equal(truncateAuthPass(password), kept);
    const a = analyze(BASE.replace('router-id 51', `router-id 51; auth ${JSON.stringify(password)}`), 't.halab');
    assert.ok(!hasErrors(a.diagnostics), a.diagnostics.map((d) => d.message).join('\n'));
    const conf = render(a.model, { secrets: envSecrets({}) }).files.find((f) => f.path.endsWith('keepalived.conf'))!.content;
    const { written, value } = writtenAuthPass(conf);
    assert.equal(value, kept, 'the rendered auth_pass is the cut');
    assert.equal(authPassLength(kept), Buffer.byteLength(written, 'utf8'));
    assert.ok(authPassLength(kept) <= AUTH_PASS_BYTES);
    const warned = a.diagnostics.some((d) => d.code === 'auth-pass-truncated');
    assert.equal(warned, kept !== password, 'the check warns exactly when the renderer cuts');
  });
}
