/** known_hosts checks: plain, hashed, [host]:port, changed, revoked, other key types. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendKnownHost, checkHostKey as checkNames, fingerprint, hostFieldMatches, hostKeyNames, loadKnownHosts, parseKnownHosts,
  type KnownHostLine,
} from '../../../server/src/deploy/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'halab-kh-'));
function keypair(name: string, type = 'ed25519'): { line: string; blob: Buffer; file: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file, '-C', name]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  return { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), file };
}
const a = keypair('a');
const b = keypair('b');
const r = keypair('r', 'ecdsa');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
/** The verdict for a host reached at `port`, with no HostKeyAlias. */
const checkHostKey = (lines: KnownHostLine[], host: string, port: number, blob: Buffer) =>
  checkNames(lines, hostKeyNames(host, port), blob);

describe('known_hosts', () => {
  it('knows a plain entry, and the fingerprint matches ssh-keygen -l', () => {
    const kh = parseKnownHosts(`# comment\n10.0.0.1,lb1 ${a.line}\n`);
    assert.deepEqual(checkHostKey(kh, 'lb1', 22, a.blob), { status: 'known' });
    assert.equal(fingerprint(a.blob), execFileSync('ssh-keygen', ['-lf', `${a.file}.pub`], { encoding: 'utf8' }).split(' ')[1]);
  });

  it('reports an unknown host with its fingerprint', () => {
    const v = checkHostKey(parseKnownHosts(`other ${a.line}\n`), 'lb1', 22, a.blob);
    assert.equal(v.status, 'unknown');
    assert.equal(v.status === 'unknown' && v.fingerprint, fingerprint(a.blob));
  });

  it('refuses a changed key of the same type, naming the expected fingerprint and line', () => {
    const v = checkHostKey(parseKnownHosts(`x y z\nlb1 ${a.line}\n`), 'lb1', 22, b.blob);
    assert.equal(v.status, 'changed');
    if (v.status === 'changed') {
      assert.deepEqual(v.expected, [fingerprint(a.blob)]);
      assert.deepEqual(v.lines, [2]);
    }
  });

  it('treats a key of another type as unknown, mentioning the known types', () => {
    const v = checkHostKey(parseKnownHosts(`lb1 ${r.line}\n`), 'lb1', 22, a.blob);
    assert.equal(v.status, 'unknown');
    assert.deepEqual(v.status === 'unknown' && v.otherTypes, ['ecdsa-sha2-nistp256']);
  });

  it('matches hashed entries written by ssh-keygen -H, including [host]:port', () => {
    const f = join(dir, 'kh');
    writeFileSync(f, `198.18.0.11 ${a.line}\n[198.18.0.12]:2222 ${b.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f]);
    const kh = parseKnownHosts(readFileSync(f, 'utf8'));
    assert.ok(kh.every((l) => l.hosts.startsWith('|1|')));
    assert.deepEqual(checkHostKey(kh, '198.18.0.11', 22, a.blob), { status: 'known' });
    assert.deepEqual(checkHostKey(kh, '198.18.0.12', 2222, b.blob), { status: 'known' });
    assert.equal(checkHostKey(kh, '198.18.0.12', 22, b.blob).status, 'unknown');
    assert.equal(checkHostKey(kh, '198.18.0.11', 22, b.blob).status, 'changed');
  });

  it('honours wildcards, negation and @revoked', () => {
    assert.equal(hostFieldMatches('*.lab.test,!bad.lab.test', 'lb1.lab.test'), true);
    assert.equal(hostFieldMatches('*.lab.test,!bad.lab.test', 'bad.lab.test'), false);
    assert.equal(checkHostKey(parseKnownHosts(`lb1 ${a.line}\n@revoked * ${a.line}\n`), 'lb1', 22, a.blob).status, 'revoked');
  });

  it('appends an accepted key that ssh-keygen -F then finds', () => {
    const f = join(dir, 'kh-append');
    writeFileSync(f, `other ${b.line}`); // no trailing newline
    appendKnownHost(f, hostKeyNames('198.18.0.21', 2200), a.blob);
    appendKnownHost(f, hostKeyNames('198.18.0.22', 22), a.blob, true);
    assert.match(execFileSync('ssh-keygen', ['-F', '[198.18.0.21]:2200', '-f', f], { encoding: 'utf8' }), /ssh-ed25519/);
    assert.match(execFileSync('ssh-keygen', ['-F', '198.18.0.22', '-f', f], { encoding: 'utf8' }), /ssh-ed25519/);
    assert.equal(readFileSync(f, 'utf8').split('\n').filter(Boolean).length, 3);
  });

  it('reads a known_hosts of 200,000 lines whole: a big file is not taken for a missing one', () => {
    // Appending with push(...lines) overflowed the stack past ~120,000 lines, and the catch meant
    // for a missing file turned that into "no keys on record", so every host looked new.
    const f = join(dir, 'kh-big');
    const filler = Array.from({ length: 199_999 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} ${b.line}`);
    writeFileSync(f, [...filler, `198.18.0.11 ${a.line}`].join('\n') + '\n');
    const kh = loadKnownHosts([join(dir, 'absent'), f]);
    assert.equal(kh.length, 200_000);
    assert.deepEqual(checkHostKey(kh, '198.18.0.11', 22, a.blob), { status: 'known' });
    assert.equal(checkHostKey(kh, '198.18.0.11', 22, b.blob).status, 'changed');
  });

  it('treats only a missing known_hosts as empty; one it cannot read is an error, not "no keys"', () => {
    assert.deepEqual(loadKnownHosts([join(dir, 'absent'), join(dir, 'absent-dir', 'known_hosts')]), []);
    assert.throws(() => loadKnownHosts([dir]), /known_hosts|EISDIR/); // a directory: unreadable
  });

  it('names a host as ssh does: [host]:port off port 22, the HostKeyAlias as written, both lower-cased', () => {
    assert.deepEqual(hostKeyNames('LB1.Example', 22), { name: 'lb1.example' });
    assert.deepEqual(hostKeyNames('198.18.0.11', 2222), { name: '[198.18.0.11]:2222', portless: '198.18.0.11' });
    assert.deepEqual(hostKeyNames('fd00::1', 2222), { name: '[fd00::1]:2222', portless: 'fd00::1' });
    assert.deepEqual(hostKeyNames('198.18.0.11', 2222, 'Web-Front'), { name: 'web-front' });
  });

  it('off port 22, a port-less entry vouches for the very key only; [host]:port entries come first', () => {
    assert.deepEqual(checkHostKey(parseKnownHosts(`198.18.0.11 ${a.line}\n`), '198.18.0.11', 2222, a.blob), { status: 'known' });
    assert.equal(checkHostKey(parseKnownHosts(`198.18.0.11 ${b.line}\n`), '198.18.0.11', 2222, a.blob).status, 'unknown');
    const both = parseKnownHosts(`[198.18.0.11]:2222 ${b.line}\n198.18.0.11 ${a.line}\n`);
    assert.equal(checkHostKey(both, '198.18.0.11', 2222, a.blob).status, 'changed');
  });

  it('a HostKeyAlias is looked up as written, with no port, hashed or not', () => {
    const f = join(dir, 'kh-alias');
    writeFileSync(f, `web-front ${a.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f]);
    const kh = parseKnownHosts(readFileSync(f, 'utf8'));
    assert.deepEqual(checkNames(kh, hostKeyNames('198.18.0.11', 2222, 'Web-Front'), a.blob), { status: 'known' });
    assert.equal(checkNames(kh, hostKeyNames('198.18.0.11', 2222, 'Web-Front'), b.blob).status, 'changed');
    const withPort = parseKnownHosts(`[web-front]:2222 ${a.line}\n`);
    assert.equal(checkNames(withPort, hostKeyNames('198.18.0.11', 2222, 'Web-Front'), a.blob).status, 'unknown', 'not as [alias]:port');
  });
});
