/**
 * `npm run bench:render`: how long render() takes for 1, 100 and 1,000 sites (2 lbs,
 * 10 managed upstreams, every site on 2 of them), and how big the output is. Prints a Markdown
 * table for docs/benchmarks.md. Timings are the median of several runs after a warm-up.
 */
import { analyze, hasErrors } from '../server/src/engine.js';
import { render } from '../server/src/render/render.js';
import { envSecrets } from '../server/src/secrets.js';

function topology(sites: number): string {
  const L = ['topology bench', 'vip 198.18.0.100/24 { router-id 51; auth env:A; track script }'];
  L.push('lb lb1 { address 198.18.0.11; role primary; os debian }', 'lb lb2 { address 198.18.0.12; role backup; os debian }');
  for (let u = 1; u <= 10; u++) L.push(`upstream web${u} { address 198.18.1.${u} }`);
  for (let s = 1; s <= sites; s++) {
    L.push(`site s${s} { host s${s}.example.test www.s${s}.example.test; servers web${(s % 10) + 1} web${((s + 1) % 10) + 1}; page "Site ${s}" }`);
  }
  L.push('stats { password env:P }');
  return L.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
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
  rows.push(`| ${n.toLocaleString('en')} | ${files.toLocaleString('en')} | ${(bytes / 1024).toFixed(0)} KiB | ${median(times).toFixed(1)} ms | ${Math.min(...times).toFixed(1)} ms |`);
}
console.log(`Node ${process.version}, ${process.platform}/${process.arch}\n`);
console.log('| sites | files | output | median render() | fastest |');
console.log('|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(`\nFirst render() in a fresh process (compiles the templates): ${coldMs.toFixed(1)} ms.`);
