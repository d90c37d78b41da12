/**
 * `halab deploy FILE [--plan] [--yes] [--accept-new] [--bootstrap] [--format text|json]`: plan,
 * then apply over SSH. Without --yes it shows the plan and asks (on a terminal) before changing
 * anything. Exit codes are in `halab deploy --help` (conventions.ts).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import {
  deployTopology, envSecrets, formatDeployEvent, formatPlan, formatSummary, hostTargets, type DeployResult, type RenderedFile,
} from '../index.js';
import { loadForCommand } from './check.js';
import { EXIT, exitCodeOf, exitCodes, formatOption, jsonText, outputFormat } from './conventions.js';

interface DeployCliOptions {
  plan?: boolean;
  yes?: boolean;
  acceptNew?: boolean;
  bootstrap?: boolean;
  diff?: boolean;
  format?: string;
  json?: boolean;
  verify?: boolean;
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

export function register(program: Command): void {
  const cmd = program
    .command('deploy')
    .description('deploy the rendered configuration to the hosts over SSH (plan, validate, swap, reload, verify, roll back)')
    .argument('<file>', '.halab file')
    .option('--plan', 'show what would change (with diffs) and exit without changing anything')
    .option('--yes', 'apply without asking')
    .option('--accept-new', 'trust and record unknown host keys (changed keys are always refused)')
    .option('--bootstrap', 'install missing packages (haproxy, keepalived, psmisc / nginx) first')
    .option('--no-diff', 'with --plan: list files without diffs')
    .option('--no-verify', 'skip the cluster check after the lbs (VIP on the primary, sites through the VIP)');
  formatOption(cmd, 'the plan or the result, per host');
  exitCodes(cmd, {
    ok: 'deployed, or planned with --plan',
    failed: 'the deploy failed (and was rolled back), the file has errors, or the change was declined',
    usage: 'usage or I/O problem: bad option, unreadable file, unset secret, no terminal to confirm on',
  });
  cmd.action(async (file: string, o: DeployCliOptions) => {
    const loaded = loadForCommand(file);
    if ('exit' in loaded) {
      process.exitCode = loaded.exit;
      return;
    }
    const json = outputFormat(o) === 'json';
    const model = loaded.analysis.model;
    const print = (e: Parameters<typeof formatDeployEvent>[0]) => {
      const line = formatDeployEvent(e);
      if (line && !json) process.stderr.write(line + '\n');
    };
    const base = {
      secrets: envSecrets(),
      source: file,
      bootstrap: !!o.bootstrap,
      acceptNew: !!o.acceptNew,
      targets: hostTargets(model),
      transformFile: testTransform(),
      verify: o.verify === false ? { vip: false, sites: false } : undefined,
    };
    let result: DeployResult;
    try {
      if (o.plan || !o.yes) {
        result = await deployTopology(model, { ...base, plan: true }, print);
        if (!json || o.plan) process.stdout.write(json ? jsonText(result) : formatPlan(result, o.diff !== false));
        if (o.plan || !result.ok) {
          if (!json) process.stdout.write(formatSummary(result));
          process.exitCode = result.ok ? EXIT.ok : EXIT.failed;
          return;
        }
        if (result.hosts.every((h) => h.status === 'planned' && h.plan!.files.every((f) => f.status === 'same'))) {
          // nothing to change: still run the deploy (it verifies the VIP and sites) without asking
        } else if (!process.stdin.isTTY) {
          process.stderr.write('halab deploy: no terminal to confirm on; use --yes to apply, or --plan to only show the plan\n');
          process.exitCode = EXIT.usage;
          return;
        } else if (!(await confirm('Apply these changes? [y/N] '))) {
          process.stderr.write('halab deploy: nothing changed\n');
          process.exitCode = EXIT.failed;
          return;
        }
      }
      result = await deployTopology(model, base, print);
    } catch (e) {
      process.stderr.write(`halab deploy: ${(e as Error).message}\n`);
      process.exitCode = exitCodeOf(e);
      return;
    }
    process.stdout.write(json ? jsonText(result) : formatSummary(result));
    process.exitCode = result.ok ? EXIT.ok : EXIT.failed;
  });
}
