/**
 * The name a host's key is looked up and recorded under in known_hosts (issue 13, item 8).
 * ssh(1) uses the real host name — `HostName` from ssh_config when set, as `[host]:port` off port
 * 22 — unless `HostKeyAlias` is set, which is then used as written (lower-cased, no port). halab
 * used the ssh_config alias instead, so existing entries were missed and `--accept-new` recorded
 * a key under a name ssh never reads.
 *
 * Through the real path: a topology, an ssh_config, resolveTargets, SshSession.connect against an
 * ssh2 server on loopback. Each expectation is written out from ssh_config(5), and where ssh(1)
 * is installed it is run on the same files as a second opinion.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Server } from 'ssh2';
import { analyze } from '../../../server/src/engine.js';
import { HostKeyError, SshSession } from '../../../server/src/deploy/ssh.js';
import { parseSshConfig } from '../../../server/src/deploy/ssh-config.js';
import { resolveTargets, type HostTarget } from '../../../server/src/deploy/targets.js';

const SSH = ['/usr/bin/ssh', '/bin/ssh'].find((p) => existsSync(p));

describe('known_hosts names, as ssh(1) picks them', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let key: string; // "type base64" of the server's host key
  let other: string; // another key of the same type
  let cfgFile: string;
  let targets: Map<string, HostTarget>;

  const keypair = (name: string) => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
    return readFileSync(join(dir, `${name}.pub`), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'halab-khname-'));
    key = keypair('host');
    other = keypair('other');
    // Accepts the `none` login: only the host key check is under test.
    server = new Server({ hostKeys: [readFileSync(join(dir, 'host'))] }, (client) => {
      client.on('authentication', (ctx) => ctx.accept());
      client.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;

    // lbx: an alias with a HostName; lby: the same, plus a HostKeyAlias; 198.18.0.13: a derived
    // target (no ssh statement) whose address is mapped, port included, by the config.
    const config = [
      'Host lbx', '  HostName 127.0.0.1',
      'Host lby', '  HostName 127.0.0.1', '  HostKeyAlias LB-Y.example',
      'Host 198.18.0.13', '  HostName 127.0.0.1', `  Port ${port}`,
    ].join('\n') + '\n';
    cfgFile = join(dir, 'config');
    writeFileSync(cfgFile, config);
    const text = `topology t
vip 198.18.0.100/24 { router-id 51 }
lb lbx { address 198.18.0.11; role primary; ssh root@lbx:${port} }
lb lby { address 198.18.0.12; role backup; ssh root@lby:${port} }
lb lbz { address 198.18.0.13; role backup }
upstream web1 { address 198.18.0.21; managed no }
upstream web2 { address 198.18.0.22; managed no }
site s1 { host a.example.com; servers web1 web2 }
`;
    const model = analyze(text, 't.halab').model;
    const list = resolveTargets(model, { sshConfig: parseSshConfig(config), home: dir, lab: null, env: {} });
    targets = new Map(list.map((t) => [t.name, t]));
  });

  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** halab's verdict: does the connection pass the host key check? */
  async function halab(name: string, knownHosts: string, acceptNew = false): Promise<'accept' | 'refuse'> {
    const kh = join(dir, `kh-${name}`);
    writeFileSync(kh, knownHosts);
    const t = targets.get(name)!;
    try {
      // As deploy.ts connects a target (its `via` names the route, the option is a jump session).
      const s = await SshSession.connect({
        ...t, identityFiles: [], agent: undefined, knownHostsFiles: [kh], acceptNew, via: undefined, readyTimeoutMs: 5000,
      });
      await s.close();
      return 'accept';
    } catch (e) {
      if (e instanceof HostKeyError) return 'refuse';
      throw e;
    }
  }

  /**
   * ssh(1)'s verdict on the same files, or undefined when ssh is not installed. Asynchronous: the
   * server runs in this process, so a blocking spawn would starve it.
   */
  async function openssh(alias: string, knownHosts: string, strict: 'yes' | 'accept-new' = 'yes', explicitPort = true) {
    if (!SSH) return undefined;
    const kh = join(dir, `kh-ssh-${alias}`);
    writeFileSync(kh, knownHosts);
    const stderr = await new Promise<string>((resolve) => execFile(SSH, [
      '-F', cfgFile, '-o', `UserKnownHostsFile=${kh}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', `StrictHostKeyChecking=${strict}`,
      '-o', 'BatchMode=yes', '-o', 'CheckHostIP=no', '-o', 'IdentityAgent=none', '-o', 'ConnectTimeout=5',
      ...(explicitPort ? ['-p', String(port)] : []), `root@${alias}`, 'true',
    ], { encoding: 'utf8', timeout: 15_000 }, (_err, _out, err) => resolve(err)));
    if (/Host key verification failed/.test(stderr)) return 'refuse' as const;
    // Past the key check and the (accepted) login, the server refuses the session channel.
    if (/channel \d+: open failed/.test(stderr)) return 'accept' as const;
    throw new Error(`cannot tell what ssh(1) decided: ${stderr}`);
  }

  const line = (name: string, k: string) => `${name} ${k}\n`;

  it('resolves the alias to HostName for the connection', () => {
    const lbx = targets.get('lbx')!;
    assert.deepEqual([lbx.host, lbx.port], ['127.0.0.1', port]);
    const lbz = targets.get('lbz')!;
    assert.deepEqual([lbz.host, lbz.port], ['127.0.0.1', port], 'address mapped by the config, port from the config');
  });

  describe('without HostKeyAlias: the HostName, as [host]:port', () => {
    const cases: [string, () => string, 'accept' | 'refuse'][] = [
      ['an entry for [HostName]:port is found', () => line(`[127.0.0.1]:${port}`, key), 'accept'],
      ['an entry for the alias is not the host', () => line(`[lbx]:${port}`, key) + line('lbx', key), 'refuse'],
      ['a port-less HostName entry holding the very key is accepted', () => line('127.0.0.1', key), 'accept'],
      ['a port-less HostName entry holding another key does not vouch', () => line('127.0.0.1', other), 'refuse'],
      ['another key under [HostName]:port is a changed key', () => line(`[127.0.0.1]:${port}`, other) + line('127.0.0.1', key), 'refuse'],
    ];
    for (const [what, kh, expected] of cases) {
      it(what, async () => {
        assert.equal(await halab('lbx', kh()), expected);
        const o = await openssh('lbx', kh());
        if (o) assert.equal(o, expected, 'ssh(1) agrees');
      });
    }
    it('a target derived from the address, with HostName and Port from the config, is found the same way', async () => {
      assert.equal(await halab('lbz', line(`[127.0.0.1]:${port}`, key)), 'accept');
      assert.equal(await halab('lbz', line(`[198.18.0.13]:${port}`, key)), 'refuse');
      const o = await openssh('198.18.0.13', line(`[127.0.0.1]:${port}`, key), 'yes', false);
      if (o) assert.equal(o, 'accept', 'ssh(1) agrees');
    });
  });

  describe('with HostKeyAlias: the alias as written, lower-cased, with no port', () => {
    const cases: [string, () => string, 'accept' | 'refuse'][] = [
      ['an entry for the HostKeyAlias is found', () => line('lb-y.example', key), 'accept'],
      ['[alias]:port is not the name', () => line(`[lb-y.example]:${port}`, key), 'refuse'],
      ['the HostName is not the name either', () => line(`[127.0.0.1]:${port}`, key) + line('127.0.0.1', key), 'refuse'],
      ['another key under the HostKeyAlias is a changed key', () => line('lb-y.example', other), 'refuse'],
    ];
    for (const [what, kh, expected] of cases) {
      it(what, async () => {
        assert.equal(await halab('lby', kh()), expected);
        const o = await openssh('lby', kh());
        if (o) assert.equal(o, expected, 'ssh(1) agrees');
      });
    }
    it('a changed key under the HostKeyAlias is refused even with --accept-new', async () => {
      assert.equal(await halab('lby', line('lb-y.example', other), true), 'refuse');
    });
  });

  describe('--accept-new records the key under the name ssh(1) would', () => {
    const cases = [
      ['lbx', 'lbx', 'as [HostName]:port', () => `[127.0.0.1]:${port}`],
      ['lby', 'lby', 'as the HostKeyAlias', () => 'lb-y.example'],
    ] as const;
    for (const [name, alias, how, expected] of cases) {
      it(`${name}: ${how}`, async () => {
        assert.equal(await halab(name, '', true), 'accept');
        const recorded = readFileSync(join(dir, `kh-${name}`), 'utf8').trim().split(/\s+/);
        assert.equal(recorded[0], expected());
        assert.equal(`${recorded[1]} ${recorded[2]}`, key);
        if (await openssh(alias, '', 'accept-new')) {
          const bySsh = readFileSync(join(dir, `kh-ssh-${alias}`), 'utf8').trim().split(/\s+/);
          assert.equal(bySsh[0], expected(), 'ssh(1) records the same name');
        }
      });
    }
  });
});
