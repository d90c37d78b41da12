/**
 * `npm run bench:fleet`: many topologies at once (issue 19), side by side with Ansible running
 * halab's own export.
 *
 * 1. In memory, 1,000 topologies (2 lbs, 2 upstreams, 2 sites each): check + render of all, and
 *    `exportAnsible` of all of them (one project).
 * 2. On the namespace lab, N topologies (BENCH_FLEET, default 8: 32 hosts, each examples/lab.halab
 *    on its own /24 and bridge): `halab deploy` of all of them (one CLI process, --parallel N)
 *    versus `ansible-playbook` on `halab export ansible` of the same files (forks = every host),
 *    each on fresh labs (a first deploy), then again (nothing to do). Both are whole processes.
 *
 * Needs root, ansible-playbook and `npm run build`. Network: only the labs' hosts (198.18.40.0/24
 * and up), which the bench creates and removes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { analyze, hasErrors } from '../server/src/engine.js';
import { render } from '../server/src/render/render.js';
import { envSecrets } from '../server/src/secrets.js';
import { exportAnsible } from '../server/src/export/ansible.js';
import { resolveTargets } from '../server/src/deploy/targets.js';
import { labDown, labUp } from '../server/src/lab/index.js';
import type { Topology } from '../shared/model/types.js';
import { fmt, machine, writeSection } from './lib.js';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const CLI = join(ROOT, 'dist/cli.js');
const N = Number(process.env.BENCH_FLEET ?? 8);
const MEMORY = 1000;
const ENV = { HALAB_VRRP_AUTH: 'fleetVr1', HALAB_STATS_PASSWORD: 'fleet-stats-pw' };
const env = { ...process.env, ...ENV, ANSIBLE_NOCOLOR: '1' };

/** Topology i of the in-memory fleet: its own /25 of 198.18.0.0/15 (1,024 of them). */
function memoryTopology(i: number): string {
  const at = (k: number) => {
    const n = (198 << 24) + (18 << 16) + i * 128 + k;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  };
  return `topology t${i}
vip ${at(100)}/25 { router-id ${1 + (i % 255)}; auth env:HALAB_VRRP_AUTH }
lb lb1 { address ${at(11)}; role primary }
lb lb2 { address ${at(12)}; role backup }
upstream web1 { address ${at(21)} }
upstream web2 { address ${at(22)} }
site s1 { host s1.t${i}.test; servers web1 web2; default }
site s2 { host s2.t${i}.test; servers web1 web2 }
stats { password env:HALAB_STATS_PASSWORD }
`;
}

function inMemory(): { checkRenderMs: number; exportMs: number; files: number; exportFiles: number } {
  const texts = Array.from({ length: MEMORY }, (_, i) => memoryTopology(i));
  const secrets = envSecrets(ENV);
  const t0 = performance.now();
  const models: Topology[] = [];
  let files = 0;
  for (const [i, text] of texts.entries()) {
    const a = analyze(text, `t${i}.halab`);
    if (hasErrors(a.diagnostics)) throw new Error(`t${i}: ${a.diagnostics.map((d) => d.message).join('; ')}`);
    files += render(a.model, { source: `t${i}.halab`, secrets }).files.length;
    models.push(a.model);
  }
  const t1 = performance.now();
  const ex = exportAnsible(models.map((model, i) => ({ file: `t${i}.halab`, model })), {
    targets: (m) => resolveTargets(m, { lab: null, sshConfig: [], env: {}, home: '/home/ops' }),
  });
  const t2 = performance.now();
  return { checkRenderMs: t1 - t0, exportMs: t2 - t1, files, exportFiles: ex.files.length };
}

interface Lab {
  file: string;
  model: Topology;
}

function labFiles(dir: string): Lab[] {
  const base = readFileSync(join(ROOT, 'examples/lab.halab'), 'utf8');
  return Array.from({ length: N }, (_, i) => {
    const text = base
      .replace(/^topology lab$/m, `topology fleet${i}`)
      .replaceAll('198.18.0.', `198.18.${40 + i}.`)
      .replace(/bridge halab0/, `bridge halabfl${i}`);
    const file = join(dir, `fleet${i}.halab`);
    writeFileSync(file, text);
    return { file, model: analyze(text, file).model };
  });
}

async function freshLabs(labs: Lab[]): Promise<void> {
  for (const l of labs) await labDown(l.model).catch(() => undefined);
  for (const l of labs) await labUp(l.model);
}

function timed(what: string, cmd: string, args: string[], cwd = ROOT): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 900_000, maxBuffer: 256 << 20 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`);
  if (what.startsWith('ansible') && /changed=[1-9]/.test(r.stdout) && what.includes('no-op')) {
    throw new Error(`${what}: the second run changed something:\n${r.stdout.slice(-2000)}`);
  }
  return ms;
}

async function onLab(): Promise<Record<'halabFirst' | 'halabNoop' | 'ansibleFirst' | 'ansibleNoop', number>> {
  const dir = mkdtempSync(join(tmpdir(), 'halab-bench-fleet-'));
  const labs = labFiles(dir);
  const files = labs.map((l) => l.file);
  try {
    await freshLabs(labs);
    const halabFirst = timed('halab deploy', 'node', [CLI, 'deploy', ...files, '--yes', '--parallel', String(N)]);
    const halabNoop = timed('halab deploy (no-op)', 'node', [CLI, 'deploy', ...files, '--yes', '--parallel', String(N)]);

    await freshLabs(labs);
    const out = join(dir, 'ansible');
    mkdirSync(out);
    execFileSync('node', [CLI, 'export', 'ansible', out, ...files], { env, stdio: 'pipe' });
    const play = ['-i', join(out, 'inventory.yml'), join(out, 'site.yml'), '--forks', String(4 * N)];
    const ansibleFirst = timed('ansible-playbook', 'ansible-playbook', play, out);
    const ansibleNoop = timed('ansible-playbook (no-op)', 'ansible-playbook', play, out);
    return { halabFirst, halabNoop, ansibleFirst, ansibleNoop };
  } finally {
    for (const l of labs) await labDown(l.model).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const mem = inMemory();
  console.log(`in memory: ${MEMORY} topologies checked and rendered in ${fmt(mem.checkRenderMs)} ms, exported in ${fmt(mem.exportMs)} ms`);
  const lab = await onLab();
  console.log(lab);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  const md = `## Fleets (\`npm run bench:fleet\`)

${machine()}. ${N} topologies of examples/lab.halab (2 lbs + 2 upstreams each, ${4 * N} namespace-lab hosts), each on
its own /24 and bridge. \`halab deploy\` of all of them (one process, \`--parallel ${N}\`) against Debian's
\`ansible-playbook\` running \`halab export ansible\` of the same files (\`--forks ${4 * N}\`; the same
work: validation on the target, backups, reloads on change, rolling order, the VIP and sites checked).
Fresh labs for each first deploy; the second run has nothing to do. Whole processes, one run each.

| case | halab deploy | ansible-playbook (the export) | ansible / halab |
|---|---|---|---|
| first deploy, ${N} topologies | ${fmt(lab.halabFirst)} ms | ${fmt(lab.ansibleFirst)} ms | ${ratio(lab.ansibleFirst, lab.halabFirst)} |
| nothing to do | ${fmt(lab.halabNoop)} ms | ${fmt(lab.ansibleNoop)} ms | ${ratio(lab.ansibleNoop, lab.halabNoop)} |

In memory (no hosts): ${MEMORY} topologies checked and rendered (${mem.files} files) in ${fmt(mem.checkRenderMs)} ms
(${fmt(mem.checkRenderMs / MEMORY)} ms each); the Ansible export of all ${MEMORY} (${mem.exportFiles} files) in ${fmt(mem.exportMs)} ms.

Where Ansible's time goes: every task is a round trip per host that ships a Python module and
starts an interpreter there (about 30 tasks per host, ${4 * N} hosts, on 2 cores that also run every lab
host), where \`halab deploy\` reads a host's facts in one round trip and runs each step's commands in
one long-lived shell per host. The export keeps Ansible's own way of working — that is its point — so
this ratio is the price of running on Ansible, paid for by its inventories, vaults and AWX.`;
  writeSection('fleet', md);
  console.log(md);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
