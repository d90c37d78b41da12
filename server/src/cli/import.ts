/**
 * `halab import DIR -o FILE.halab` and `halab import --from HOST… -o FILE.halab` (§5): the inverse
 * of render. Writes the .halab file only when nothing was lost (exit 0); the report of where every
 * directive went goes to stderr (`--format json`: to stdout). Literal secrets become env:
 * references: the report names the variables, never their values.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { importConfigs, readImportDir, type ImportResult, type ReportEntry } from '../import/index.js';
import { parseFrom, readLiveHosts } from '../import/live.js';
import { EXIT, exitCodes, formatOption, jsonText, outputFormat, terminalSafe } from './conventions.js';

interface ImportCliOptions {
  output: string;
  from?: string[];
  lab?: string;
  force?: boolean;
  format?: string;
  json?: boolean;
}

function fail(message: string, code: number): void {
  process.stderr.write(terminalSafe(`halab import: ${message}`) + '\n');
  process.exitCode = code;
}

/** The report for a terminal: counts, then every line that is not plainly a statement or a default. */
export function formatImportReport(r: ImportResult): string {
  const counts = new Map<string, number>();
  for (const e of r.report) counts.set(e.went, (counts.get(e.went) ?? 0) + 1);
  const out = [`${r.report.length} input lines: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`];
  const line = (e: ReportEntry) => `  ${e.host}:${e.file}:${e.line}: ${e.text} — ${e.detail}`;
  const shown = (went: string, title: string) => {
    const es = r.report.filter((e) => e.went === went);
    if (es.length) out.push(title, ...es.map(line));
  };
  shown('error', r.text === '' ? 'cannot be kept (nothing was written):' : 'errors to fix in the written file:');
  shown('pass-through', 'kept as pass-through statements:');
  shown('replaced', 'halab writes its own line instead (differences):');
  shown('inert', 'meant nothing where they were (not kept):');
  if (r.guesses.length) out.push('guessed (check these):', ...r.guesses.map((g) => `  ${g}`));
  if (r.secrets.length) out.push('set these before render or deploy:', ...r.secrets.map((s) => `  ${s.env}: ${s.what}`));
  return out.map(terminalSafe).join('\n') + '\n';
}

/** The JSON report: the result without the secrets' values. */
function jsonReport(r: ImportResult, file: string | undefined): unknown {
  return { file, report: r.report, guesses: r.guesses, differences: r.differences,
    secrets: r.secrets.map(({ env, what }) => ({ env, what })), errors: r.errors };
}

export function register(program: Command): void {
  const cmd = program
    .command('import')
    .description('write a .halab file from existing configs: DIR/<host>/etc/… (as render writes) or live hosts over SSH')
    .argument('[dir]', 'folder with one folder per host')
    .requiredOption('-o, --output <file>', 'the .halab file to write')
    .option('--from <host...>', 'read the files from these hosts over SSH ([user@]host[:port]), read only')
    .option('--lab <topology>', 'with --from: the hosts are this lab topology\'s (its keys)')
    .option('--force', 'overwrite the output file if it exists');
  formatOption(cmd, '{file, report: [{host, file, line, text, went, detail}], guesses, differences, secrets: [{env, what}], errors}');
  exitCodes(cmd, {
    ok: 'nothing was lost: the file is written',
    failed: 'some input line cannot be kept (nothing written; the report names it), or the topology has errors halab\'s checks find (the file is written, the report names its lines)',
    usage: 'usage or I/O problem: no DIR and no --from, unreadable input, unreachable host, existing output (nothing written)',
  });
  cmd.action(async (dir: string | undefined, opts: ImportCliOptions) => {
    if (!dir === !opts.from) return fail('give either DIR or --from HOST…', EXIT.usage);
    if (existsSync(opts.output) && !opts.force) return fail(`${opts.output} exists (--force to overwrite); nothing was written`, EXIT.usage);
    let hosts;
    try {
      if (dir) hosts = readImportDir(dir);
      else {
        const specs = opts.from!.map((s) => parseFrom(s) ?? s);
        const bad = specs.find((s) => typeof s === 'string');
        if (bad) return fail(`--from ${bad}: expected [user@]host[:port]`, EXIT.usage);
        hosts = await readLiveHosts(specs as Exclude<(typeof specs)[number], string>[], { lab: opts.lab });
      }
    } catch (e) {
      return fail(`cannot read the input: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.trim(), EXIT.usage);
    }
    const r = importConfigs({ hosts, output: opts.output });
    const ok = r.errors.length === 0 && r.text !== '';
    // with errors only in the file itself (a topology halab's checks refuse), the file is written to be fixed there
    if (r.text !== '') {
      try {
        writeFileSync(opts.output, r.text, { flag: opts.force ? 'w' : 'wx' });
      } catch (e) {
        return fail(`cannot write ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.usage);
      }
    }
    if (outputFormat(opts) === 'json') process.stdout.write(jsonText(jsonReport(r, r.text !== '' ? opts.output : undefined)));
    else {
      process.stderr.write(formatImportReport(r));
      if (r.text !== '') {
        const fix = ok ? '' : ` with ${r.errors.length} error(s) to fix in it (halab check ${opts.output})`;
        process.stderr.write(terminalSafe(`halab import: wrote ${opts.output}${fix}`) + '\n');
      }
    }
    process.exitCode = ok ? EXIT.ok : EXIT.failed;
  });
}
