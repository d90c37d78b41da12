/** `halab check FILE… [--format text|json]` (§5): gcc-style or JSON diagnostics; exit 0/1/2. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyze, hasErrors, type Diagnostic } from '../engine.js';
import { LineIndex } from '../syntax/line-index.js';

export interface CliDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Diagnostic['severity'];
  code: string;
  message: string;
}

export function toCliDiagnostics(file: string, text: string, diags: readonly Diagnostic[]): CliDiagnostic[] {
  const idx = new LineIndex(text);
  return diags.map((d) => {
    const s = idx.position(d.span.start);
    const e = idx.position(d.span.end);
    return { file, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1, severity: d.severity, code: d.code, message: d.message };
  });
}

export function formatGcc(d: CliDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message.replace(/\n/g, ' ')}`;
}

/** Reads and analyzes a file for a CLI command; on errors prints them and returns undefined. */
export function loadForCommand(file: string): { text: string; analysis: ReturnType<typeof analyze> } | { exit: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`halab: cannot read ${file}: ${(e as Error).message}\n`);
    return { exit: 2 };
  }
  const analysis = analyze(text, file);
  if (hasErrors(analysis.diagnostics)) {
    for (const d of toCliDiagnostics(file, text, analysis.diagnostics)) if (d.severity === 'error') process.stderr.write(formatGcc(d) + '\n');
    process.stderr.write(`halab: ${file} has errors; fix them first (halab check ${file}).\n`);
    return { exit: 1 };
  }
  return { text, analysis };
}

export function register(program: Command): void {
  program
    .command('check')
    .description('check .halab files and print diagnostics')
    .argument('<files...>', '.halab files')
    .option('--format <format>', 'text or json', 'text')
    .action((files: string[], opts: { format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json') {
        process.stderr.write(`halab check: --format must be text or json, not "${opts.format}"\n`);
        process.exitCode = 2;
        return;
      }
      const all: CliDiagnostic[] = [];
      let io = false;
      let errors = false;
      for (const file of files) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          process.stderr.write(`halab check: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
          io = true;
          continue;
        }
        const { diagnostics } = analyze(text, file);
        if (hasErrors(diagnostics)) errors = true;
        all.push(...toCliDiagnostics(file, text, diagnostics));
      }
      if (opts.format === 'json') process.stdout.write(JSON.stringify(all, null, 2) + '\n');
      else for (const d of all) process.stdout.write(formatGcc(d) + '\n');
      process.exitCode = io ? 2 : errors ? 1 : 0;
    });
}
