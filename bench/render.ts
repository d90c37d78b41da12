/**
 * `npm run bench:render`: how long render() takes for 1, 100 and 1,000 sites (2 lbs,
 * 10 managed upstreams, every site on 2 of them), and how big the output is. Writes the
 * `bench:render` section of docs/benchmarks.md. Timings: median and p95 of 30 runs (10 for
 * 1,000 sites) after 3 warm-up renders.
 */
import { analyze, hasErrors } from '../server/src/engine.js';
import { fmt, machine, percentile, writeSection } from './lib.js';
import { render } from '../server/src/render/render.js';
import { envSecrets } from '../server/src/secrets.js';

function topology(sites: number): string {
  const L = ['topology bench', 'vip 198.18.0.100/24 { router-id 51; auth env:A; track script }'];
  L.push('lb lb1 { address 198.18.0.11; role primary; os debian }', 'lb lb2 { address 198.18.0.12; role backup; os debian }');
  for (let u = 1; u <= 10; u++) L.push(`upstream web${u} { address 198.18.1.${u} }`);
  for (let s = 1; s <= sites; s++) {
    L.push(
      `site s${s} { host s${s}.example.test www.s${s}.example.test; ` +
        `servers web${(s % 10) + 1} web${((s + 1) % 10) + 1}; page "Site ${s}" }`,
    );
  }
  L.push('stats { password env:P }');
  return L.join('\n') + '\n';
}

const secrets = envSecrets({ A: 'vrrp-pass', P: 'stats-pass' });
const rows: string[] = [];
// The first render in a process also compiles the embedded templates.
const first = analyze(topology(1), 'bench.halab').model;
const c0 = process.hrtime.bigint();
render(first, { secrets });
const coldMs = Number(process.hrtime.bigint() - c0) / 1e6;
for (const n of [1, 100, 1000]) {
  const a = analyze(topology(n), 'bench.halab');
  if (hasErrors(a.diagnostics)) throw new Error(`bench topology has errors: ${JSON.stringify(a.diagnostics.slice(0, 3))}`);
  const runs = n === 1000 ? 10 : 30;
  for (let i = 0; i < 3; i++) render(a.model, { secrets }); // warm-up (template compile, JIT)
  const times: number[] = [];
  let files = 0;
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = render(a.model, { secrets });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    files = r.files.length;
    bytes = r.files.reduce((s, f) => s + f.content.length, 0);
  }
  rows.push(
    `| ${n.toLocaleString('en')} | ${files.toLocaleString('en')} | ${(bytes / 1024).toFixed(0)} KiB | ` +
      `${fmt(percentile(times, 50))} | ${fmt(percentile(times, 95))} | ${fmt(Math.min(...times))} |`,
  );
}
const md = `## Rendering (\`npm run bench:render\`)

\`render()\` of a generated topology: 1 vip, 2 lbs (Debian), 10 managed upstreams, N sites with two
host names each on 2 upstreams, stats. Output = every file for every host (haproxy.cfg,
keepalived.conf, sysctl, firewalld script per lb; a vhost and a page per site on each of its
upstreams). Pure CPU, no I/O; 30 timed renders (10 at 1,000 sites) after 3 warm-ups. Times in ms.

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| sites | files | output | p50 | p95 | fastest |
|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

The first \`render()\` in a fresh process also compiles the embedded templates: ${fmt(coldMs)} ms.
Time grows about linearly with the number of sites (100 → 1,000 sites: ≈ ×10). The spread between
the fastest run and p95 is noise on a 2-core virtual machine (GC is
not separated out).
`;
console.log(md);
writeSection('render', md);
