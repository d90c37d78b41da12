/**
 * Passphrase-protected identity files (issue 13, item 9): they used to be skipped without a word,
 * and the login failed with "no key was accepted". Against an in-process ssh2 server on loopback:
 * the failure names the key and the two ways out (ssh-agent, the editor's prompt), and a
 * passphrase callback makes the key usable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Server, utils } from 'ssh2';
import { SshSession } from '../../../server/src/deploy/ssh.js';

const PASS = 'correct horse';

describe('passphrase-protected keys', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let knownHosts: string;
  let keyFile: string;
  let pub: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'halab-keys-'));
    keyFile = join(dir, 'id_protected');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASS, '-f', keyFile]);
    pub = (utils.parseKey(readFileSync(`${keyFile}.pub`)) as ReturnType<typeof utils.parseKey> & { getPublicSSH(): Buffer }).getPublicSSH();
    const hostKey = join(dir, 'host');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    server = new Server({ hostKeys: [readFileSync(hostKey)] }, (client) => {
      client.on('authentication', (ctx) => {
        // accept exactly the protected key (ssh2 verifies the signature before calling back with one)
        if (ctx.method === 'publickey' && ctx.key.data.equals(pub)) return ctx.accept();
        ctx.reject(['publickey']);
      });
      client.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    knownHosts = join(dir, 'known_hosts');
    const [type, blob] = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${blob}\n`);
  });

  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const opts = () =>
    ({ host: '127.0.0.1', port, user: 'deploy', identityFiles: [keyFile], knownHostsFiles: [knownHosts], readyTimeoutMs: 5000 });

  it('a failed login names the protected key and says it needs ssh-agent or the editor prompt', async () => {
    await assert.rejects(SshSession.connect(opts()), (e: Error) => {
      assert.match(e.message, /authentication failed/);
      assert.ok(e.message.includes(`key ${keyFile} is protected by a passphrase`), e.message);
      assert.match(e.message, /ssh-agent \(ssh-add .*id_protected\)/);
      assert.match(e.message, /passphrase when the editor asks/);
      return true;
    });
  });

  it('with a passphrase callback the key is offered and the login succeeds', async () => {
    const asked: string[] = [];
    const s = await SshSession.connect({ ...opts(), passphrase: async (f) => (asked.push(f), PASS) });
    s.close();
    assert.deepEqual(asked, [keyFile]);
  });

  it('a wrong passphrase is said as such', async () => {
    await assert.rejects(SshSession.connect({ ...opts(), passphrase: async () => 'wrong' }), /the one given does not open it/);
  });
});
