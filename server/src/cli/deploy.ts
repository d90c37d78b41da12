/**
 * `halab deploy FILE|DIR... [--plan] [--yes] [--accept-new] [--bootstrap] [--parallel N] [--format text|json]`:
 * plan, then apply over SSH. Without --yes it shows the plan and asks (on a terminal) before
 * changing anything. Several topologies (files, or the .halab files of a directory) are planned
 * together, confirmed once, and deployed in parallel, at most N at a time, each with its own
 * rolling order: one topology's failure is rolled back there and stops no other. Exit codes are
 * in `halab deploy --help` (conventions.ts).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import {
  deployTopology, envSecrets, formatDeployEvent, formatPlan, formatSummary, hostTargets, mapLimit, type DeployResult, type FleetMember,
  type RenderedFile,
} from '../index.js';
import { EXIT, exitCodeOf, exitCodes, formatOption, jsonText, outputFormat, terminalSafe } from './conventions.js';
import { loadTopologies } from './topologies.js';

interface DeployCliOptions {
  plan?: boolean;
  yes?: boolean;
  acceptNew?: boolean;
  bootstrap?: boolean;
  diff?: boolean;
  format?: string;
  json?: boolean;
  verify?: boolean;
  parallel?: string;
}

/** Test hook (CLI level): HALAB_TEST_CORRUPT_HAPROXY=1 makes haproxy.cfg fail `haproxy -c` on the target. */
function testTransform(): ((f: RenderedFile) => RenderedFile) | undefined {
  if (process.env.HALAB_TEST_CORRUPT_HAPROXY !== '1') return undefined;
  return (f) => (f.path.endsWith('/haproxy.cfg') ? { ...f, content: f.content + '\nthis-is-not-a-keyword halab-test-corruption\n' } : f);
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** One topology's deploy: its file, its model, and (once run) its result or the error that stopped it. */
interface Run extends FleetMember {
  /** Prefix of its progress lines when several topologies deploy at once. */
  tag: string;
  result?: DeployResult;
  error?: unknown;
}

export function register(program: Command): void {
  const cmd = program
    .command('deploy')
    .description('deploy the rendered configuration to the hosts over SSH (plan, validate, swap, reload, verify, roll back)')
    .argument('<files...>', '.halab files or directories of them (several topologies deploy in parallel)')
    .option('--plan', 'show what would change (with diffs) and exit without changing anything')
    .option('--yes', 'apply without asking')
    .option('--accept-new', 'trust and record unknown host keys (changed keys are always refused)')
    .option('--bootstrap', 'install missing packages (haproxy, keepalived, psmisc / nginx) first')
    .option('--no-diff', 'with --plan: list files without diffs')
    .option('--no-verify', 'skip the cluster check after the lbs (VIP on the primary, sites through the VIP)')
    .option('--parallel <n>', 'with several topologies: how many deploy at once', '4');
  formatOption(cmd, 'the plan or the result, per host (with several topologies: an array of {topology, file, result})');
  exitCodes(cmd, {
    ok: 'deployed, or planned with --plan (every topology)',
    failed: 'a deploy failed (and was rolled back), a file has errors, or the change was declined',
    usage: 'usage or I/O problem: bad option, unreadable file, unset secret, no terminal to confirm on',
  });
  cmd.action(async (args: string[], o: DeployCliOptions) => {
    const loaded = loadTopologies('deploy', args);
    if ('exit' in loaded) {
      process.exitCode = loaded.exit;
      return;
    }
    const parallel = Number(o.parallel);
    if (!Number.isInteger(parallel) || parallel < 1) {
      process.stderr.write(`halab deploy: --parallel takes a whole number of at least 1, not "${terminalSafe(String(o.parallel))}"\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    const many = loaded.members.length > 1;
    const runs: Run[] = loaded.members.map((m) => ({ ...m, tag: many ? `[${m.model.name}] ` : '' }));
    const json = outputFormat(o) === 'json';
    try {
      if (o.plan || !o.yes) {
        const go = await planAndConfirm(runs, o, json, parallel);
        if (go !== undefined) {
          process.exitCode = go;
          return;
        }
      }
      await mapLimit(runs, parallel, async (r) => {
        r.result = await deployTopology(r.model, deployOptions(r, o), progress(r, json)).catch((e: unknown) => {
          r.error = e;
          return undefined;
        });
      });
    } catch (e) {
      process.stderr.write(`halab deploy: ${(e as Error).message}\n`);
      process.exitCode = exitCodeOf(e);
      return;
    }
    process.exitCode = report(runs, json);
  });
}

/** What deployTopology gets for one topology, from the command line. */
function deployOptions(r: Run, o: DeployCliOptions) {
  return {
    secrets: envSecrets(),
    source: r.file,
    bootstrap: !!o.bootstrap,
    acceptNew: !!o.acceptNew,
    targets: hostTargets(r.model),
    transformFile: testTransform(),
    verify: o.verify === false ? { vip: false, sites: false } : undefined,
  };
}

/** Progress lines on stderr (text output only), tagged with the topology when there are several. */
function progress(r: Run, json: boolean) {
  return (e: Parameters<typeof formatDeployEvent>[0]) => {
    const line = formatDeployEvent(e);
    if (line && !json) process.stderr.write(`${r.tag}${line}\n`);
  };
}

/**
 * Plans every topology and shows the plans; with --plan (or a failed plan) that is all, else it
 * asks once on a terminal. Returns the exit code to stop with, or undefined to go on.
 */
async function planAndConfirm(runs: Run[], o: DeployCliOptions, json: boolean, parallel: number): Promise<number | undefined> {
  const plans = await mapLimit(runs, parallel, (r) => deployTopology(r.model, { ...deployOptions(r, o), plan: true }, progress(r, json)));
  if (!json || o.plan) {
    if (json) process.stdout.write(jsonText(runs.length > 1 ? plans.map((p, i) => entry(runs[i]!, p)) : plans[0]));
    else for (const [i, p] of plans.entries()) process.stdout.write(`${runs.length > 1 ? `== ${runs[i]!.model.name} (${runs[i]!.file})\n` : ''}${formatPlan(p, o.diff !== false)}`);
  }
  if (o.plan || plans.some((p) => !p.ok)) {
    if (!json) for (const [i, p] of plans.entries()) process.stdout.write(`${runs[i]!.tag}${formatSummary(p)}`);
    return plans.every((p) => p.ok) ? EXIT.ok : EXIT.failed;
  }
  const nothing = plans.every((p) => p.hosts.every((h) => h.status === 'planned' && h.plan!.files.every((f) => f.status === 'same')));
  // nothing to change: still run the deploy (it verifies the VIP and sites) without asking
  if (nothing) return undefined;
  if (!process.stdin.isTTY) {
    process.stderr.write('halab deploy: no terminal to confirm on; use --yes to apply, or --plan to only show the plan\n');
    return EXIT.usage;
  }
  if (await confirm('Apply these changes? [y/N] ')) return undefined;
  process.stderr.write('halab deploy: nothing changed\n');
  return EXIT.failed;
}

function entry(r: Run, result: DeployResult | undefined) {
  return { topology: r.model.name, file: r.file, result: result ?? null, ...(r.error ? { error: (r.error as Error).message } : {}) };
}

/** Prints the results (a summary per topology, then one line each) and returns the exit code. */
function report(runs: Run[], json: boolean): number {
  for (const r of runs) if (r.error) process.stderr.write(`halab deploy: ${r.tag}${(r.error as Error).message}\n`);
  const ok = (r: Run) => r.result?.ok === true;
  if (json) {
    if (runs.length > 1) process.stdout.write(jsonText(runs.map((r) => entry(r, r.result))));
    else if (runs[0]!.result) process.stdout.write(jsonText(runs[0]!.result));
  } else if (runs.length === 1) {
    if (runs[0]!.result) process.stdout.write(formatSummary(runs[0]!.result));
  } else {
    for (const r of runs) if (r.result) process.stdout.write(`== ${r.model.name} (${r.file})\n${formatSummary(r.result)}`);
    const w = Math.max(...runs.map((r) => r.model.name.length), 'topology'.length);
    process.stdout.write(`${'topology'.padEnd(w)}  result\n`);
    for (const r of runs) {
      const why = r.error ? `FAILED: ${(r.error as Error).message}` : ok(r) ? 'deployed' : `FAILED at ${r.result?.failure?.host ?? '?'}, step ${r.result?.failure?.step ?? '?'}`;
      process.stdout.write(`${r.model.name.padEnd(w)}  ${why}\n`);
    }
  }
  if (runs.some((r) => r.error && exitCodeOf(r.error) === EXIT.usage)) return EXIT.usage;
  return runs.every(ok) ? EXIT.ok : EXIT.failed;
}
