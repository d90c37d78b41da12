/**
 * Runs the real validators on rendered files: `haproxy -c`, `nginx -t` (through a wrapper
 * nginx.conf), `keepalived -t` (inside a throwaway network namespace holding veth interfaces
 * named like the config's, because keepalived checks that interfaces exist and this kernel has
 * no `dummy` link type), `nft -c`, `sh -n` and `perl -c`. Warnings count as failures: a config that only
 * works with warnings is not what we want to ship. Needs root for the namespace.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RenderedFile } from '../../server/src/render/types.js';

export interface Verdict {
  ok: boolean;
  tool: string;
  output: string;
}

const TIMEOUT_MS = 20_000;

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: TIMEOUT_MS, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

export function haveTool(name: string): boolean {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, name))) return true;
  return false;
}

/** The validators need haproxy, keepalived, nginx and root (for `ip netns`). */
export function canValidate(): boolean {
  return haveTool('haproxy') && haveTool('keepalived') && haveTool('nginx') && haveTool('ip') && process.getuid?.() === 0;
}
export const SKIP_REASON = 'needs root and haproxy, keepalived, nginx, iproute2 (scripts/setup.sh installs them)';

/** A small pool: validators are separate processes, so run a few at a time. */
export class Pool {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class Validators {
  readonly dir: string;
  readonly netns: string;
  private readonly ifaces = new Set<string>();
  private ifaceSeq = 0;
  private seq = 0;
  private readonly cache = new Map<string, Promise<Verdict>>();
  private nsCreated = false;

  constructor(readonly pool = new Pool(4)) {
    this.dir = mkdtempSync(join(tmpdir(), 'halab-validate-'));
    this.netns = `halabt-${randomBytes(4).toString('hex')}`;
  }

  private file(name: string, content: string): string {
    const p = join(this.dir, `${++this.seq}-${name}`);
    writeFileSync(p, content);
    return p;
  }

  /** Same content, same verdict: many generated hosts share identical files. */
  private cached(key: string, fn: () => Promise<Verdict>): Promise<Verdict> {
    const h = createHash('sha256').update(key).digest('hex');
    let v = this.cache.get(h);
    if (!v) {
      v = this.pool.run(fn);
      this.cache.set(h, v);
    }
    return v;
  }

  haproxy(content: string): Promise<Verdict> {
    return this.cached('haproxy\0' + content, async () => {
      const f = this.file('haproxy.cfg', content);
      const r = await run('haproxy', ['-c', '-f', f]);
      // haproxy -c exits 0 on warnings; we want none ("Warnings were found.").
      const ok = r.code === 0 && !/\[WARNING\]|\[ALERT\]|Warnings were found/.test(r.output);
      return { ok, tool: 'haproxy -c', output: r.output };
    });
  }

  /** All vhosts one upstream gets, checked together (as nginx would load them). */
  nginx(vhosts: string[]): Promise<Verdict> {
    return this.cached('nginx\0' + vhosts.join('\0'), async () => {
      const d = join(this.dir, `nginx-${++this.seq}`);
      mkdirSync(d);
      vhosts.forEach((v, i) => writeFileSync(join(d, `vhost-${i}.conf`), v));
      writeFileSync(
        join(d, 'nginx.conf'),
        `pid ${d}/nginx.pid;\nerror_log ${d}/error.log;\nevents {}\nhttp {\n    access_log off;\n    include ${d}/vhost-*.conf;\n}\n`,
      );
      const r = await run('nginx', ['-t', '-q', '-p', d, '-e', `${d}/error.log`, '-c', `${d}/nginx.conf`]);
      const ok = r.code === 0 && !/\[warn\]|\[emerg\]/.test(r.output);
      return { ok, tool: 'nginx -t', output: r.output };
    });
  }

  private ensureNetns(): void {
    if (this.nsCreated) return;
    execFileSync('ip', ['netns', 'add', this.netns]);
    this.nsCreated = true;
  }

  /** Creates a veth pair inside the namespace whose one end carries `name`. */
  private ensureInterface(name: string): void {
    this.ensureNetns();
    if (this.ifaces.has(name)) return;
    const peer = `hvp${++this.ifaceSeq}`;
    execFileSync('ip', ['-n', this.netns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
    this.ifaces.add(name);
  }

  keepalived(content: string, interfaces: string[]): Promise<Verdict> {
    for (const i of interfaces) this.ensureInterface(i);
    return this.cached('keepalived\0' + content, async () => {
      const f = this.file('keepalived.conf', content);
      const r = await run('ip', ['netns', 'exec', this.netns, 'keepalived', '-t', '-l', '-f', f]);
      return { ok: r.code === 0 && r.output === '', tool: 'keepalived -t', output: r.output };
    });
  }

  nft(content: string): Promise<Verdict> {
    return this.cached('nft\0' + content, async () => {
      this.ensureNetns();
      const f = this.file('firewall.nft', content);
      // -c only checks, and inside the throwaway namespace even a mistake could not touch the host.
      const r = await run('ip', ['netns', 'exec', this.netns, 'nft', '-c', '-f', f]);
      return { ok: r.code === 0, tool: 'nft -c', output: r.output };
    });
  }

  shell(content: string): Promise<Verdict> {
    return this.cached('sh\0' + content, async () => {
      const f = this.file('firewall.sh', content);
      const r = await run('sh', ['-n', f]);
      return { ok: r.code === 0 && r.output === '', tool: 'sh -n', output: r.output };
    });
  }

  perl(content: string): Promise<Verdict> {
    return this.cached('perl\0' + content, async () => {
      const f = this.file('halab-watch', content);
      const r = await run('perl', ['-c', f]);
      // perl -c says "<file> syntax OK"; anything else (a warning) is a failure
      return { ok: r.code === 0 && /^\S+ syntax OK\s*$/.test(r.output), tool: 'perl -c', output: r.output };
    });
  }

  /**
   * Validates every file of one render. `interfacesOf(host)` lists the NICs the host's
   * keepalived.conf uses. Pages (plain HTML) and sysctl files are left to the caller.
   */
  async all(files: RenderedFile[], interfacesOf: (host: string) => string[]): Promise<{ file: string; verdict: Verdict }[]> {
    const jobs: Promise<{ file: string; verdict: Verdict }>[] = [];
    const vhostsByHost = new Map<string, RenderedFile[]>();
    for (const f of files) {
      const label = `${f.host}:${f.path}`;
      if (f.path === '/etc/haproxy/haproxy.cfg') jobs.push(this.haproxy(f.content).then((verdict) => ({ file: label, verdict })));
      else if (f.path === '/etc/keepalived/keepalived.conf')
        jobs.push(this.keepalived(f.content, interfacesOf(f.host)).then((verdict) => ({ file: label, verdict })));
      else if (f.path.startsWith('/etc/nginx/')) vhostsByHost.set(f.host, [...(vhostsByHost.get(f.host) ?? []), f]);
      else if (f.path.endsWith('.nft')) {
        if (haveTool('nft')) jobs.push(this.nft(f.content).then((verdict) => ({ file: label, verdict })));
      } else if (f.validate?.startsWith('sh -n')) jobs.push(this.shell(f.content).then((verdict) => ({ file: label, verdict })));
      else if (f.validate?.startsWith('perl -c')) jobs.push(this.perl(f.content).then((verdict) => ({ file: label, verdict })));
    }
    for (const [host, vs] of vhostsByHost) {
      jobs.push(this.nginx(vs.map((v) => v.content)).then((verdict) => ({ file: `${host}:/etc/nginx/conf.d/*`, verdict })));
    }
    return Promise.all(jobs);
  }

  /** Removes the namespace (and its veths) and the temp dir; safe to call twice. */
  cleanup(): void {
    if (this.nsCreated) {
      try {
        execFileSync('ip', ['netns', 'del', this.netns]);
      } catch {
        /* already gone */
      }
      this.nsCreated = false;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A self-signed certificate + key in one PEM (what HAProxy's `crt` wants). */
export function selfSignedPem(dir: string, cn = 'halab.test'): string {
  const key = join(dir, 'key.pem');
  const crt = join(dir, 'crt.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${cn}`,
  ], {
    stdio: 'ignore',
  });
  const pem = join(dir, 'site.pem');
  execFileSync('sh', ['-c', 'cat "$1" "$2" > "$3"', 'sh', crt, key, pem]);
  return pem;
}
