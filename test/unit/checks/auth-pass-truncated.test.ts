/**
 * Issue 13 item 3: the `auth-pass-truncated` warning must not echo the VRRP password. keepalived
 * uses only its first 8 characters, so those 8 are the whole effective secret; the diagnostic is
 * shown in the editor, in `halab check` output and in CI logs.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { BASE } from '../../helpers/markers.js';

/** Every 3-character slice of the password (in its raw and its quoted spelling). */
function parts(password: string): string[] {
  const out: string[] = [];
  for (const form of [password, JSON.stringify(password).slice(1, -1)]) {
    for (let i = 0; i + 3 <= form.length; i++) out.push(form.slice(i, i + 3));
  }
  return out;
}

for (const password of ['Tr0ub4dor&3#xyz$', 'Q"7xkzPw9!', 'K9vbq2mWt7']) {
  it(`the warning for a literal auth ${JSON.stringify(password)} names no part of it`, () => {
    const text = BASE.replace('router-id 51', `router-id 51; auth ${JSON.stringify(password)}`);
    const warnings = analyze(text, 't.halab').diagnostics.filter((d) => d.code === 'auth-pass-truncated');
    assert.equal(warnings.length, 1, 'the check still warns');
    for (const w of warnings) {
      for (const p of parts(password)) assert.ok(!w.message.includes(p), `${JSON.stringify(w.message)} shows ${JSON.stringify(p)}`);
    }
  });
}
