/**
 * The rendered haproxy.cfg and nginx vhosts, running for real on 127.0.0.1 (addresses and ports
 * rewritten to free loopback ports, nothing else changed): Host matching ignores case and a
 * `:port`, wildcards work, the default site catches unknown hosts even though nginx's own
 * default server would answer otherwise, a vip without a default site answers 404, TLS sites
 * redirect to https and serve their certificate, the stats page takes exactly the (hostile)
 * password, and the HTTP health checks see every server UP through the admin socket.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { haveTool, selfSignedPem } from '../../helpers/validators.js';
import { freePort } from '../../helpers/free-port.js';

const PASSWORD = 'p a#s;s"w\\o$rd{}';


interface Reply {
  status: number;
  body: string;
  location?: string;
}

function get(port: number, host: string, opts: { tls?: boolean; path?: string; auth?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const mod = opts.tls ? https : http;
    const req = mod.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        headers: { Host: host, ...(opts.auth ? { Authorization: 'Basic ' + Buffer.from(opts.auth).toString('base64') } : {}) },
        timeout: 3000,
        ...(opts.tls ? { servername: host.split(':')[0], rejectUnauthorized: false } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function adminCommand(socket: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(socket, () => c.write(cmd + '\n'));
    let out = '';
    c.setTimeout(2000, () => c.destroy(new Error('admin socket timeout')));
    c.on('data', (d) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  for (let i = 0; i < 200 && Date.now() < end; i++) {
    try {
      if (await fn()) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ready = haveTool('haproxy') && haveTool('nginx') && haveTool('openssl');

describe('rendered haproxy + nginx route requests as documented (loopback)', { skip: !ready && 'needs haproxy, nginx, openssl' }, () => {
  let dir = '';
  const procs: ChildProcess[] = [];
  const port: Record<string, number> = {};
  let adminSock = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'halabroute'));
    chmodSync(dir, 0o755); // nginx workers (not root) read the pages
    const pem = selfSignedPem(dir, 'c.test');
    for (const k of ['http', 'https', 'http2', 'stats', 'web1', 'web2']) port[k] = await freePort();
    const text = `topology route
vip 198.18.0.100/24 { router-id 51 }
vip 198.18.0.101/24 { router-id 52 }
lb lb1 { address 198.18.0.11; role primary; os debian }
lb lb2 { address 198.18.0.12; role backup; os debian }
upstream web1 { address 198.18.0.21 }
upstream web2 { address 198.18.0.22 }
site a { host a.test; servers web1 web2; page "A page"; check-path /index.html; default }
site b { host b.test *.w.test; servers web1 web2; page "B page" }
site c { host c.test; servers web1 web2; page "C page"; tls ${pem} }
site d { host d.test; servers web1 web2; page "D page"; vip 198.18.0.101 }
stats { listen 8080; uri /stats; password env:HALAB_STATS_PASSWORD }
firewall none
`;
    const a = analyze(text, 'route.halab');
    assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
    const files = render(a.model, { source: 'route.halab', secrets: envSecrets({ HALAB_STATS_PASSWORD: PASSWORD }) }).files;

    // haproxy.cfg of lb1, moved to loopback and a private socket/pidfile; nothing else touched.
    adminSock = join(dir, 'admin.sock');
    const cfg = files
      .find((f) => f.host === 'lb1' && f.path === '/etc/haproxy/haproxy.cfg')!
      .content.replace('bind 198.18.0.100:80\n', `bind 127.0.0.1:${port.http}\n`)
      .replace('bind 198.18.0.101:80\n', `bind 127.0.0.1:${port.http2}\n`)
      .replace('bind 198.18.0.100:443 ', `bind 127.0.0.1:${port.https} `)
      .replace('bind 198.18.0.100:8080\n', `bind 127.0.0.1:${port.stats}\n`)
      .replace(/ *bind 198\.18\.0\.11:8080\n/, '')
      .replaceAll('198.18.0.21:80', `127.0.0.1:${port.web1}`)
      .replaceAll('198.18.0.22:80', `127.0.0.1:${port.web2}`)
      .replace('/run/haproxy/admin.sock', adminSock)
      .replace('/run/haproxy.pid', join(dir, 'haproxy.pid'))
      .replace(/ *chroot .*\n/, '')
      .replace(/ *log +\/dev\/log.*\n/, '');
    assert.doesNotMatch(cfg, /^\s*(bind|server) .*198\.18\./m, 'every address was moved to loopback');
    writeFileSync(join(dir, 'haproxy.cfg'), cfg);

    // One nginx serving both upstreams' rendered vhosts and pages, each upstream on its port.
    const ngx = join(dir, 'nginx');
    mkdirSync(ngx);
    let n = 0;
    for (const f of files) {
      const up = f.host as 'web1' | 'web2';
      if (f.path.startsWith('/etc/nginx/')) {
        writeFileSync(join(ngx, `vhost-${++n}.conf`), f.content.replace('listen       80;', `listen       127.0.0.1:${port[up]};`)
          .replaceAll('/usr/share/nginx/', join(dir, up, 'www') + '/'));
      } else if (f.path.endsWith('index.html')) {
        const p = join(dir, up, 'www', f.path.replace('/usr/share/nginx/', ''));
        mkdirSync(join(p, '..'), { recursive: true });
        writeFileSync(p, f.content);
      }
    }
    // Stands in for Debian's sites-enabled/default: the server nginx picks for unknown hosts.
    const catchAll = [port.web1, port.web2]
      .map((p) => `server { listen 127.0.0.1:${p} default_server; return 418 "nginx default\\n"; }`).join('\n');
    writeFileSync(
      join(ngx, 'nginx.conf'),
      `daemon off;\npid ${ngx}/nginx.pid;\nerror_log ${ngx}/error.log;\nevents {}\nhttp {\n  access_log off;\n  ${catchAll}\n` +
        `  include ${ngx}/vhost-*.conf;\n}\n`,
    );

    const logs: Record<string, string> = { nginx: '', haproxy: '' };
    const spawnLogged = (cmd: 'nginx' | 'haproxy', args: string[]) => {
      const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout!.on('data', (d: Buffer) => (logs[cmd] += d.toString()));
      p.stderr!.on('data', (d: Buffer) => (logs[cmd] += d.toString()));
      procs.push(p);
    };
    spawnLogged('nginx', ['-p', ngx, '-e', `${ngx}/error.log`, '-c', `${ngx}/nginx.conf`]);
    spawnLogged('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
    try {
      await waitFor('nginx', async () => (await get(port.web1!, 'a.test')).status === 200);
      await waitFor('haproxy', async () => (await get(port.http!, 'a.test')).status > 0);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nnginx: ${logs.nginx}\nhaproxy: ${logs.haproxy}`);
    }
  });

  after(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('routes by Host, ignoring case and a :port', async () => {
    assert.match((await get(port.http!, 'a.test')).body, /A page/);
    assert.match((await get(port.http!, 'B.TEST:80')).body, /B page/);
    assert.match((await get(port.http!, 'b.test:8080')).body, /B page/);
  });

  it('matches *.w.test as any subdomain, not w.test itself', async () => {
    assert.match((await get(port.http!, 'x.W.test')).body, /B page/);
    assert.match((await get(port.http!, 'y.x.w.test')).body, /B page/);
    assert.match((await get(port.http!, 'w.test')).body, /A page/, 'w.test is unknown: default site');
  });

  it('sends unknown hosts to the default site, which the upstream serves (not its own default server)', async () => {
    const r = await get(port.http!, 'nobody.example');
    assert.equal(r.status, 200);
    assert.match(r.body, /A page/);
  });

  it('answers 404 for unknown hosts on a vip without a default site', async () => {
    assert.match((await get(port.http2!, 'd.test')).body, /D page/);
    assert.equal((await get(port.http2!, 'a.test')).status, 404);
  });

  it('redirects a TLS site from http to https and serves it with its certificate', async () => {
    const r = await get(port.http!, 'C.test:80', { path: '/x?y=1' });
    assert.equal(r.status, 301);
    assert.match(r.location ?? '', /^https:\/\/C\.test(:80)?\/x\?y=1$/i);
    const s = await get(port.https!, 'c.test', { tls: true });
    assert.equal(s.status, 200);
    assert.match(s.body, /C page/);
    // Plain sites are not redirected.
    assert.equal((await get(port.http!, 'a.test')).status, 200);
  });

  it('protects the stats page with exactly the resolved password', async () => {
    assert.equal((await get(port.stats!, 'x', { path: '/stats' })).status, 401);
    assert.equal((await get(port.stats!, 'x', { path: '/stats', auth: 'admin:p a' })).status, 401);
    assert.equal((await get(port.stats!, 'x', { path: '/stats', auth: `admin:${PASSWORD}` })).status, 200);
  });

  it('health checks (with the site Host and check-path) see every server UP on the admin socket', async () => {
    let csv = '';
    await waitFor('servers UP', async () => {
      csv = await adminCommand(adminSock, 'show stat');
      const servers = csv.split('\n').filter((l) => /^(a|b|c|d),web[12],/.test(l));
      return servers.length === 8 && servers.every((l) => l.split(',')[17] === 'UP');
    });
  });
});
