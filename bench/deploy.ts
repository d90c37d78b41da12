/**
 * `npm run bench:deploy`: `halab deploy` vs an Ansible playbook doing the same work (template
 * with validation, sysctl, nginx -t, reload-or-start of the affected services, rolling) on the
 * same four lab hosts of examples/lab.halab. Three cases, each on a fresh lab for "first":
 * first deploy, no-op, one change (one site's balance → haproxy.cfg on both lbs).
 * Both run as CLI processes (process start included). Needs root. BENCH_RUNS=n repeats.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { analyze } from '../server/src/engine.js';
import { labDown, labUp, type LabState } from '../server/src/lab/index.js';
import { render } from '../server/src/render/render.js';
import { envSecrets } from '../server/src/secrets.js';
import { machine, writeSection } from './lib.js';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const WORK = join(ROOT, 'bench/ansible/.work');
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const env = { ...process.env, HALAB_VRRP_AUTH: 'benchVR1', HALAB_STATS_PASSWORD: 'bench-stats-pw' };
const BASE = readFileSync(join(ROOT, 'examples/lab.halab'), 'utf8');
const CHANGED = BASE.replace('page "WEB 02 - TEST PAGE"', 'page "WEB 02 - TEST PAGE"\n  balance leastconn');
type Case = 'first' | 'no-op' | 'one change';

function model(text: string) {
  return analyze(text, 'lab.halab').model;
}

async function freshLab(): Promise<LabState> {
  await labDown(model(BASE)).catch(() => undefined);
  return labUp(model(BASE));
}

function timed(cmd: string, args: string[], opts: { cwd?: string } = {}): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env, encoding: 'utf8', timeout: 300_000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return ms;
}

function halab(cli: string, text: string, verify = true): number {
  const file = join(WORK, 'lab.halab');
  writeFileSync(file, text);
  return timed('node', [cli, 'deploy', file, '--yes', ...(verify ? [] : ['--no-verify'])]);
}

/** Render with halab, lay the files out for Ansible, and write inventory + host vars. */
function prepareAnsible(text: string, lab: LabState): void {
  const m = model(text);
  const files = render(m, { source: 'lab.halab', secrets: envSecrets(env) }).files;
  rmSync(join(WORK, 'files'), { recursive: true, force: true });
  rmSync(join(WORK, 'host_vars'), { recursive: true, force: true });
  mkdirSync(join(WORK, 'host_vars'), { recursive: true });
  const per = new Map<string, object[]>();
  for (const f of files) {
    const src = join(WORK, 'files', f.host, f.path);
    mkdirSync(dirname(src), { recursive: true });
    // {% raw %}: the rendered files are final text, not Jinja templates
    writeFileSync(src, `{% raw %}${f.content}{% endraw %}`);
    const item: Record<string, unknown> = {
      src,
      dest: f.path,
      mode: '0' + f.mode.toString(8),
      owner: f.owner,
      group: f.group,
      reload: f.reload,
    };
    // a whole-config validator (nginx -t) runs as its own task in the playbook, like halab runs it after staging
    if (f.validate?.includes('{}')) item.validate = f.validate.replace('{}', '%s');
    if (f.apply) item.apply = f.apply;
    per.set(f.host, [...(per.get(f.host) ?? []), item]);
  }
  for (const [host, items] of per) writeFileSync(join(WORK, 'host_vars', `${host}.yml`), JSON.stringify({ halab_files: items }, null, 1));
  const addr = (n: string) => lab.hosts.find((h) => h.name === n)!.address;
  writeFileSync(
    join(WORK, 'inventory.ini'),
    [
      '[upstreams]',
      ...m.upstreams.map((u) => `${u.name} ansible_host=${addr(u.name)}`),
      '[backups]',
      ...m.lbs.filter((l) => l.role === 'backup').map((l) => `${l.name} ansible_host=${addr(l.name)}`),
      '[primary]',
      ...m.lbs.filter((l) => l.role === 'primary').map((l) => `${l.name} ansible_host=${addr(l.name)}`),
      '[all:vars]',
      'ansible_user=root',
      `ansible_ssh_private_key_file=${lab.keyPath}`,
      `ansible_ssh_common_args=-o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes -o ControlPath=${WORK}/cm-%h`,
      '',
    ].join('\n'),
  );
}

function ansible(text: string, lab: LabState): number {
  prepareAnsible(text, lab); // not timed: halab's rendering is inside its timing, Ansible's templating inside its own
  return timed(
    'ansible-playbook',
    ['-i', join(WORK, 'inventory.ini'), join(ROOT, 'bench/ansible/deploy.yml')],
    { cwd: join(ROOT, 'bench/ansible') },
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:deploy needs root (it starts the local lab)');
  mkdirSync(WORK, { recursive: true });
  const cli = join(WORK, 'halab-cli.js');
  await esbuild.build({
    entryPoints: [join(ROOT, 'server/src/cli/halab.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['cpu-features', '*.node'],
    logLevel: 'warning',
    define: { HALAB_VERSION: '"bench"' },
  });
  const ansibleVersion = execFileSync('ansible', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
  const t: Record<'halab' | 'halabChecked' | 'ansible', Record<Case, number[]>> = {
    halab: { first: [], 'no-op': [], 'one change': [] },
    halabChecked: { first: [], 'no-op': [], 'one change': [] },
    ansible: { first: [], 'no-op': [], 'one change': [] },
  };
  try {
    for (let i = 0; i < RUNS; i++) {
      await freshLab();
      t.halab.first.push(halab(cli, BASE, false));
      t.halab['no-op'].push(halab(cli, BASE, false));
      t.halab['one change'].push(halab(cli, CHANGED, false));
      await freshLab();
      t.halabChecked.first.push(halab(cli, BASE));
      t.halabChecked['no-op'].push(halab(cli, BASE));
      t.halabChecked['one change'].push(halab(cli, CHANGED));
      const lab = await freshLab();
      t.ansible.first.push(ansible(BASE, lab));
      t.ansible['no-op'].push(ansible(BASE, lab));
      t.ansible['one change'].push(ansible(CHANGED, lab));
      console.log(`run ${i + 1}/${RUNS}:`, JSON.stringify(t));
    }
  } finally {
    await labDown(model(BASE)).catch(() => undefined);
  }
  const cases: Case[] = ['first', 'no-op', 'one change'];
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const rows = cases.map((c) => {
    const h = median(t.halab[c]);
    const hc = median(t.halabChecked[c]);
    const a = median(t.ansible[c]);
    return `| ${c} | ${s(h)} | ${s(a)} | **${(a / h).toFixed(1)}×** | ${s(hc)} | ${(a / hc).toFixed(1)}× |`;
  });
  const raw = Object.fromEntries(
    Object.entries(t).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([c, xs]) => [c, xs.map((x) => Math.round(x))]))]),
  );
  const md = `## Deploy: halab vs Ansible (\`npm run bench:deploy\`)

The four hosts of examples/lab.halab in the local lab (network namespaces, real sshd, haproxy,
keepalived, nginx). Both tools deploy the same files (halab renders them; Ansible gets them as
templates) and do the same work: template with validation (\`haproxy -c\`, \`keepalived -t\`),
\`sysctl -p\`, \`nginx -t\`, reload-or-start of only the affected services, rolling (upstreams,
backup, primary). Both run as a CLI process. "first" starts from a fresh lab; "one change" adds
\`balance leastconn\` to one site (haproxy.cfg on both lbs). halab always does more than the
playbook — the plan, the OS check, backups — and by default, after the lbs, it also waits until
the VIP is on the primary and every site answers through it. The playbook has no such check, so
the same-work comparison runs \`halab deploy --no-verify\`; the last two columns are the default
\`halab deploy\` with the cluster check (on a first deploy keepalived needs about three adverts,
~3 s, before the primary takes the VIP: that wait is most of that "first" number).
Ansible (${ansibleVersion}) runs tuned for speed: no fact gathering, SSH pipelining, ControlPersist,
10 forks (bench/ansible/ansible.cfg). Median of ${RUNS} run(s), seconds.

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| case | halab deploy --no-verify | ansible-playbook | ratio (ansible ÷ halab) | halab deploy (with cluster check) | ratio |
|---|---|---|---|---|---|
${rows.join('\n')}

Raw (ms): ${JSON.stringify(raw)}
`;
  writeSection('deploy', md, join(ROOT, 'docs/benchmarks.md'));
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
