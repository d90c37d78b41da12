/**
 * `halab export ansible DIR FILE|DIR... [--vault] [--format text|json]`: writes an Ansible project
 * (inventory, rendered files and templates, a playbook that deploys them as `halab deploy` does)
 * for one or many topologies into DIR (server/src/export/). No secret is resolved: the playbook
 * reads them when it runs, so exporting needs none of them set.
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { exportAnsible, ExportError, RenderError, writeExport, type AnsibleExport } from '../index.js';
import { loadTopologies } from './topologies.js';
import { EXIT, exitCodes, formatOption, jsonText, outputFormat, terminalSafe } from './conventions.js';

interface ExportCliOptions {
  vault?: boolean;
  format?: string;
  json?: boolean;
}

function fail(message: string, code: number): void {
  process.stderr.write(terminalSafe(`halab export ansible: ${message}`) + '\n');
  process.exitCode = code;
}

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('write what another tool deploys')
    .command('ansible')
    .description('an Ansible inventory, the rendered files and a playbook that deploys them as `halab deploy` does')
    .argument('<dir>', 'the directory to write: new, empty, or a previous export (its other files are kept)')
    .argument('<files...>', '.halab files or directories of them')
    .option('--vault', 'take every secret from a vault_ variable (ansible-vault), not from the environment');
  formatOption(cmd, '{dir, files, secrets: [{name, hint}]}');
  exitCodes(cmd, {
    ok: 'the export is written',
    failed: 'a file has errors or a topology cannot be exported (nothing written)',
    usage: 'usage or I/O problem: bad option, unreadable file, a directory that is not empty and not an export (nothing written)',
  });
  cmd.action((dir: string, args: string[], opts: ExportCliOptions) => {
    const loaded = loadTopologies('export ansible', args);
    if ('exit' in loaded) {
      process.exitCode = loaded.exit;
      return;
    }
    let out: AnsibleExport;
    try {
      out = exportAnsible(loaded.members, { vault: opts.vault });
    } catch (e) {
      if (e instanceof ExportError || e instanceof RenderError) return fail(e.message, EXIT.failed);
      throw e;
    }
    try {
      writeExport(dir, out.files);
    } catch (e) {
      const why = e instanceof ExportError || e instanceof RenderError ? e.message : (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      return fail(`cannot write to ${dir}: ${why}`, EXIT.usage);
    }
    report(dir, out, loaded.members.length, opts);
  });
}

function report(dir: string, { files, secrets }: AnsibleExport, topologies: number, opts: ExportCliOptions): void {
  if (outputFormat(opts) === 'json') {
    process.stdout.write(jsonText({ dir, files: files.map((f) => f.path), secrets: secrets.map(({ name, hint }) => ({ name, hint })) }));
    return;
  }
  const shown = relative(process.cwd(), dir) || '.';
  const lines = [
    `wrote ${files.length} files for ${topologies} ${topologies === 1 ? 'topology' : 'topologies'} to ${shown}`,
    ...secrets.map((s) => `  secret ${s.name}: ${s.hint}`),
    `run: ansible-playbook -i ${shown}/inventory.yml ${shown}/site.yml   (see ${shown}/README.md)`,
  ];
  process.stdout.write(lines.map(terminalSafe).join('\n') + '\n');
}
