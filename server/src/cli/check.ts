/**
 * `halab check FILE|DIR|-… [--format text|json]` (§5): gcc-style or JSON diagnostics; exit 0/1/2.
 * A directory stands for every `.halab` file under it, `-` for standard input.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analyze, hasErrors, LineIndex, type Diagnostic } from '../index.js';
import { EXIT, exitCodes, formatOption, jsonText, outputFormat, terminalSafe } from './conventions.js';

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

/** How standard input is named in diagnostics (gcc's spelling). */
export const STDIN_NAME = '<stdin>';

export function toCliDiagnostics(file: string, text: string, diags: readonly Diagnostic[]): CliDiagnostic[] {
  const idx = new LineIndex(text);
  return diags.map((d) => {
    const s = idx.position(d.span.start);
    const e = idx.position(d.span.end);
    return {
      file, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1,
      severity: d.severity, code: d.code, message: d.message,
    };
  });
}

/** One line per diagnostic, whatever the file holds: the problem matcher `$halab` reads these. */
export function formatGcc(d: CliDiagnostic): string {
  return terminalSafe(`${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
}

/**
 * Reads and analyzes a file for a CLI command. When the file cannot be read or has errors, it
 * prints why (the errors, gcc-style) and returns `{ exit }`, the code the command exits with.
 */
export function loadForCommand(file: string): { text: string; analysis: ReturnType<typeof analyze> } | { exit: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(terminalSafe(`halab: cannot read ${file}: ${(e as Error).message}`) + '\n');
    return { exit: EXIT.usage };
  }
  const analysis = analyze(text, file);
  if (hasErrors(analysis.diagnostics)) {
    for (const d of toCliDiagnostics(file, text, analysis.diagnostics)) {
      if (d.severity === 'error') process.stderr.write(formatGcc(d) + '\n');
    }
    process.stderr.write(terminalSafe(`halab: ${file} has errors; fix them first (halab check ${file}).`) + '\n');
    return { exit: EXIT.failed };
  }
  return { text, analysis };
}

/** Every `.halab` file under `dir`, sorted; dot-folders and node_modules are not searched. */
export function halabFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') walk(join(d, e.name));
      } else if (e.isFile() && e.name.endsWith('.halab')) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

export interface Input {
  name: string;
  text: string;
}

/** The arguments as inputs: `-` is standard input, a directory its .halab files; I/O problems are reported. */
export function readInputs(args: readonly string[], complain: (m: string) => void): Input[] {
  const inputs: Input[] = [];
  for (const arg of args) {
    try {
      if (arg === '-') {
        inputs.push({ name: STDIN_NAME, text: readFileSync(0, 'utf8') });
      } else if (statSync(arg).isDirectory()) {
        const files = halabFilesUnder(arg);
        if (files.length === 0) complain(`no .halab files under ${arg}`);
        for (const f of files) inputs.push({ name: f, text: readFileSync(f, 'utf8') });
      } else {
        inputs.push({ name: arg, text: readFileSync(arg, 'utf8') });
      }
    } catch (e) {
      complain(`cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return inputs;
}

export function register(program: Command): void {
  const cmd = program
    .command('check')
    .description('check .halab files (a directory: every .halab file under it; -: standard input) and print diagnostics')
    .argument('<files...>', '.halab files, directories, or - for standard input');
  formatOption(cmd, 'an array of {file, line, column, endLine, endColumn, severity, code, message}');
  // Hints are the editor's faint suggestions (e.g. slow-link-failover on every VRRPv2 vip): in a
  // terminal or CI log they would bury the errors, so text output shows them only when asked.
  cmd.option('--hints', 'print hints too (text output; JSON always has them)');
  exitCodes(cmd, { ok: 'no errors (warnings may be printed; hints with --hints)', failed: 'at least one file has errors' });
  cmd.action((args: string[], opts: { format?: string; json?: boolean; hints?: boolean }) => {
    let io = false;
    const inputs = readInputs(args, (m) => {
      process.stderr.write(terminalSafe(`halab check: ${m}`) + '\n');
      io = true;
    });
    const all: CliDiagnostic[] = [];
    let errors = false;
    for (const { name, text } of inputs) {
      const { diagnostics } = analyze(text, name);
      if (hasErrors(diagnostics)) errors = true;
      // a loop, not push(...): a file can have more diagnostics than a call has room for arguments
      for (const d of toCliDiagnostics(name, text, diagnostics)) all.push(d);
    }
    if (outputFormat(opts) === 'json') process.stdout.write(jsonText(all));
    else process.stdout.write(all.filter((d) => opts.hints || d.severity !== 'hint').map((d) => formatGcc(d) + '\n').join(''));
    process.exitCode = io ? EXIT.usage : errors ? EXIT.failed : EXIT.ok;
  });
}
