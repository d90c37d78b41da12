/**
 * `npm run bench:stress` (root): the false-failover rate under CPU stress. One local lab with
 * the shortest adverts halab recommends (VRRPv3, 40 ms: the master-down timer is ~121 ms, so a
 * starved keepalived or a flapping health state would show first here), both cores kept busy for
 * STRESS_MINUTES (default 10), and every address change of the VIP on either lb recorded by
 * `ip monitor address` inside the lb's namespace (events from the kernel: no poll to miss a
 * short move). A probe through the VIP every 100 ms counts failed requests as well.
 * The result goes to docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { analyze, hasErrors } from '../server/src/engine.js';
import type { Topology } from '../shared/model/types.js';
import { labDown, labExec, labUp, readLabState } from '../server/src/lab/index.js';
import { deployTopology } from '../server/src/deploy/index.js';
import { envSecrets } from '../server/src/secrets.js';
import { probeTargets, startProber } from '../server/src/failover/probe.js';
import { RECOMMENDED_V3_ADVERT_MS } from '../server/src/model/vrrp-timing.js';
import { machine, writeSection } from './lib.js';

const MINUTES = Math.max(0.1, Number(process.env.STRESS_MINUTES ?? 10));
const VIP = '198.18.7.100';
const secrets = envSecrets({ HALAB_STATS_PASSWORD: 'stress-Stats-pw3' });

function topology(): Topology {
  const text = `topology fo-stress
vip ${VIP}/24 {
  interface eth0
  router-id 54
  vrrp-version 3
  advert ${RECOMMENDED_V3_ADVERT_MS}ms
}
lb lb1 { address 198.18.7.11; role primary; os debian }
lb lb2 { address 198.18.7.12; role backup; os debian }
upstream web1 { address 198.18.7.21; os debian }
upstream web2 { address 198.18.7.22; os debian }
site web01 { host web01.lab.test; servers web1 web2; default }
stats { listen 8080; password env:HALAB_STATS_PASSWORD }
firewall none
lab { bridge halabst0 }
`;
  const a = analyze(text, 'bench-stress.halab');
  if (hasErrors(a.diagnostics)) throw new Error(JSON.stringify(a.diagnostics));
  return a.model;
}

/** One busy loop per core, at normal priority, in the machine's own namespace. */
function burners(): ChildProcess[] {
  return cpus().map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

/** `ip -o monitor address` in an lb's namespace: every line naming the VIP is a move. */
function monitor(netns: string, moves: string[]): ChildProcess {
  const p = spawn('ip', ['-n', netns, '-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  p.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.includes(` ${VIP}/`)) moves.push(`${new Date().toISOString()} ${netns}: ${l.trim()}`);
  });
  return p;
}

/**
 * The control: stopping keepalived on lb1 must show up in the monitors within 3 s, or they could
 * not have seen a false failover either, and the run says so (exit 1).
 */
async function controlMove(state: NonNullable<ReturnType<typeof readLabState>>, moves: string[]): Promise<boolean> {
  const before = moves.length;
  await labExec(state, 'lb1', ['service', 'keepalived', 'stop']);
  for (let i = 0; i < 30 && moves.length === before; i++) await new Promise((r) => setTimeout(r, 100));
  return moves.length > before;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench:stress needs root (it runs a local lab in network namespaces)\n');
    process.exit(2);
  }
  const model = topology();
  await labDown(model).catch(() => undefined);
  await labUp(model, { log: (l) => process.stderr.write(`lab: ${l}\n`) });
  const moves: string[] = [];
  const procs: ChildProcess[] = [];
  let failed = 0;
  let total = 0;
  let stressMoves = 0;
  let controlSeen = false;
  try {
    const d = await deployTopology(model, { secrets, source: 'bench-stress.halab' });
    if (!d.ok) throw new Error(`deploy: ${d.failure?.message}`);
    // let the deploy's own VIP changes settle before watching
    await new Promise((r) => setTimeout(r, 3000));
    const state = readLabState(model.name);
    for (const lb of ['lb1', 'lb2']) procs.push(monitor(state!.hosts.find((h) => h.name === lb)!.netns, moves));
    const ms = MINUTES * 60_000;
    const prober = startProber(probeTargets(model), {
      intervalMs: 100,
      timeoutMs: 1000,
      maxSamples: Math.ceil(ms / 100) + 10,
      now: () => performance.now(),
    });
    procs.push(...burners());
    process.stderr.write(`stress: ${cpus().length} busy loops for ${MINUTES} min, watching ${VIP} on lb1 and lb2\n`);
    await new Promise((r) => setTimeout(r, ms));
    await prober.stop();
    total = prober.samples.length;
    failed = prober.samples.filter((s) => !s.ok).length;
    for (const p of procs.splice(2)) p.kill('SIGKILL');
    stressMoves = moves.length;
    controlSeen = await controlMove(state!, moves);
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await labDown(model).catch((e) => process.stderr.write(`lab down: ${(e as Error).message}\n`));
  }
  for (const m of moves.slice(0, stressMoves)) process.stderr.write(`move under stress: ${m}\n`);
  const seen = controlSeen ? 'yes' : '**no: the monitors saw nothing**';
  const md = `## False failovers under CPU stress (\`npm run bench:stress\`)

A lab with VRRPv3 and ${RECOMMENDED_V3_ADVERT_MS} ms adverts (master-down timer ~121 ms) and the lab defaults
(\`track watcher\`, health-aware VRRP), deployed with \`halab deploy\`; then ${cpus().length} busy loops (one per
core) for ${MINUTES} minutes while \`ip monitor address\` in each lb's namespace records every change of
the VIP, and a probe requests the site through the VIP every 100 ms (1 s timeout). At the end, a
control: keepalived is stopped on lb1, and the monitors must see the VIP leave it.

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| minutes under stress | VIP changes seen | false failovers | probe requests | failed | control move seen |
|---|---|---|---|---|---|
| ${MINUTES} | ${stressMoves} | **${Math.ceil(stressMoves / 2)}** | ${total} | ${failed} | ${seen} |

keepalived's VRRP process runs with real-time scheduling when adverts are sub-second
(\`vrrp_rt_priority 50\`, rendered by halab), so busy cores do not delay its adverts past the peer's
master-down timer.`;
  writeSection('stress', md);
  process.stdout.write(md + '\n');
  if (stressMoves > 0 || !controlSeen) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench:stress: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
