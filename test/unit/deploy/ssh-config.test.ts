/** ~/.ssh/config reading and target resolution (model ssh/key, config, lab state). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { lookupSshConfig, parseProxyJump, parseSshConfig } from '../../../server/src/deploy/ssh-config.js';
import { resolveTargets } from '../../../server/src/deploy/targets.js';
import type { LabState } from '../../../server/src/lab/state.js';
import { readFileSync } from 'node:fs';

const CONFIG = `
# global
Host lb1 lb1.example
  HostName 198.18.0.11
  User deploy
  Port 2222
  IdentityFile ~/.ssh/lb_key
  ProxyJump jump@bastion:2200

Host *.example !skip.example
  User=admin
  IdentityFile "/keys/%h key"

Match host foo
  User ignored

Host *
  User fallback
  IdentityFile ~/.ssh/default_key
`;

describe('ssh config', () => {
  const blocks = parseSshConfig(CONFIG);
  it('takes the first value per option and accumulates IdentityFile', () => {
    const e = lookupSshConfig(blocks, 'lb1', '/home/u');
    assert.equal(e.hostName, '198.18.0.11');
    assert.equal(e.user, 'deploy');
    assert.equal(e.port, 2222);
    assert.deepEqual(e.identityFiles, ['/home/u/.ssh/lb_key', '/home/u/.ssh/default_key']);
    assert.equal(e.proxyJump, 'jump@bastion:2200');
  });
  it('handles wildcards, negation, Key=value, quotes and %h', () => {
    const e = lookupSshConfig(blocks, 'web.example', '/home/u');
    assert.equal(e.user, 'admin');
    assert.deepEqual(e.identityFiles, ['/keys/web.example key', '/home/u/.ssh/default_key']);
    assert.equal(lookupSshConfig(blocks, 'skip.example', '/home/u').user, 'fallback');
  });
  it('reads HostKeyAlias, first value wins', () => {
    const b = parseSshConfig('Host lb1\n  HostKeyAlias lb1-key\nHost *\n  HostKeyAlias other\n');
    assert.equal(lookupSshConfig(b, 'lb1', '/h').hostKeyAlias, 'lb1-key');
    assert.equal(lookupSshConfig(b, 'x', '/h').hostKeyAlias, 'other');
    assert.equal(lookupSshConfig(blocks, 'lb1', '/h').hostKeyAlias, undefined);
  });
  it('skips Match blocks', () => {
    assert.equal(lookupSshConfig(blocks, 'foo', '/h').user, 'fallback');
  });
  it('parses ProxyJump hop lists', () => {
    assert.deepEqual(parseProxyJump('a@b:1,c,[fd00::1]:22'), [
      { user: 'a', host: 'b', port: 1 },
      { user: undefined, host: 'c', port: undefined },
      { user: undefined, host: 'fd00::1', port: 22 },
    ]);
  });
});

describe('deploy targets', () => {
  const text = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8').replace(
    'lb lb2 { address 198.18.0.12; role backup; os debian }',
    'lb lb2 { address 198.18.0.12; role backup; os debian; ssh ops@lb2:2022; key /keys/special }',
  );
  const model = analyze(text, 'lab.halab').model;
  const cfg = parseSshConfig('Host lb2\n  HostName 198.18.0.12\n  User nobody\n  Port 1\nHost 198.18.0.11\n  User cfguser\n');

  it('lets an explicit ssh statement win over ~/.ssh/config, and puts `key` first', () => {
    const t = resolveTargets(model, { sshConfig: cfg, home: '/home/u', lab: null, env: { SSH_AUTH_SOCK: '/run/agent' } });
    const lb2 = t.find((x) => x.name === 'lb2')!;
    // known_hosts knows lb2 by its HostName (ssh(1) with no HostKeyAlias), not by the alias.
    assert.deepEqual([lb2.user, lb2.host, lb2.port, lb2.hostKeyAlias], ['ops', '198.18.0.12', 2022, undefined]);
    assert.equal(lb2.identityFiles[0], '/keys/special');
    assert.equal(lb2.agent, '/run/agent');
    const lb1 = t.find((x) => x.name === 'lb1')!;
    assert.equal(lb1.user, 'cfguser', 'derived ssh target: config User applies');
    assert.deepEqual(lb1.identityFiles, ['/home/u/.ssh/id_ed25519', '/home/u/.ssh/id_ecdsa', '/home/u/.ssh/id_rsa']);
  });

  it('uses the lab key and known_hosts for hosts whose address is a lab host', () => {
    const lab: LabState = {
      topology: 'lab', bridge: 'halab0', controlAddress: '198.18.0.1', prefix: 24, dir: '/var/lib/halab/lab/lab',
      keyPath: '/var/lib/halab/lab/lab/id_ed25519', knownHostsPath: '/var/lib/halab/lab/lab/known_hosts', createdAt: '',
      hosts: [
        { name: 'lb1', role: 'lb', address: '198.18.0.11', netns: 'halab-lab-lb1' },
        { name: 'web1', role: 'upstream', address: '198.18.0.99', netns: 'halab-lab-web1' },
      ],
    };
    const t = resolveTargets(model, { sshConfig: cfg, home: '/home/u', lab });
    const lb1 = t.find((x) => x.name === 'lb1')!;
    assert.equal(lb1.via, 'lab');
    assert.deepEqual(lb1.identityFiles, [lab.keyPath]);
    assert.deepEqual(lb1.knownHostsFiles, [lab.knownHostsPath]);
    // address differs from the lab's: not a lab host
    assert.equal(t.find((x) => x.name === 'web1')!.via, 'ssh');
  });
});
