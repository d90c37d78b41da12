/**
 * How halab reaches hosts (deploy/access.ts), the same for the CLI and the editor: the OpenSSH
 * config with its Includes (globbed `config.d/*` too, as teams split their config), and the
 * editor's settings laid over it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import { hostTargets, sshArgv } from '../../../server/src/deploy/access.js';
import { includeFiles } from '../../../server/src/deploy/ssh-config.js';
import { BASE } from '../../helpers/markers.js';

const home = mkdtempSync(join(tmpdir(), 'halab-access-'));
after(() => rmSync(home, { recursive: true, force: true }));
const ssh = join(home, '.ssh');
mkdirSync(join(ssh, 'config.d'), { recursive: true });
mkdirSync(join(home, 'team'), { recursive: true });
// lb1 from a globbed Include under ~/.ssh, lb2 from a ~/ path, a dot-file that a glob must not match
writeFileSync(join(ssh, 'config.d', '10-lb1.conf'),
  'Host lb1-alias 198.18.0.11\n  HostName 198.18.0.11\n  User deployer\n  Port 2201\n  ProxyJump bastion\n');
writeFileSync(join(ssh, 'config.d', '.20-shadow.conf'), 'Host 198.18.0.11\n  User shadow\n');
writeFileSync(join(ssh, 'config.d', 'README'), 'Host 198.18.0.11\n  User readme\n');
writeFileSync(join(home, 'team', 'lb2'), 'Host 198.18.0.12\n  User teamuser\n  IdentityFile ~/.ssh/team_key\n');
writeFileSync(join(ssh, 'config'), 'Include config.d/*.conf ~/team/lb[0-9]\nHost bastion\n  HostName 198.18.0.5\n  User jump\n');
const model = analyze(BASE, 't.halab').model;

describe('hostTargets: the OpenSSH config, Includes and the editor settings', () => {
  it('Include follows globs (sorted, no dot-files) and ~/ paths, as ssh(1) does', () => {
    assert.deepEqual(includeFiles('config.d/*.conf', home), [join(ssh, 'config.d', '10-lb1.conf')]);
    assert.deepEqual(includeFiles('~/team/lb[0-9]', home), [join(home, 'team', 'lb2')]);
    assert.deepEqual(includeFiles('config.d/nothing-*', home), []);
  });

  it('the defaults (the CLI): User, Port, ProxyJump and IdentityFile from included files', () => {
    const t = hostTargets(model, { configFile: join(ssh, 'config'), home, env: {} });
    const lb1 = t.find((x) => x.name === 'lb1')!;
    assert.deepEqual([lb1.user, lb1.port, lb1.jumps.map((j) => `${j.user}@${j.host}`)], ['deployer', 2201, ['jump@198.18.0.5']]);
    const lb2 = t.find((x) => x.name === 'lb2')!;
    assert.equal(lb2.user, 'teamuser');
    assert.equal(lb2.identityFiles[0], join(ssh, 'team_key'));
    assert.equal(lb1.readyTimeoutMs, undefined);
  });

  it('the editor settings: known_hosts file, no agent, connect timeout', () => {
    const env = { SSH_AUTH_SOCK: '/run/user/0/agent' };
    const withAgent = hostTargets(model, { configFile: join(ssh, 'config'), home, env });
    assert.equal(withAgent[0]!.agent, '/run/user/0/agent');
    const t = hostTargets(model,
      { configFile: join(ssh, 'config'), home, env, knownHostsFile: '/srv/kh', useAgent: false, connectTimeoutSec: 3 });
    for (const x of t) {
      assert.deepEqual(x.knownHostsFiles, ['/srv/kh']);
      assert.equal(x.agent, undefined);
      assert.equal(x.readyTimeoutMs, 3000);
    }
  });
});

describe('sshArgv: the terminal reaches a host the way deploy does', () => {
  it('keys, strict known_hosts, no agent when deploy would use none, the port, and jumps with their own keys', () => {
    const t = hostTargets(model, { configFile: join(ssh, 'config'), home, env: {} }).find((x) => x.name === 'lb1')!;
    const argv = sshArgv(t, { configFile: join(ssh, 'config') });
    assert.equal(argv[0], 'ssh');
    assert.deepEqual(argv.slice(1, 3), ['-F', join(ssh, 'config')]);
    assert.equal(argv[argv.length - 1], 'deployer@198.18.0.11');
    const opts = argv.join(' ');
    assert.match(opts, /-o StrictHostKeyChecking=yes/);
    assert.match(opts, /-o IdentityAgent=none/);
    assert.match(opts, /-p 2201/);
    assert.match(opts, new RegExp(`-o UserKnownHostsFile=${join(home, '.ssh', 'known_hosts')} /etc/ssh/ssh_known_hosts`));
    const proxy = argv.find((a) => a.startsWith('ProxyCommand='))!;
    assert.equal(argv[argv.indexOf(proxy) - 1], '-o');
    assert.match(proxy, /^ProxyCommand=ssh .* -W %h:%p jump@198\.18\.0\.5$/);
    assert.match(proxy, /-p 22 /);
  });
});
