/**
 * `npm run bench:import`: how long `importConfigs()` takes for a generated 5,000-line haproxy.cfg
 * (555 Host-routed sites, two servers and two pass-through lines per backend) with its two
 * keepalived.conf, beside `haproxy -c` reading the same file (the daemon's own parser: the time a
 * sysadmin already spends on every reload). Both in this process's run, alternately, 10 times
 * after 2 warm-ups. Writes the `bench:import` section of docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importConfigs, type ImportHost } from '../server/src/import/index.js';
import { fmt, machine, percentile, writeSection } from './lib.js';

const SITES = 555;

function haproxyCfg(chroot: string): string {
  const L = ['global', `    chroot ${chroot}`, '    maxconn 4000', '    user haproxy', '    group haproxy', '    daemon', '', 'defaults',
    '    mode http', '    log global', '    option httplog', '    retries 3', '    timeout connect 5s', '    timeout client 30s',
    '    timeout server 30s', '', 'frontend www', '    bind 198.18.0.100:80', '    mode http'];
  for (let s = 1; s <= SITES; s++) L.push(`    acl is_s${s} hdr(host) -i s${s}.example.test`);
  for (let s = 1; s <= SITES; s++) L.push(`    use_backend s${s} if is_s${s}`);
  for (let s = 1; s <= SITES; s++) {
    const a = (s % 200) + 1;
    L.push('', `backend s${s}`, '    balance roundrobin', `    http-request set-header X-Site s${s}`, '    option http-keep-alive',
      `    server web${a} 198.19.0.${a}:80 check`, `    server web${a + 1} 198.19.0.${a + 1}:80 check`);
  }
  return L.join('\n') + '\n';
}

function keepalivedConf(state: string, priority: number): string {
  return `global_defs {\n    router_id lb\n    enable_script_security\n    script_user root\n}\n\nvrrp_script chk {\n    script "/usr/bin/killall -0 haproxy"\n    interval 2\n    weight 20\n}\n\n` +
    `vrrp_instance VI_1 {\n    state ${state}\n    interface eth0\n    virtual_router_id 51\n    priority ${priority}\n    advert_int 1\n` +
    `    virtual_ipaddress {\n        198.18.0.100/24\n    }\n    track_script {\n        chk\n    }\n}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'halab-bench-import-'));
try {
  const cfg = haproxyCfg(dir);
  const cfgPath = join(dir, 'haproxy.cfg');
  writeFileSync(cfgPath, cfg);
  const lines = cfg.split('\n').length - 1;
  const hosts: ImportHost[] = [
    { name: 'lb1', address: '198.18.0.11', files: new Map([['/etc/haproxy/haproxy.cfg', cfg], ['/etc/keepalived/keepalived.conf', keepalivedConf('MASTER', 150)]]) },
    { name: 'lb2', address: '198.18.0.12', files: new Map([['/etc/haproxy/haproxy.cfg', cfg], ['/etc/keepalived/keepalived.conf', keepalivedConf('BACKUP', 140)]]) },
  ];
  const imp = () => {
    const t0 = process.hrtime.bigint();
    const r = importConfigs({ hosts, output: 'bench.halab' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.errors.length) throw new Error(`bench input does not import: ${JSON.stringify(r.errors.slice(0, 2))}`);
    return { ms, r };
  };
  const check = () => {
    const t0 = process.hrtime.bigint();
    execFileSync('haproxy', ['-c', '-q', '-f', cfgPath], { stdio: 'ignore' });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 2; i++) (imp(), check());
  const ti: number[] = [];
  const th: number[] = [];
  let last = imp().r;
  for (let i = 0; i < 10; i++) {
    const x = imp();
    ti.push(x.ms);
    last = x.r;
    th.push(check());
  }
  const counts: Record<string, number> = {};
  for (const e of last.report) counts[e.went] = (counts[e.went] ?? 0) + 1;
  const md = `## Import (\`npm run bench:import\`)

\`importConfigs()\` of a generated ${lines.toLocaleString('en')}-line haproxy.cfg (${SITES} Host-routed backends, two servers
and two pass-through lines each) on two lbs with their keepalived.conf: reading, inference, a
render to settle every line, and the final render. Beside it, in the same run and alternately,
\`haproxy -c -q\` reading the same file (HAProxy's own parser and checks). 10 timed runs after 2
warm-ups; times in ms. The report had ${Object.entries(counts).map(([k, n]) => `${n.toLocaleString('en')} ${k}`).join(', ')} lines.

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| | p50 | p95 | fastest |
|---|---:|---:|---:|
| halab import (2 lbs) | ${fmt(percentile(ti, 50))} | ${fmt(percentile(ti, 95))} | ${fmt(Math.min(...ti))} |
| haproxy -c (1 file) | ${fmt(percentile(th, 50))} | ${fmt(percentile(th, 95))} | ${fmt(Math.min(...th))} |

Ratio (p50): the import takes ${(percentile(ti, 50) / percentile(th, 50)).toFixed(2)}× the time of one \`haproxy -c\` of the same file.
`;
  console.log(md);
  writeSection('import', md);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
