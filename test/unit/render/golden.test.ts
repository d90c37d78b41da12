/**
 * Golden files for the two examples: test/golden/<example>/<host>/<absolute path>.
 * Missing goldens are written (and the test says so); UPDATE_GOLDEN=1 rewrites them all.
 * Read a changed golden as a sysadmin before committing it (docs/rendering.md).
 * The same outputs also go through the real validators.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { lbInterface } from '../../../shared/model/types.js';
import { Validators, canValidate, SKIP_REASON } from '../../helpers/validators.js';

const root = join(__dirname, '..', '..', '..');
const goldenRoot = join(root, 'test', 'golden');
// Fixed stand-ins for the secrets: the VRRP one is longer than 8 characters on purpose.
const SECRETS = { HALAB_STATS_PASSWORD: 'golden-Stats-pw', HALAB_VRRP_AUTH: 'golden-vrrp-auth' };
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

const validators = new Validators();
after(() => validators.cleanup());

for (const example of ['seed-lab', 'lab']) {
  describe(`golden: examples/${example}.halab`, () => {
    const src = join(root, 'examples', `${example}.halab`);
    const text = readFileSync(src, 'utf8');
    const a = analyze(text, src);
    const files = render(a.model, { source: src, secrets: envSecrets(SECRETS) }).files;
    const dir = join(goldenRoot, example);

    it('has no errors', () => {
      assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
    });

    it('matches the golden files', () => {
      const written: string[] = [];
      for (const f of files) {
        const g = join(dir, f.host, f.path);
        if (update || !existsSync(g)) {
          mkdirSync(dirname(g), { recursive: true });
          writeFileSync(g, f.content);
          written.push(relative(root, g));
          continue;
        }
        assert.equal(f.content, readFileSync(g, 'utf8'),
          `${f.host}:${f.path} differs from ${relative(root, g)} (UPDATE_GOLDEN=1 to accept)`);
      }
      if (written.length) console.log(`wrote ${written.length} golden file(s):\n  ${written.join('\n  ')}`);
      const expected = new Set(files.map((f) => join(dir, f.host, f.path)));
      const stale = listFiles(dir).filter((p) => !expected.has(p));
      assert.deepEqual(stale.map((p) => relative(root, p)), [], 'golden files the renderer no longer produces');
    });

    it('passes haproxy -c, keepalived -t, nginx -t, nft/sh', { skip: !canValidate() && SKIP_REASON }, async () => {
      const ifaces = (host: string) => {
        const lb = a.model.lbs.find((l) => l.name === host);
        return lb ? a.model.vips.map((v) => lbInterface(lb, v)) : [];
      };
      const results = await validators.all(files, ifaces);
      assert.ok(results.length >= 4);
      for (const r of results) assert.ok(r.verdict.ok, `${r.file}: ${r.verdict.tool}: ${r.verdict.output}`);
    });
  });
}
