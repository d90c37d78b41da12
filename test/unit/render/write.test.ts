/**
 * Writing rendered files locally (render/write-tree.ts, used by `halab render -o` and the
 * editor's Render command): a shared or pre-populated output folder must not redirect a write
 * through a planted symlink, hand a secret to the owner of an existing file, or be left half
 * written when something fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync,
  writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { writeRenderedTree } from '../../../server/src/render/write-tree.js';
import { placeholderSecrets } from '../../../server/src/secrets.js';

const files = render(analyze(readFileSync('examples/lab.halab', 'utf8'), 'lab.halab').model,
  { source: 'lab.halab', secrets: placeholderSecrets }).files;
const KA = '/etc/keepalived/keepalived.conf';
const fresh = () => mkdtempSync(join(tmpdir(), 'halab-write-'));

/** Every path under dir, relative, so "nothing changed" can be compared. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('writeRenderedTree', () => {
  it('writes every file, secrets 0600 and the rest with their read bits', () => {
    const dir = fresh();
    const written = writeRenderedTree(dir, files);
    assert.equal(written.length, files.length);
    assert.equal(statSync(join(dir, 'lb1', KA)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'web1/usr/share/nginx/web01/index.html')).mode & 0o777, 0o644);
    assert.deepEqual(tree(dir).filter((p) => p.includes('.halab-tmp')), [], 'no temp file left');
  });

  it('refuses a symlink planted where a file goes, and writes nothing', () => {
    const dir = fresh();
    const victim = join(fresh(), 'victim');
    writeFileSync(victim, 'precious\n');
    mkdirSync(join(dir, 'lb1/etc/keepalived'), { recursive: true });
    symlinkSync(victim, join(dir, 'lb1', KA));
    const before = tree(dir);
    assert.throws(() => writeRenderedTree(dir, files), /symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.deepEqual(tree(dir), before, 'nothing written, no temp file left');
  });

  it('refuses a symlinked folder on the way', () => {
    const dir = fresh();
    const elsewhere = fresh();
    mkdirSync(join(dir, 'lb2'), { recursive: true });
    symlinkSync(elsewhere, join(dir, 'lb2/etc'));
    assert.throws(() => writeRenderedTree(dir, files), /symbolic link/);
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing written through the link');
  });

  it('an existing file owned by someone else is replaced by a new one of ours, 0600 for a secret',
    { skip: process.getuid?.() !== 0 && 'needs root to chown' }, () => {
    const dir = fresh();
    const p = join(dir, 'lb1', KA);
    mkdirSync(join(dir, 'lb1/etc/keepalived'), { recursive: true });
    writeFileSync(p, 'old\n', { mode: 0o644 });
    chownSync(p, 65534, 65534);
    writeRenderedTree(dir, files);
    const st = lstatSync(p);
    assert.equal(st.uid, process.getuid!());
    assert.equal(st.mode & 0o777, 0o600);
    assert.notEqual(readFileSync(p, 'utf8'), 'old\n');
  });

  it('all or nothing: a path that cannot be written leaves the folder as it was', () => {
    const dir = fresh();
    // the last host's file is blocked by a folder of the same name
    const last = files[files.length - 1]!;
    mkdirSync(join(dir, last.host, last.path), { recursive: true });
    const before = tree(dir);
    assert.throws(() => writeRenderedTree(dir, files), /not a regular file/);
    assert.deepEqual(tree(dir), before);
    assert.equal(existsSync(join(dir, 'lb1', KA)), false, 'the first files were not written either');
  });
});
