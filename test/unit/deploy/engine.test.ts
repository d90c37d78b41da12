/**
 * The deploy engine against fake hosts: an in-memory file system that answers the commands
 * deploy sends (matched against the command builders, so a changed command shape shows up
 * here). Covers rolling order, idempotency, validation failure, rollback, OS check, bootstrap,
 * secret masking and mode-only changes. Real daemons are exercised in test/e2e/deploy.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import type { Topology } from '../../../shared/model/types.js';
import { SERVICES, type RenderedFile } from '../../../server/src/render/types.js';
import { deploy, type DeployEvent, type DeployOptions, type Remote } from '../../../server/src/deploy/deploy.js';
import {
  BACKUP_ROOT,
  applyCommand,
  backupCommand,
  captureRuntimeCommand,
  factsCommand,
  nftTables,
  prepareStagingCommand,
  reloadCommand,
  removeStagingCommand,
  restoreCommand,
  restoreRuntimeCommand,
  statusCommand,
} from '../../../server/src/deploy/remote-ops.js';
import { renderCommand, type Command } from '../../../server/src/deploy/shell-quote.js';
import type { HostTarget } from '../../../server/src/deploy/targets.js';
import type { ExecResult } from '../../../server/src/deploy/ssh.js';
import { formatSummary } from '../../../server/src/deploy/summary.js';

const VRRP = 'vrrp-S3cret-xyz';
const STATS = 'stats-P4ss-word';
const secrets = envSecrets({ HALAB_VRRP_AUTH: VRRP, HALAB_STATS_PASSWORD: STATS });
const LAB = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8');

function model(text = LAB): Topology {
  const a = analyze(text, 'lab.halab');
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
  return a.model;
}

function files(m: Topology): RenderedFile[] {
  return render(m, { source: 'lab.halab', secrets }).files;
}

interface FsEntry {
  content: string;
  mode: number;
  owner: string;
  group: string;
}

/** Commands the fake hosts answer only when the binary is in `binaries` (the rest: coreutils, sh). */
const FAKE_TOOLS = ['nft', 'sysctl', 'firewall-cmd', 'haproxy', 'keepalived', 'nginx'];
/** Users and groups of the fake hosts (name, id). */
const FAKE_IDS: Array<[string, number]> = [['root', 0], ['haproxy', 108]];

const same = (a: Command, b: Command) => renderCommand(a) === renderCommand(b);
const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', code: 0 });

/** A host as deploy sees it. Journal: every command and file operation, in order. */
class FakeHost implements Remote {
  fs = new Map<string, FsEntry>();
  journal: string[] = [];
  running = new Set<string>();
  binaries = new Set(['haproxy', 'keepalived', 'nginx', 'killall', 'perl', 'nft', 'sysctl', 'service']);
  osId = 'debian';
  unreachable = false;
  failReload?: string;
  vip?: string;
  /** The kernel's state that `apply` changes: the loaded nft tables ("family name" → rules) and sysctl values. */
  nft = new Map<string, string>();
  /** The firewall's table (the lbs also load the flow handoff's tables). */
  get nftRuleset(): string | undefined {
    return this.nft.get('inet halab');
  }
  sysctl = new Map([['net.ipv4.ip_nonlocal_bind', '0'], ['net.ipv6.ip_nonlocal_bind', '0']]);
  /** Drop the connection right after the first command matching this (the command itself succeeds). */
  dropAfter?: RegExp;
  /** Every path written through writeFile, with the options it was written with. */
  writes: Array<{ path: string; opts: unknown }> = [];

  constructor(readonly name: string) {}

  private guard() {
    if (this.unreachable) throw new Error(`lost connection to ${this.name} while running a command`);
  }

  async exec(cmd: Command): Promise<ExecResult> {
    this.guard();
    const line = renderCommand(cmd);
    this.journal.push(line);
    const r = this.answer(cmd, line);
    if (this.dropAfter?.test(line)) this.unreachable = true;
    return r;
  }

  private answer(cmd: Command, line: string): ExecResult {
    const argv0 = (cmd as string[])[0]!;
    if (FAKE_TOOLS.includes(argv0) && !this.binaries.has(argv0)) {
      return { stdout: '', stderr: `sh: 1: ${argv0}: not found`, code: 127 };
    }
    const argv = cmd as string[];
    const tail = argv.slice(4);
    if (same(cmd, factsCommand(tail.slice(1)))) {
      tail.shift();
      let out = `@@os\nID=${this.osId}\nPRETTY_NAME="Fake ${this.osId}"\n@@bin\n${[...this.binaries].join('\n')}\n@@init\nsysv\n`;
      tail.forEach((p, i) => {
        const f = this.fs.get(p);
        if (f) out += `@@file ${i + 1} ${f.mode.toString(8)} ${f.owner} ${f.group}\n${Buffer.from(f.content).toString('base64')}\n`;
      });
      return ok(out + '@@end\n');
    }
    if (argv[0] === 'sh' && argv[2] === (prepareStagingCommand([], '', [], []) as string[])[2]) {
      // tok n dirs… u:NAME… g:NAME…: the staging dirs hold nothing yet; answer the ids
      const [tok, n] = [tail[0]!, Number(tail[1])];
      const dirs = tail.slice(2, 2 + n);
      const names = tail.slice(2 + n);
      assert.ok(same(cmd, prepareStagingCommand(
        dirs,
        tok,
        names.filter((x) => x.startsWith('u:')).map((x) => x.slice(2)),
        names.filter((x) => x.startsWith('g:')).map((x) => x.slice(2)),
      )));
      for (const d of dirs)
        if ([...this.fs.keys()].some((p) => p.startsWith(`${d}/.halab-${tok}/`)))
          return { stdout: '', stderr: 'mkdir: File exists', code: 1 };
      const id = (x: string) => FAKE_IDS.find(([name]) => name === x.slice(2))![1];
      return ok(names.map((x) => `@@${x.startsWith('u:') ? 'uid' : 'gid'} ${x.slice(2)} ${id(x)}\n`).join(''));
    }
    if (argv[0] === 'rm' && same(cmd, removeStagingCommand(argv.slice(3)))) {
      for (const d of argv.slice(3)) for (const p of [...this.fs.keys()]) if (p.startsWith(`${d}/`)) this.fs.delete(p);
      return ok();
    }
    if (argv[0] === 'sh' && argv[2] === (captureRuntimeCommand('sysctl', '') as string[])[2]) {
      return ok(tail.map((k) => `@@kv ${k}=${this.sysctl.get(k) ?? ''}\n`).join(''));
    }
    if (argv[0] === 'sh' && argv[2] === (captureRuntimeCommand('nft', '') as string[])[2]) {
      let out = '';
      for (let i = 0; i < tail.length; i += 2) {
        out += `@@table ${tail[i]} ${tail[i + 1]}\n${this.nft.get(`${tail[i]} ${tail[i + 1]}`) ?? ''}`;
      }
      return ok(out);
    }
    // the fake host runs sysv: a unit is never enabled, and applying or restoring one does nothing
    if (argv[0] === 'sh' && argv[2] === (captureRuntimeCommand('unit', '', 'x') as string[])[2]) return ok('@@enabled no\n');
    if (argv[0] === 'sh' && argv[2] === (applyCommand('unit', 'x') as string[])[2]) return ok();
    if (argv[0] === 'sh' && argv[2] === (restoreRuntimeCommand({ kind: 'unit', path: 'x', unit: 'x', enabled: false }) as string[])[2]) {
      return ok();
    }
    if (argv[0] === 'sysctl' && argv[2] === '-w') {
      for (const kv of argv.slice(3)) this.sysctl.set(kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1));
      return ok();
    }
    if (argv[0] === 'sh' && argv[2] === (restoreRuntimeCommand({ kind: 'nft', path: 'x', tables: [] }) as string[])[2]) {
      // (family, name, listing) per table: its listing, or nothing (absent before)
      for (let i = 0; i + 2 < tail.length; i += 3) {
        if (tail[i + 2]) this.nft.set(`${tail[i]} ${tail[i + 1]}`, tail[i + 2]!);
        else this.nft.delete(`${tail[i]} ${tail[i + 1]}`);
      }
      return ok();
    }
    if (same(cmd, backupCommand(tail))) {
      for (const p of tail) this.fs.set(BACKUP_ROOT + p, { ...this.fs.get(p)! });
      return ok();
    }
    if (argv[0] === 'sh' && same(cmd, (restoreCommand([]) as string[]).concat(tail))) {
      for (let i = 0; i < tail.length; i += 2) {
        const p = tail[i + 1]!;
        if (tail[i] === '1') this.fs.set(p, { ...this.fs.get(BACKUP_ROOT + p)! });
        else this.fs.delete(p);
      }
      return ok();
    }
    for (const svc of SERVICES) {
      if (same(cmd, reloadCommand('sysv', svc))) {
        if (this.failReload === svc) return { stdout: '', stderr: `${svc}: reload failed`, code: 1 };
        this.running.add(svc);
        return ok();
      }
      if (same(cmd, statusCommand('sysv', svc))) return { stdout: '', stderr: '', code: this.running.has(svc) ? 0 : 1 };
    }
    if (argv[0] === 'haproxy' || argv[0] === 'keepalived') {
      const f = this.fs.get(argv[argv.length - 1]!);
      if (!f) return { stdout: '', stderr: 'no such file', code: 1 };
      return f.content.includes('halab-test-corruption')
        ? { stdout: '', stderr: `[ALERT] parsing [${argv[argv.length - 1]}:99]: unknown keyword 'halab-test-corruption'`, code: 1 }
        : ok();
    }
    if (argv[0] === 'nginx' && argv[1] === '-t') return ok();
    if ((argv[0] === 'perl' && argv[1] === '-c') || (argv[0] === 'sh' && argv[1] === '-n')) return ok();
    if (same(cmd, applyCommand('sysctl', argv[argv.length - 1]!))) {
      for (const m of this.fs.get(argv[argv.length - 1]!)!.content.matchAll(/^([\w.]+) = (\S+)$/gm)) this.sysctl.set(m[1]!, m[2]!);
      return ok();
    }
    if (argv[0] === 'nft' && argv[1] === '-c') return ok();
    if (same(cmd, applyCommand('nft', argv[argv.length - 1]!))) {
      const content = this.fs.get(argv[argv.length - 1]!)!.content;
      for (const t of nftTables(content)) this.nft.set(`${t.family} ${t.name}`, content);
      return ok();
    }
    if (same(cmd, ['ip', '-o', 'addr', 'show'])) {
      const vip = this.vip && this.running.has('keepalived') ? `2: eth0    inet ${this.vip}/24 scope global secondary eth0\n` : '';
      return ok(`2: eth0    inet 198.18.0.11/24 brd 198.18.0.255 scope global eth0\n${vip}`);
    }
    return { stdout: '', stderr: `fake host: unexpected command ${line}`, code: 127 };
  }

  async writeFile(path: string, data: string | Buffer, opts: number | { mode: number; uid?: number; gid?: number } = 0o600): Promise<void> {
    this.guard();
    this.journal.push(`write ${path}`);
    this.writes.push({ path, opts });
    const o = typeof opts === 'number' ? { mode: opts } : opts;
    // exclusive creation: never through or over something that is there
    if (typeof opts !== 'number' && this.fs.has(path)) throw new Error(`write ${path}: Failure (file exists)`);
    const name = (id: number | undefined) => (id === undefined ? 'root' : (FAKE_IDS.find(([, n]) => n === id)?.[0] ?? String(id)));
    this.fs.set(path, { content: data.toString(), mode: o.mode, owner: name(o.uid), group: name(o.gid) });
  }

  async rename(from: string, to: string): Promise<void> {
    this.guard();
    this.journal.push(`rename ${from} ${to}`);
    const f = this.fs.get(from);
    if (!f) throw new Error(`no such file ${from}`);
    this.fs.set(to, f);
    this.fs.delete(from);
    if (this.dropAfter?.test(`rename ${from} ${to}`)) {
      this.unreachable = true;
      throw new Error(`lost connection to ${this.name}: connection reset`);
    }
  }

  close(): void {}

  snapshot(): Map<string, FsEntry> {
    return new Map([...this.fs].filter(([p]) => !p.startsWith(BACKUP_ROOT)).map(([p, f]) => [p, { ...f }]));
  }
}

function targetsOf(m: Topology): HostTarget[] {
  const base = { port: 22, user: 'root', identityFiles: [], knownHostsFiles: [], jumps: [], via: 'ssh' as const, managed: true };
  return [
    ...m.upstreams.map((u) => ({
      ...base, name: u.name, role: 'upstream' as const, address: u.address, host: u.address, hostKeyAlias: u.address, os: u.os,
    })),
    ...m.lbs.map((l) => ({
      ...base, name: l.name, role: 'lb' as const, lbRole: l.role, address: l.address, host: l.address, hostKeyAlias: l.address, os: l.os,
    })),
  ];
}

function cluster(m: Topology) {
  const hosts = new Map([...m.lbs, ...m.upstreams].map((h) => [h.name, new FakeHost(h.name)]));
  hosts.get(m.lbs.find((l) => l.role === 'primary')!.name)!.vip = m.vips[0]!.address;
  const events: DeployEvent[] = [];
  const order: string[] = [];
  const run = (fs: RenderedFile[], extra: Partial<DeployOptions> = {}) =>
    deploy(
      m,
      {
        files: fs,
        secretValues: [VRRP, STATS],
        targets: targetsOf(m),
        connect: async (t) => hosts.get(t.name)!,
        verify: { sites: false, timeoutMs: 500 },
        ...extra,
      },
      (e) => {
        events.push(e);
        if (e.step === 'upload' && e.status === 'start') order.push(e.host!);
      },
    );
  return { hosts, events, order, run };
}

describe('deploy engine (fake hosts)', () => {
  it('deploys upstreams first, then the backup, then the primary, and lands every file with its mode', async () => {
    const m = model();
    const c = cluster(m);
    const fs = files(m);
    const r = await c.run(fs);
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.deepEqual(c.order, ['web1', 'web2', 'lb2', 'lb1']);
    for (const f of fs) {
      const got = c.hosts.get(f.host)!.fs.get(f.path);
      assert.ok(got, `${f.host}:${f.path} deployed`);
      assert.equal(got.content, f.content);
      assert.equal(got.mode, f.mode, `${f.path} mode`);
      assert.equal(`${got.owner}:${got.group}`, `${f.owner}:${f.group}`);
    }
    assert.deepEqual(r.hosts.find((h) => h.host === 'lb1')!.reloaded, ['haproxy', 'halab-watch', 'keepalived']);
    assert.deepEqual(r.hosts.find((h) => h.host === 'web1')!.reloaded, ['nginx']);
    // no staging file is left behind
    for (const h of c.hosts.values()) assert.deepEqual([...h.fs.keys()].filter((p) => p.includes('.halab-new')), []);
    assert.deepEqual(r.cluster?.vipHolders, { '198.18.0.100': ['lb1'] });
  });

  it('uploads nothing and reloads nothing on a second deploy with no change', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    for (const h of c.hosts.values()) h.journal = [];
    const r = await c.run(files(m));
    assert.equal(r.ok, true);
    for (const h of r.hosts) {
      assert.equal(h.status, 'unchanged');
      assert.deepEqual(h.uploaded, []);
      assert.deepEqual(h.reloaded, []);
    }
    for (const h of c.hosts.values()) {
      assert.ok(!h.journal.some((l) => l.startsWith('write ') || l.startsWith('rename ') || /reload|start/.test(l)), h.journal.join('\n'));
    }
  });

  it('a change to one site reloads only haproxy on the lbs', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    const m2 = model(LAB.replace('servers web1 web2\n  page "WEB 02', 'servers web1 web2\n  balance leastconn\n  page "WEB 02'));
    const r = await c.run(files(m2));
    assert.equal(r.ok, true);
    const by = Object.fromEntries(r.hosts.map((h) => [h.host, h]));
    assert.deepEqual(by.lb1!.reloaded, ['haproxy']);
    assert.deepEqual(by.lb2!.reloaded, ['haproxy']);
    assert.deepEqual(by.web1!.reloaded, []);
    assert.deepEqual(by.lb1!.uploaded, ['/etc/haproxy/haproxy.cfg']);
  });

  it('a config failing haproxy -c replaces nothing, leaves no staging file and never touches the primary', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    const before = new Map([...c.hosts].map(([n, h]) => [n, h.snapshot()]));
    for (const h of c.hosts.values()) h.journal = [];
    const m2 = model(LAB.replace('balance', 'balance').replace('page "WEB 02 - TEST PAGE"', 'page "WEB 02 - TEST PAGE"\n  balance source'));
    const r = await c.run(files(m2), {
      transformFile: (f) => (f.path.endsWith('haproxy.cfg') ? { ...f, content: f.content + '\nhalab-test-corruption\n' } : f),
    });
    assert.equal(r.ok, false);
    assert.equal(r.failure?.host, 'lb2');
    assert.equal(r.failure?.step, 'validate');
    assert.match(r.failure!.message, /haproxy -c/);
    assert.match(r.failure!.message, /halab-test-corruption/);
    for (const [n, h] of c.hosts) assert.deepEqual(h.snapshot(), before.get(n), `${n} unchanged`);
    // lb1 (the primary) saw nothing but the read-only fact gathering
    assert.ok(c.hosts.get('lb1')!.journal.every((l) => l.startsWith('sh -c') && l.includes('@@os')),
      c.hosts.get('lb1')!.journal.join('\n'));
  });

  it('a reload failing on the primary restores every host changed in this run', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    const before = new Map([...c.hosts].map(([n, h]) => [n, h.snapshot()]));
    c.hosts.get('lb1')!.failReload = 'haproxy';
    const m2 = model(LAB.replace('page "WEB 01 - TEST PAGE"', 'page "WEB 01 - NEW PAGE"\n  balance leastconn'));
    const r = await c.run(files(m2));
    assert.equal(r.ok, false);
    assert.deepEqual(r.failure && [r.failure.host, r.failure.step], ['lb1', 'reload']);
    for (const [n, h] of c.hosts) assert.deepEqual(h.snapshot(), before.get(n), `${n} restored`);
    const by = Object.fromEntries(r.hosts.map((h) => [h.host, h.status]));
    assert.deepEqual(by, { web1: 'rolled-back', web2: 'rolled-back', lb2: 'rolled-back', lb1: 'failed' });
  });

  it('a failure on the backup lb leaves the primary untouched', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    c.hosts.get('lb2')!.failReload = 'haproxy';
    for (const h of c.hosts.values()) h.journal = [];
    const r = await c.run(files(model(LAB.replace('page "WEB 01 - TEST PAGE"', 'page "WEB 01 - TEST PAGE"\n  balance first'))));
    assert.equal(r.failure?.host, 'lb2');
    assert.equal(r.hosts.find((h) => h.host === 'lb1')!.status, 'skipped');
    assert.ok(c.hosts.get('lb1')!.journal.every((l) => l.includes('@@os')));
  });

  it('names a host that becomes unreachable mid-deploy and rolls back the others', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    const before = c.hosts.get('web1')!.snapshot();
    const r = await c.run(files(model(LAB.replace('WEB 01 - TEST PAGE', 'WEB 01 - v2'))), {
      afterHost: (h) => {
        if (h === 'web1') c.hosts.get('web2')!.unreachable = true;
      },
    });
    assert.equal(r.ok, false);
    assert.equal(r.failure?.host, 'web2');
    assert.match(r.failure!.message, /lost connection to web2/);
    const web2 = r.hosts.find((h) => h.host === 'web2')!;
    assert.equal(web2.restored, false);
    assert.equal(r.hosts.find((h) => h.host === 'web1')!.status, 'rolled-back');
    assert.deepEqual(c.hosts.get('web1')!.snapshot(), before);
  });

  it('stops before any change when a host runs another OS than declared', async () => {
    const m = model();
    const c = cluster(m);
    c.hosts.get('web2')!.osId = 'almalinux';
    const r = await c.run(files(m));
    assert.equal(r.failure?.step, 'os');
    assert.match(r.failure!.message, /web2.*os debian.*almalinux.*os almalinux/s);
    for (const h of c.hosts.values()) assert.equal(h.fs.size, 0);
  });

  it('refuses a host lacking packages without --bootstrap, and installs them with it', async () => {
    const m = model();
    const c = cluster(m);
    c.hosts.get('lb2')!.binaries = new Set(['nginx']);
    const r = await c.run(files(m));
    assert.equal(r.failure?.step, 'bootstrap');
    assert.match(r.failure!.message, /lb2 lacks haproxy, keepalived, psmisc.*--bootstrap/);
    const lb2 = c.hosts.get('lb2')!;
    lb2.journal = [];
    const r2 = await c.run(files(m), { bootstrap: true, verify: { vip: false, sites: false } });
    // the fake answers apt-get with 127: the deploy fails at bootstrap having tried the right command
    assert.equal(r2.failure?.step, 'bootstrap');
    assert.ok(lb2.journal.some((l) => l === "env 'DEBIAN_FRONTEND=noninteractive' apt-get update -q"), lb2.journal.join('\n'));
    assert.deepEqual(c.hosts.get('lb1')!.journal.filter((l) => l.includes('apt-get')), []);
  });

  it('never lets a secret into events, diffs or the result', async () => {
    const m = model();
    const c = cluster(m);
    const fs = files(m);
    assert.ok(fs.some((f) => f.content.includes(STATS)) && fs.some((f) => f.content.includes(VRRP.slice(0, 8))),
      'the rendered files do hold the secrets');
    const r = await c.run(fs, { plan: true });
    const r2 = await c.run(fs);
    const all = JSON.stringify([c.events, r, r2]);
    assert.ok(!all.includes(STATS), 'stats password leaked');
    assert.ok(!all.includes(VRRP.slice(0, 8)), 'VRRP auth (or its 8-char prefix) leaked');
    assert.match(JSON.stringify(r.hosts[3]!.plan), /\*{8}/);
  });

  it('fixes a mode-only difference in place without reloading', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    c.hosts.get('lb1')!.fs.get('/etc/haproxy/haproxy.cfg')!.mode = 0o644;
    const r = await c.run(files(m));
    const lb1 = r.hosts.find((h) => h.host === 'lb1')!;
    assert.equal(lb1.status, 'applied');
    assert.deepEqual(lb1.reloaded, []);
    assert.deepEqual(lb1.uploaded, []);
    assert.equal(c.hosts.get('lb1')!.fs.get('/etc/haproxy/haproxy.cfg')!.mode, 0o640);
  });

  it('plan mode changes nothing', async () => {
    const m = model();
    const c = cluster(m);
    const r = await c.run(files(m), { plan: true });
    assert.equal(r.ok, true);
    assert.ok(r.hosts.every((h) => h.status === 'planned' && h.plan!.files.every((f) => f.status === 'new')));
    for (const h of c.hosts.values()) assert.equal(h.fs.size, 0);
  });
});

describe('deploy engine: staging, rollback of kernel state, lost hosts, tool preflight (issue 13)', () => {
  const NFT = LAB.replace('firewall none', 'firewall nftables');

  it('stages each file under an unpredictable name in a fresh root-only directory, created exclusively', async () => {
    const m = model();
    const names: string[] = [];
    for (let run = 0; run < 2; run++) {
      const c = cluster(m);
      const r = await c.run(files(m));
      assert.equal(r.ok, true, JSON.stringify(r.failure));
      const lb1 = c.hosts.get('lb1')!;
      const w = lb1.writes.find((x) => x.path.endsWith('/haproxy.cfg'))!;
      names.push(w.path);
      // not the old predictable name next to the live file, which a planted symlink could catch
      assert.notEqual(w.path, '/etc/haproxy/.haproxy.cfg.halab-new');
      const dir = w.path.slice(0, w.path.lastIndexOf('/'));
      assert.match(dir, /^\/etc\/haproxy\/\.halab-[0-9a-f]{16,}$/, 'same directory as the live file (atomic rename), own subdirectory');
      const token = dir.slice(dir.lastIndexOf('.halab-') + 7);
      assert.ok(lb1.journal.some((l) => /mkdir -m 0700 -- "\$1\/\.halab-\$tok"/.test(l) && l.includes(` ${token} `)),
        `created 0700: ${lb1.journal.join('\n')}`);
      // owner and mode set on the open file, not by path (a path may be swapped for a link)
      assert.deepEqual(w.opts, { mode: 0o640, uid: 0, gid: 108 });
      assert.ok(!lb1.journal.some((l) => /\bchown\b|\bchmod\b/.test(l)), 'no chown/chmod by path');
      assert.equal([...lb1.fs.keys()].filter((p) => p.includes('.halab-')).length, 0, 'staging removed');
    }
    assert.notEqual(names[0], names[1], 'a new name every run');
  });

  it('a failed reload after the firewall and sysctl were applied restores the kernel state too (nft table, sysctl values)', async () => {
    const m = model(NFT);
    const c = cluster(m);
    const lb2 = c.hosts.get('lb2')!;
    lb2.failReload = 'haproxy';
    const r = await c.run(files(m));
    assert.deepEqual(r.failure && [r.failure.host, r.failure.step], ['lb2', 'reload']);
    assert.ok(lb2.journal.some((l) => l.startsWith('nft -f')), 'the firewall had been applied');
    assert.equal(lb2.nftRuleset, undefined, 'the new table (policy drop) is unloaded again');
    assert.equal(lb2.sysctl.get('net.ipv4.ip_nonlocal_bind'), '0', 'sysctl value restored');
    for (const w of ['web1', 'web2']) assert.equal(c.hosts.get(w)!.nftRuleset, undefined, `${w} rolled back`);
  });

  it('a failed reload restores the previous nft ruleset when one was loaded', async () => {
    const m = model(NFT);
    const c = cluster(m);
    assert.equal((await c.run(files(m))).ok, true);
    const lb2 = c.hosts.get('lb2')!;
    const before = lb2.nftRuleset;
    assert.match(before!, /8080/);
    lb2.failReload = 'haproxy';
    const r = await c.run(files(model(NFT.replace('listen 8080', 'listen 8081'))));
    assert.equal(r.failure?.step, 'reload');
    assert.ok(lb2.journal.some((l) => l.includes('nft') && l.includes('8081')) || lb2.journal.some((l) => l.startsWith('nft -f')));
    assert.doesNotMatch(lb2.nftRuleset ?? '', /8081/, 'not the new rules');
    assert.match(lb2.nftRuleset ?? '', /8080/, 'the old rules again');
  });

  it('a connection lost during verify is reported as step verify and the host as lost (no rollback attempted on it)', async () => {
    const m = model();
    const c = cluster(m);
    const web1 = c.hosts.get('web1')!;
    web1.dropAfter = /service .*nginx.* (start|reload)|nginx/;
    web1.dropAfter = /if pidof/; // the reload command (sysv): connection drops once it ran
    const r = await c.run(files(m));
    assert.equal(r.ok, false);
    assert.deepEqual(r.failure && [r.failure.host, r.failure.step], ['web1', 'verify']);
    const h = r.hosts.find((x) => x.host === 'web1')!;
    assert.equal(h.failedStep, 'verify');
    assert.equal(h.lost, true);
    assert.equal(h.restored, false);
    assert.match(formatSummary(r), /^web1 .*FAILED at verify, connection lost \(not restored\)/m, 'the summary table says so');
    const rb = c.events.find((e) => e.host === 'web1' && e.step === 'rollback');
    assert.match(rb?.message ?? '', /unreachable/);
  });

  it('a connection lost during the swap is reported as step swap and the host as lost', async () => {
    const m = model();
    const c = cluster(m);
    c.hosts.get('lb2')!.dropAfter = /^rename .*keepalived\.conf$/;
    const r = await c.run(files(m));
    assert.deepEqual(r.failure && [r.failure.host, r.failure.step], ['lb2', 'swap']);
    const h = r.hosts.find((x) => x.host === 'lb2')!;
    assert.equal(h.lost, true);
    assert.equal(h.restored, false);
    assert.match(c.events.find((e) => e.host === 'lb2' && e.step === 'rollback')?.message ?? '', /unreachable.*keepalived\.conf/s);
  });

  it('a connection lost during the cluster check (VIP) is a failure of that lb, marked lost, and the rest is rolled back', async () => {
    const m = model();
    const c = cluster(m);
    await c.run(files(m));
    const before = c.hosts.get('web1')!.snapshot();
    const r = await c.run(files(model(LAB.replace('WEB 01 - TEST PAGE', 'WEB 01 - v3'))), {
      // the lbs are unchanged by a page edit: lb1 vanishes once the upstreams are done
      afterHost: (h) => {
        if (h === 'web2') c.hosts.get('lb1')!.unreachable = true;
      },
    });
    assert.equal(r.ok, false);
    assert.deepEqual(r.failure && [r.failure.host, r.failure.step], ['lb1', 'vip']);
    assert.match(r.failure!.message, /lost connection to lb1/);
    assert.equal(r.hosts.find((h) => h.host === 'lb1')!.lost, true);
    assert.equal(r.hosts.find((h) => h.host === 'web1')!.status, 'rolled-back');
    assert.deepEqual(c.hosts.get('web1')!.snapshot(), before);
  });

  it('a host lacking a tool the deploy needs (nft) stops everything before any change, naming the fixes', async () => {
    const m = model(NFT);
    const c = cluster(m);
    c.hosts.get('lb2')!.binaries.delete('nft');
    const r = await c.run(files(m));
    assert.equal(r.ok, false);
    assert.deepEqual(r.failure && [r.failure.host, r.failure.step], ['lb2', 'preflight']);
    assert.match(r.failure!.message, /lb2 lacks nft/);
    assert.match(r.failure!.message, /--bootstrap/);
    assert.match(r.failure!.message, /nftables/);
    assert.match(r.failure!.message, /`firewall/);
    for (const h of c.hosts.values()) assert.ok(!h.journal.some((l) => /^(write|rename) |mkdir/.test(l)),
      `${h.name} changed: ${h.journal.join('\n')}`);
  });

  it('firewalld rules on hosts without firewall-cmd stop at the preflight (Debian hosts)', async () => {
    const m = model(LAB.replace('firewall none', 'firewall firewalld'));
    const c = cluster(m);
    const r = await c.run(files(m));
    assert.equal(r.failure?.step, 'preflight');
    assert.match(r.failure!.message, /lacks firewall-cmd/);
    assert.match(r.failure!.message, /firewall nftables/);
    for (const h of c.hosts.values()) assert.equal(h.fs.size, 0, `${h.name} unchanged`);
  });

  it('with --bootstrap, a missing tool is installed with its package', async () => {
    const m = model(NFT);
    const c = cluster(m);
    c.hosts.get('web1')!.binaries.delete('nft');
    const r = await c.run(files(m), { bootstrap: true });
    // the fake answers apt-get with 127: the deploy fails at bootstrap having tried to install
    assert.equal(r.failure?.step, 'bootstrap');
    assert.ok(c.hosts.get('web1')!.journal.some((l) => l.includes('apt-get update')));
    const web1 = r.hosts.find((h) => h.host === 'web1')!;
    assert.ok(web1.bootstrap.some((l) => l.includes('apt-get install') && / nftables$/.test(l)), web1.bootstrap.join('\n'));
  });
});
