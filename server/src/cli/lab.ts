/**
 * `halab lab up|down|status FILE` — the local lab (network namespaces + bridge + sshd per host).
 * Exit codes are in each subcommand's --help (conventions.ts).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyze, LabError, labDown, labStatus, labUp, type LabStatus, type Topology } from '../index.js';
import { formatGcc, loadForCommand, toCliDiagnostics } from './check.js';
import { EXIT, exitCodes, formatOption, jsonText, outputFormat, terminalSafe } from './conventions.js';

function fail(e: unknown): void {
  const code = e instanceof LabError ? e.exitCode : 1;
  process.stderr.write(terminalSafe(`halab lab: ${(e as Error).message}`) + '\n');
  process.exitCode = code;
}

/** For down/status: the topology even when the file has errors (the name is what matters). */
function topologyOf(file: string | undefined, topologyOpt: string | undefined): Topology | string | undefined {
  if (topologyOpt) return topologyOpt;
  if (!file) {
    process.stderr.write('halab lab: give a FILE or --topology NAME\n');
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`halab lab: cannot read ${file}: ${(e as Error).message}\n`);
    return undefined;
  }
  const { model, diagnostics } = analyze(text, file);
  if (!model.name) {
    for (const d of toCliDiagnostics(file, text, diagnostics)) if (d.severity === 'error') process.stderr.write(formatGcc(d) + '\n');
    process.stderr.write(`halab lab: ${file} names no topology; use --topology NAME\n`);
    return undefined;
  }
  return model;
}

function printStatus(s: LabStatus): void {
  const out: string[] = [];
  if (!s.exists) {
    out.push(`lab ${s.topology}: not running`);
  } else if (!s.bridge) {
    out.push(`lab ${s.topology}: no state, but leftovers exist (run \`halab lab down\`)`);
  } else {
    const control = `${s.controlAddress}/${s.prefix}`;
    out.push(`lab ${s.topology}: ${s.status ?? 'up'} — bridge ${s.bridge}, control address ${control}, since ${s.createdAt}`);
    out.push(`  state ${s.dir}  key ${s.keyPath}  known_hosts ${s.knownHostsPath}`);
    const rows = [['HOST', 'ROLE', 'ADDRESS', 'NETNS', 'SSHD', 'LINK', 'SERVICES']];
    for (const h of s.hosts) {
      rows.push([h.name, h.role, h.address, h.netnsExists ? h.netns : `${h.netns} (missing)`, h.sshd,
        h.linkUp === undefined ? '-' : h.linkUp ? 'up' : 'down', h.services.join(' ') || '-']);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) out.push('  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  }
  if (s.leftovers.length > 0) out.push(`  leftover namespaces: ${s.leftovers.join(' ')}`);
  process.stdout.write(out.join('\n') + '\n');
}

export function register(program: Command): void {
  const lab = program.command('lab').description('local lab of real daemons in network namespaces (Linux, root)');

  const labUsage = 'usage or I/O problem, not root, missing packages, or a topology the lab refuses';
  const up = lab
    .command('up')
    .description('create the lab hosts of FILE (an existing lab of that topology is replaced)')
    .argument('<file>', '.halab file');
  formatOption(up, 'the lab state');
  exitCodes(up, { ok: 'the lab is up', failed: 'creating it failed (what was made is removed) or the file has errors', usage: labUsage });
  up.action(async (file: string, opts: { format?: string; json?: boolean }) => {
    const loaded = loadForCommand(file);
    if ('exit' in loaded) {
      process.exitCode = loaded.exit;
      return;
    }
    try {
      const log = (l: string): void => void process.stderr.write(`${l}\n`);
      const state = await labUp(loaded.analysis.model, { log });
      if (outputFormat(opts) === 'json') process.stdout.write(jsonText(state));
      else {
        for (const h of state.hosts) process.stdout.write(`${h.name}\t${h.role}\t${h.address}\t${h.netns}\n`);
        const first = state.hosts[0]?.address ?? 'ADDRESS';
        process.stdout.write(`ssh: ssh -i ${state.keyPath} -o UserKnownHostsFile=${state.knownHostsPath} root@${first}\n`);
      }
      process.exitCode = 0;
    } catch (e) {
      fail(e);
    }
  });

  const down = lab
    .command('down')
    .description('remove the lab of FILE: processes, namespaces, veths, bridge, state (also after a crash)')
    .argument('[file]', '.halab file')
    .option('--topology <name>', 'the topology name, when the file is gone');
  exitCodes(down, { ok: 'removed (or there was nothing to remove)', failed: 'something could not be removed', usage: labUsage });
  down.action(async (file: string | undefined, opts: { topology?: string }) => {
    const target = topologyOf(file, opts.topology);
    if (target === undefined) {
      process.exitCode = 2;
      return;
    }
    try {
      await labDown(target, { log: (l) => void process.stdout.write(`${l}\n`) });
      process.exitCode = 0;
    } catch (e) {
      fail(e);
    }
  });

  const status = lab
    .command('status')
    .description('show the lab hosts, their namespace, sshd and the services running')
    .argument('[file]', '.halab file')
    .option('--topology <name>', 'the topology name, when the file is gone');
  formatOption(status, 'the lab state');
  exitCodes(status, { ok: 'the lab is up and every sshd answers', failed: 'the lab is absent or a host is down', usage: labUsage });
  status.action(async (file: string | undefined, opts: { topology?: string; format?: string; json?: boolean }) => {
    const target = topologyOf(file, opts.topology);
    if (target === undefined) {
      process.exitCode = 2;
      return;
    }
    try {
      const s = await labStatus(target);
      if (outputFormat(opts) === 'json') process.stdout.write(jsonText(s));
      else printStatus(s);
      process.exitCode = s.exists && s.hosts.length > 0 && s.hosts.every((h) => h.sshd === 'up') ? EXIT.ok : EXIT.failed;
    } catch (e) {
      fail(e);
    }
  });
}
