/**
 * `halab render FILE -o DIR [--format text|json]` (§5): writes every rendered file to
 * DIR/<host>/<absolute path>, all or nothing (render/write-tree.ts).
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import {
  envSecrets, localMode, placeholderSecrets, render, RenderError, SecretError, writeRenderedTree, type RenderedFile,
} from '../index.js';
import { loadForCommand } from './check.js';
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
    .argument('<file>', '.halab file')
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('--placeholders', 'write <env:NAME> placeholders instead of resolving secrets');
  formatOption(cmd, 'the files written: [{host, path, file, mode, secret}]');
  exitCodes(cmd, {
    ok: 'every file written',
    failed: 'the file has errors or a value cannot be rendered (nothing written)',
    usage: 'usage or I/O problem: bad option, unreadable file, unset secret, unwritable or unsafe output (nothing written)',
  });
  cmd.action((file: string, opts: RenderCliOptions) => {
    const loaded = loadForCommand(file);
    if ('exit' in loaded) {
      process.exitCode = loaded.exit;
      return;
    }
    let files: RenderedFile[];
    try {
      files = render(loaded.analysis.model, { source: file, secrets: opts.placeholders ? placeholderSecrets : envSecrets() }).files;
    } catch (e) {
      if (e instanceof SecretError || e instanceof RenderError) return fail(e.message, exitCodeOf(e));
      throw e;
    }
    let written: string[];
    try {
      written = writeRenderedTree(opts.output, files);
    } catch (e) {
      const why = e instanceof RenderError ? e.message : (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      return fail(`cannot write to ${opts.output}: ${why}; nothing was written`, EXIT.usage);
    }
    if (outputFormat(opts) === 'json') {
      const listed = files.map((f, i) => ({
        host: f.host, path: f.path, file: written[i], mode: `0${localMode(f).toString(8)}`, secret: f.secret,
      }));
      process.stdout.write(jsonText(listed));
    } else {
      process.stdout.write(written.map((p) => terminalSafe(relative(process.cwd(), p) || p) + '\n').join(''));
      const hosts = new Set(files.map((f) => f.host)).size;
      process.stderr.write(`halab render: wrote ${files.length} files for ${hosts} hosts to ${terminalSafe(opts.output)}\n`);
    }
    process.exitCode = EXIT.ok;
  });
}
