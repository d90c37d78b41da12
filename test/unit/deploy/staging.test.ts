/**
 * The deploy's remote scripts for staging and for the kernel state a rollback restores, run for
 * real with sh and coreutils on this machine (staging in a temp dir; nft and sysctl inside a
 * throwaway network namespace, `unshare -n`, so the machine's own rules are never touched), and
 * the preflight's derivation of the tools a host needs. The deploy flow itself: engine.test.ts;
 * the SFTP side (O_EXCL, fchown/fchmod) against a real sshd: test/e2e/lab-sealed.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync,
  writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { placeholderSecrets } from '../../../server/src/secrets.js';
import {
  captureRuntimeCommand,
  factsCommand,
  nftTables,
  parseFacts,
  parseIds,
  parseRuntime,
  prepareStagingCommand,
  restoreRuntimeCommand,
  stagingPath,
  sysctlKeys,
} from '../../../server/src/deploy/remote-ops.js';
import { checkTools, toolsNeeded } from '../../../server/src/deploy/preflight.js';
import { bootstrapCommands, toolRequirement } from '../../../server/src/deploy/bootstrap.js';
import { renderCommand, type Command } from '../../../server/src/deploy/shell-quote.js';

const isRoot = process.getuid?.() === 0;
const sh = (cmd: Command, env?: NodeJS.ProcessEnv) =>
  spawnSync('sh', ['-c', renderCommand(cmd)], { encoding: 'utf8', env: env ?? process.env });
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }).status === 0;

describe('staging scripts (real sh)', () => {
  it('creates a root-only staging directory per live directory, refuses one that exists (a planted symlink), answers ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-stage-'));
    try {
      const live = join(dir, 'www');
      const r = sh(prepareStagingCommand([live], 'abc123', ['root'], ['root']));
      assert.equal(r.status, 0, r.stderr);
      const staged = stagingPath(join(live, 'index.html'), 'abc123');
      const st = statSync(join(live, '.halab-abc123'));
      assert.equal(st.mode & 0o777, 0o700);
      assert.ok(staged.startsWith(join(live, '.halab-abc123') + '/'));
      assert.deepEqual(parseIds(r.stdout), { uid: new Map([['root', 0]]), gid: new Map([['root', 0]]) });

      // someone who can write the live directory plants a link where the staging dir would go
      const victim = join(dir, 'victim');
      mkdirSync(victim);
      symlinkSync(victim, join(live, '.halab-def456'));
      const r2 = sh(prepareStagingCommand([live], 'def456', [], []));
      assert.notEqual(r2.status, 0, 'mkdir must fail on an existing name');
      assert.ok(lstatSync(join(live, '.halab-def456')).isSymbolicLink(), 'the link is left alone');
      assert.deepEqual(readdirSync(victim), [], 'nothing created through the link');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails on an unknown owner or group instead of guessing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-stage-'));
    try {
      const r = sh(prepareStagingCommand([dir], 'x1', [], ['no-such-group-halab']));
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /no group no-such-group-halab/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('facts report a symlink as a link and never read through it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-facts-'));
    try {
      const secret = join(dir, 'secret');
      writeFileSync(secret, 'TOP SECRET\n');
      const link = join(dir, 'index.html');
      symlinkSync(secret, link);
      const plain = join(dir, 'plain');
      writeFileSync(plain, 'plain\n');
      const r = sh(factsCommand([link, plain]));
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, new RegExp(Buffer.from('TOP SECRET\n').toString('base64')));
      const f = parseFacts(r.stdout, [link, plain]);
      assert.deepEqual([...f.links], [link]);
      assert.deepEqual([...f.files.keys()], [plain]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kernel state a rollback restores (real nft and sysctl in a throwaway network namespace)', {
  skip: (!isRoot || !has('nft') || !has('unshare')) && 'needs root, nft and unshare',
}, () => {
  /** Runs a script of our commands inside one fresh network namespace; returns each command's stdout. */
  function inNetns(cmds: Command[]): string[] {
    const marker = '@@halab-step';
    const script = cmds.map((c) => `${renderCommand(c)} || echo "FAILED $?"; echo ${marker}`).join('\n');
    const out = execFileSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    return out.split(`${marker}\n`);
  }

  const OLD = 'table inet halab {\n  chain input {\n    type filter hook input priority filter; policy accept;\n' +
    '    tcp dport 8080 accept\n  }\n}\n';
  const NEW = 'table inet halab\ndelete table inet halab\ntable inet halab {\n  chain input {\n' +
    '    type filter hook input priority filter; policy drop;\n    tcp dport 8081 accept\n  }\n}\n';

  it('an nft table that did not exist before is removed again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-nft-'));
    try {
      const f = join(dir, 'firewall.nft');
      writeFileSync(f, NEW);
      const [captured] = inNetns([captureRuntimeCommand('nft', NEW)]);
      const snap = parseRuntime('nft', f, captured!);
      assert.deepEqual(snap, { kind: 'nft', path: f, tables: [{ family: 'inet', name: 'halab' }] });
      const [, , after] = inNetns([['nft', '-f', f], restoreRuntimeCommand(snap), ['nft', 'list', 'ruleset']]);
      assert.equal(after!.trim(), '', 'no table left');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a table that existed before gets its old rules back (policy accept, port 8080)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-nft-'));
    try {
      const oldF = join(dir, 'old.nft');
      const f = join(dir, 'firewall.nft');
      writeFileSync(oldF, OLD);
      writeFileSync(f, NEW);
      // one namespace for the whole sequence: load old, capture, apply new, restore, list
      const script = [
        `nft -f ${oldF}`,
        `${renderCommand(captureRuntimeCommand('nft', NEW))} > ${dir}/snap`,
        `nft -f ${f}`,
        `nft list table inet halab > ${dir}/applied`,
      ].join(' && ');
      execFileSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
      const snap = parseRuntime('nft', f, readFileSync(join(dir, 'snap'), 'utf8'));
      assert.match(readFileSync(join(dir, 'applied'), 'utf8'), /policy drop/);
      const out = execFileSync('unshare', [
        '-n', 'sh', '-c', `nft -f ${f} && ${renderCommand(restoreRuntimeCommand(snap))} && nft list table inet halab`,
      ], {
        encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
      assert.match(out, /policy accept/);
      assert.match(out, /dport 8080 accept/);
      assert.doesNotMatch(out, /8081|policy drop/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sysctl values the file sets are read first and written back', () => {
    const content = '# x\nnet.ipv4.ip_nonlocal_bind = 1\n';
    assert.deepEqual(sysctlKeys(content), ['net.ipv4.ip_nonlocal_bind']);
    const dir = mkdtempSync(join(tmpdir(), 'halab-sysctl-'));
    try {
      const f = join(dir, '90.conf');
      writeFileSync(f, content);
      const out = execFileSync('unshare', ['-n', 'sh', '-c', [
        renderCommand(captureRuntimeCommand('sysctl', content)),
        `sysctl -q -p ${f}`,
        'echo "@@applied $(sysctl -n net.ipv4.ip_nonlocal_bind)"',
      ].join(' && ')], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
      const snap = parseRuntime('sysctl', f, out);
      assert.deepEqual(snap, { kind: 'sysctl', path: f, values: [['net.ipv4.ip_nonlocal_bind', '0']] }, 'a fresh namespace starts at 0');
      assert.match(out, /@@applied 1/);
      const back = execFileSync('unshare', [
        '-n', 'sh', '-c', `sysctl -q -p ${f} && ${renderCommand(restoreRuntimeCommand(snap))} && sysctl -n net.ipv4.ip_nonlocal_bind`,
      ], {
        encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
      assert.equal(back.trim(), '0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('preflight: the tools a host needs, derived from its files', () => {
  const LAB = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8');
  const filesOf = (text: string) => {
    const a = analyze(text, 'lab.halab');
    assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
    return render(a.model, { source: 'lab.halab', secrets: placeholderSecrets }).files;
  };

  it('lbs with nftables need haproxy, keepalived, perl (halab-watch), sysctl, nft and the service manager', () => {
    const lb1 = filesOf(LAB.replace('firewall none', 'firewall nftables')).filter((f) => f.host === 'lb1');
    assert.deepEqual([...new Set(toolsNeeded(lb1, 'sysv').map((n) => n.binary))].sort(),
      ['haproxy', 'keepalived', 'nft', 'perl', 'service', 'sysctl']);
    assert.deepEqual([...new Set(toolsNeeded(lb1, 'systemd').map((n) => n.binary))].sort(),
      ['haproxy', 'keepalived', 'nft', 'perl', 'sysctl', 'systemctl']);
  });

  it('firewalld rules need firewall-cmd (the command the script runs); the fix names --bootstrap and the other kinds', () => {
    const web1 = filesOf(LAB.replace('firewall none', 'firewall firewalld')).filter((f) => f.host === 'web1');
    const c = checkTools('web1', 'debian', web1, 'systemd', new Set(['nginx', 'systemctl']));
    assert.deepEqual([...new Set(c.lacking.map((n) => n.binary))], ['firewall-cmd']);
    assert.deepEqual(c.installable.map((r) => r.pkg), ['firewalld']);
    assert.match(c.message!, new RegExp(
      /^web1 lacks firewall-cmd \(to apply \/etc\/halab\/firewall\.sh; package firewalld\): nothing was changed; /.source +
        /run deploy with --bootstrap to install firewalld, or choose .*`firewall nftables` or `firewall none`/.source,
    ));
  });

  it('--bootstrap installs a tool with its package per OS family, and starts firewalld (firewall-cmd needs it running)', () => {
    assert.deepEqual(bootstrapCommands('debian', [toolRequirement('debian', 'nft')!], true).map(renderCommand).slice(1), [
      "env 'DEBIAN_FRONTEND=noninteractive' apt-get install -y -q --no-install-recommends nftables",
    ]);
    const needs = [toolRequirement('almalinux', 'firewall-cmd')!, toolRequirement('almalinux', 'sysctl')!];
    assert.deepEqual(bootstrapCommands('almalinux', needs, true).map(renderCommand), [
      'dnf -y -q install firewalld procps-ng',
      'systemctl enable firewalld',
      'systemctl start firewalld',
    ]);
    assert.equal(toolRequirement('debian', 'systemctl'), undefined, 'the service manager comes with the init system');
  });

  it('nothing lacking: no message', () => {
    const lb1 = filesOf(LAB).filter((f) => f.host === 'lb1');
    assert.equal(checkTools('lb1', 'debian', lb1, 'sysv', new Set(['haproxy', 'keepalived', 'perl', 'sysctl', 'service', 'nft'])).message,
      undefined);
  });

  it('an lb without nft: the flow handoff needs it, and the message says how to do without it', () => {
    const lb1 = filesOf(LAB).filter((f) => f.host === 'lb1');
    const msg = checkTools('lb1', 'debian', lb1, 'sysv', new Set(['haproxy', 'keepalived', 'perl', 'sysctl', 'service'])).message ?? '';
    assert.match(msg, /^lb1 lacks nft \(to validate \/etc\/halab\/handoff\.nft, to apply \/etc\/halab\/handoff\.nft; package nftables\)/);
    assert.match(msg, /--bootstrap to install nftables, or turn the flow handoff off in the file \(`handoff off` in each vip block\)$/);
    const off = filesOf(LAB.replace('  router-id 51\n', '  router-id 51\n  handoff off\n')).filter((f) => f.host === 'lb1');
    assert.equal(off.some((f) => f.path === '/etc/halab/handoff.nft'), false);
    assert.equal(
      checkTools('lb1', 'debian', off, 'sysv', new Set(['haproxy', 'keepalived', 'perl', 'sysctl', 'service'])).message,
      undefined,
    );
  });

  it('nft tables and sysctl keys are read from the rendered files', () => {
    const lb1 = filesOf(LAB.replace('firewall none', 'firewall nftables')).filter((f) => f.host === 'lb1');
    assert.deepEqual(nftTables(lb1.find((f) => f.path === '/etc/halab/firewall.nft')!.content), [{ family: 'inet', name: 'halab' }]);
    assert.deepEqual(nftTables(lb1.find((f) => f.path === '/etc/halab/handoff.nft')!.content), [{ family: 'ip', name: 'halab_handoff' }]);
    assert.deepEqual(sysctlKeys(lb1.find((f) => f.apply === 'sysctl')!.content),
      ['net.ipv4.ip_nonlocal_bind', 'net/ipv4/conf/eth0/arp_ignore', 'net/ipv4/conf/eth0/arp_announce']);
    assert.ok(existsSync('/bin/sh'));
  });
});
