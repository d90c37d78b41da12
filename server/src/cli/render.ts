/**
 * `halab render FILE|DIR... -o DIR [--format text|json]` (§5): writes every rendered file to
 * DIR/<host>/<absolute path>, all or nothing (render/write-tree.ts). Several topologies go to
 * DIR/<topology>/<host>/<path>, each rendered before any is written.
 */
import { join } from 'node:path';
import { relative } from 'node:path';
import type { Command } from 'commander';
import {
  envSecrets, localMode, placeholderSecrets, render, RenderError, SecretError, writeRenderedTree, type RenderedFile,
} from '../index.js';
import { loadTopologies } from './topologies.js';
import { EXIT, exitCodeOf, exitCodes, formatOption, jsonText, outputFormat, terminalSafe } from './conventions.js';

export { outputPath } from '../index.js';

interface RenderCliOptions {
  output: string;
  placeholders?: boolean;
  format?: string;
  json?: boolean;
}

function fail(message: string, code: number): void {
  process.stderr.write(terminalSafe(`halab render: ${message}`) + '\n');
  process.exitCode = code;
}

export function register(program: Command): void {
  const cmd = program
    .command('render')
    .description('render every config file of a topology into DIR/<host>/<path>')
    .argument('<files...>', '.halab files or directories of them (several: one folder per topology)')
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('--placeholders', 'write <env:NAME> placeholders instead of resolving secrets');
  formatOption(cmd, 'the files written: [{host, path, file, mode, secret}]');
  exitCodes(cmd, {
    ok: 'every file written',
    failed: 'the file has errors or a value cannot be rendered (nothing written)',
    usage: 'usage or I/O problem: bad option, unreadable file, unset secret, unwritable or unsafe output (nothing written)',
  });
  cmd.action((args: string[], opts: RenderCliOptions) => {
    const loaded = loadTopologies('render', args);
    if ('exit' in loaded) {
      process.exitCode = loaded.exit;
      return;
    }
    const many = loaded.members.length > 1;
    // every topology rendered before anything is written: a value that cannot render writes nothing
    const trees: Array<{ dir: string; files: RenderedFile[] }> = [];
    for (const { file, model } of loaded.members) {
      try {
        const files = render(model, { source: file, secrets: opts.placeholders ? placeholderSecrets : envSecrets() }).files;
        trees.push({ dir: many ? join(opts.output, model.name) : opts.output, files });
      } catch (e) {
        if (e instanceof SecretError || e instanceof RenderError) return fail(`${many ? `${file}: ` : ''}${e.message}`, exitCodeOf(e));
        throw e;
      }
    }
    const listed: Array<{ host: string; path: string; file: string; mode: string; secret: boolean; topology?: string }> = [];
    for (const [i, { dir, files }] of trees.entries()) {
      let written: string[];
      try {
        written = writeRenderedTree(dir, files);
      } catch (e) {
        const why = e instanceof RenderError ? e.message : (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        const done = i ? ` (${trees.slice(0, i).map((t) => t.dir).join(', ')} were written)` : '';
        return fail(`cannot write to ${dir}: ${why}; nothing of it was written${done}`, EXIT.usage);
      }
      const topology = many ? loaded.members[i]!.model.name : undefined;
      for (const [j, f] of files.entries()) {
        listed.push({ host: f.host, path: f.path, file: written[j]!, mode: `0${localMode(f).toString(8)}`, secret: f.secret, ...(topology ? { topology } : {}) });
      }
    }
    if (outputFormat(opts) === 'json') {
      process.stdout.write(jsonText(listed));
    } else {
      process.stdout.write(listed.map((l) => terminalSafe(relative(process.cwd(), l.file) || l.file) + '\n').join(''));
      const hosts = new Set(listed.map((l) => `${l.topology ?? ''}/${l.host}`)).size;
      const what = many ? ` of ${trees.length} topologies` : '';
      process.stderr.write(`halab render: wrote ${listed.length} files for ${hosts} hosts${what} to ${terminalSafe(opts.output)}\n`);
    }
    process.exitCode = EXIT.ok;
  });
}
