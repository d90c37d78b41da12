/**
 * `halab render FILE -o DIR` (§5): writes every rendered file to DIR/<host>/<absolute path>.
 * Exit codes: 0 written; 1 the file has errors, a secret is unset or a value cannot be
 * rendered; 2 usage or I/O problem (unreadable input, unwritable output).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { render, RenderError } from '../render/render.js';
import type { RenderedFile } from '../render/types.js';
import { envSecrets, placeholderSecrets, SecretError } from '../secrets.js';
import { loadForCommand } from './check.js';

/** DIR/<host>/<path>, refusing anything that would land outside DIR. */
export function outputPath(dir: string, f: RenderedFile): string {
  const root = resolve(dir);
  const p = resolve(join(root, f.host, f.path));
  if (!p.startsWith(root + sep)) throw new RenderError(`${f.host}:${f.path} would be written outside ${dir}`);
  return p;
}

export function register(program: Command): void {
  program
    .command('render')
    .description('render every config file of a topology into DIR/<host>/<path>')
    .argument('<file>', '.halab file')
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('--placeholders', 'write <env:NAME> placeholders instead of resolving secrets')
    .action((file: string, opts: { output: string; placeholders?: boolean }) => {
      const loaded = loadForCommand(file);
      if ('exit' in loaded) {
        process.exitCode = loaded.exit;
        return;
      }
      let files: RenderedFile[];
      try {
        files = render(loaded.analysis.model, { source: file, secrets: opts.placeholders ? placeholderSecrets : envSecrets() }).files;
      } catch (e) {
        if (e instanceof SecretError || e instanceof RenderError) {
          process.stderr.write(`halab render: ${e.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
      try {
        for (const f of files) {
          const p = outputPath(opts.output, f);
          mkdirSync(dirname(p), { recursive: true });
          // Locally, files with secrets stay private to the user; others are world-readable as on the host.
          const mode = f.secret ? 0o600 : f.mode & 0o755;
          writeFileSync(p, f.content, { mode });
          chmodSync(p, mode);
          process.stdout.write(`${relative(process.cwd(), p) || p}\n`);
        }
      } catch (e) {
        if (e instanceof RenderError) {
          process.stderr.write(`halab render: ${e.message}\n`);
          process.exitCode = 1;
          return;
        }
        process.stderr.write(`halab render: cannot write to ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(`halab render: wrote ${files.length} files for ${new Set(files.map((f) => f.host)).size} hosts to ${opts.output}\n`);
      process.exitCode = 0;
    });
}
