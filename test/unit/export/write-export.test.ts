/**
 * Writing an export into a directory, and again into the same one: what the export wrote is
 * replaced or removed, what the team added (a vault file) is kept, and a directory that is not an
 * export is never written into.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST, writeExport } from '../../../server/src/export/write-export.js';

const tmp = mkdtempSync(join(tmpdir(), 'halab-write-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const files = (...paths: string[]) => paths.map((path) => ({ path, content: `${path}\n` }));

describe('writeExport', () => {
  it('writes the files and a manifest of them; exporting again replaces, removes what is gone, keeps the rest', () => {
    const dir = join(tmp, 'a');
    writeExport(dir, files('site.yml', 'files/t/lb1/etc/old.conf', 'host_vars/lb1.t.yml'));
    assert.equal(statSync(join(dir, 'site.yml')).mode & 0o777, 0o644);
    assert.match(readFileSync(join(dir, MANIFEST), 'utf8'), /^site\.yml\nfiles\/t\/lb1\/etc\/old\.conf\nhost_vars\/lb1\.t\.yml$/m);
    mkdirSync(join(dir, 'group_vars/all'), { recursive: true });
    writeFileSync(join(dir, 'group_vars/all/vault.yml'), 'vault_x: y\n');
    writeExport(dir, [{ path: 'site.yml', content: 'new\n' }, ...files('host_vars/lb1.t.yml')]);
    assert.equal(readFileSync(join(dir, 'site.yml'), 'utf8'), 'new\n');
    assert.equal(existsSync(join(dir, 'files')), false, 'the stale file and the folders it leaves empty are gone');
    assert.equal(readFileSync(join(dir, 'group_vars/all/vault.yml'), 'utf8'), 'vault_x: y\n', 'a file the export did not write is kept');
  });

  it('refuses a directory that is neither empty nor an export, and writes nothing', () => {
    const dir = join(tmp, 'b');
    mkdirSync(dir);
    writeFileSync(join(dir, 'playbook.yml'), 'mine\n');
    assert.throws(() => writeExport(dir, files('site.yml')), /not empty and holds no halab export/);
    assert.equal(existsSync(join(dir, 'site.yml')), false);
  });

  it('never writes through a symbolic link', () => {
    const dir = join(tmp, 'c');
    writeExport(dir, files('site.yml'));
    mkdirSync(join(tmp, 'elsewhere'));
    symlinkSync(join(tmp, 'elsewhere'), join(dir, 'files'));
    assert.throws(() => writeExport(dir, files('site.yml', 'files/x')), /symbolic link/);
    assert.equal(existsSync(join(tmp, 'elsewhere/x')), false);
  });
});
