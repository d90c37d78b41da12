/**
 * `halab failover-test FILE|DIR... [--format text|json] [--fault KIND] [--duration D] [--max-outage D] [--probe-interval D]`:
 * break the lb holding the VIP (or an upstream), measure what clients see, undo it, judge.
 * Several topologies are tested one after another: a test measures milliseconds, and another
 * test's probes and faults on the same cores would be in its numbers. Exit codes are in
 * `halab failover-test --help` (conventions.ts).
 */
import type { Command } from 'commander';
import {
  envSecrets, FAULT_KINDS, FailoverError, formatFailoverEvent, formatReport, hostTargets, isFaultKind, parseDuration, runFailoverTest,
  type FailoverReport, type FaultKind,
} from '../index.js';
import { EXIT, exitCodeOf, exitCodes, formatOption, jsonText, outputFormat } from './conventions.js';
import { loadTopologies } from './topologies.js';

interface FailoverCliOptions {
  format?: string;
  json?: boolean;
  fault?: string;
  duration?: string;
  maxOutage?: string;
  probeInterval?: string;
  upstream?: string;
  configCheck?: boolean;
  quiet?: boolean;
}

function duration(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const p = parseDuration(v);
  if (!p.ok) throw new FailoverError(`${flag}: ${p.message}, got "${v}"`);
  return p.value;
}

export function register(program: Command): void {
  const cmd = program
    .command('failover-test')
    .description('break the lb holding the VIP (or an upstream), measure the outage clients see, undo it, and judge it against max-outage')
    .argument('<files...>', '.halab files or directories of them (several: tested one after another)')
    .option('--fault <kind>', `override the file's fault: ${FAULT_KINDS.join(', ')}`)
    .option('--duration <d>', "override the file's duration (e.g. 8s)")
    .option('--max-outage <d>', "override the file's max-outage (e.g. 500ms)")
    .option('--probe-interval <d>', "override the file's probe-interval (e.g. 20ms)")
    .option('--upstream <name>', 'kill-upstream: the upstream to kill (default: the first managed server of the first site)')
    .option('--no-config-check', 'do not compare the deployed config with the file (no secrets needed)')
    .option('--quiet', 'no progress lines on stderr');
  formatOption(cmd, 'the report with the raw timeline (with several topologies: an array of {topology, file, report})');
  exitCodes(cmd, {
    ok: 'the failover test passed',
    failed: 'it failed (outage over max-outage, a request lost, no takeover…) or the file has errors',
    usage: 'usage or I/O problem: bad option, unreadable file, unset secret, a host that cannot be reached',
  });
  cmd.action(async (args: string[], o: FailoverCliOptions) => {
    const loaded = loadTopologies('failover-test', args);
    if ('exit' in loaded) {
      process.exitCode = loaded.exit;
      return;
    }
    const many = loaded.members.length > 1;
    const json = outputFormat(o) === 'json';
    const reports: Array<{ topology: string; file: string; report: FailoverReport }> = [];
    let exit: number = EXIT.ok;
    for (const { file, model } of loaded.members) {
      try {
        if (o.fault !== undefined && !isFaultKind(o.fault)) {
          throw new FailoverError(`--fault must be one of ${FAULT_KINDS.join(', ')}, not "${o.fault}"`);
        }
        const report = await runFailoverTest(
          model,
          {
            secrets: o.configCheck === false ? undefined : envSecrets(),
            preflight: { config: o.configCheck !== false },
            fault: o.fault as FaultKind | undefined,
            durationMs: duration('--duration', o.duration),
            maxOutageMs: duration('--max-outage', o.maxOutage),
            probeIntervalMs: duration('--probe-interval', o.probeInterval),
            upstream: o.upstream,
            targets: hostTargets(model),
          },
          (e) => {
            if (o.quiet) return;
            const line = formatFailoverEvent(e);
            if (line) process.stderr.write(`${many ? `[${model.name}] ` : ''}${line}\n`);
          },
        );
        reports.push({ topology: model.name, file, report });
        if (!json) process.stdout.write(`${many ? `== ${model.name} (${file})\n` : ''}${formatReport(report)}`);
        if (report.verdict !== 'pass') exit = Math.max(exit, EXIT.failed);
      } catch (e) {
        process.stderr.write(`halab failover-test: ${many ? `${model.name}: ` : ''}${(e as Error).message}\n`);
        exit = Math.max(exit, e instanceof FailoverError ? e.exitCode : exitCodeOf(e));
      }
    }
    if (json && reports.length) process.stdout.write(jsonText(many ? reports : reports[0]!.report));
    process.exitCode = exit;
  });
}
