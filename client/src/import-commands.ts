/**
 * "HA Lab: Import Existing Configs…": the editor's `halab import DIR`. The user picks a folder laid
 * out as `halab render -o` writes it (one folder per host, DIR/lb1/etc/haproxy/haproxy.cfg, an
 * optional DIR/hosts) and where to save the .halab draft; the engine's `importConfigs` — the
 * CLI's own function, run in this process like Render — reads them. On success the draft is
 * written (an existing file only after a modal yes), opened beside its topology, and the report
 * goes to the "HA Lab Import" output channel; on errors nothing is written.
 *
 * Secrets: the import turns literal secrets into `env:` references and returns their values with
 * the names. Only the names are ever shown; the engine's report already masks the secrets in the
 * input lines it quotes (server/src/import/index.ts), the same texts the CLI prints.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { importConfigs, readImportDir, type ImportResult, type ReportEntry } from '../../server/src/import/index.js';

/** Optional argument (a keybinding, a task, another extension): skips the dialogs. A Uri is the folder. */
export interface ImportArgs {
  folder?: string;
  output?: string;
}

const CHANNEL = 'HA Lab Import';
export function registerImportCommands(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel(CHANNEL);
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('halab.importConfigs', (arg?: unknown) => importCommand(output, parseArgs(arg))),
  );
}

/** Validates the command's argument: only string fields are taken; anything else means "ask". */
function parseArgs(arg: unknown): ImportArgs {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? { folder: arg.fsPath } : {};
  if (!arg || typeof arg !== 'object') return {};
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a.folder === 'string' && a.folder ? { folder: a.folder } : {}),
    ...(typeof a.output === 'string' && a.output ? { output: a.output } : {}),
  };
}

async function importCommand(output: vscode.OutputChannel, args: ImportArgs): Promise<vscode.Uri | undefined> {
  const folder = args.folder ? vscode.Uri.file(path.resolve(args.folder)) : await pickFolder();
  if (!folder) return undefined;
  if (folder.scheme !== 'file') {
    void vscode.window.showErrorMessage('HA Lab: import reads a folder on this machine\'s disk; pick a local folder.');
    return undefined;
  }
  const target = args.output ? vscode.Uri.file(path.resolve(args.output)) : await pickOutput(folder);
  if (!target) return undefined;
  if (!(await mayWrite(target))) return undefined;

  let result: ImportResult;
  let hosts: number;
  try {
    const input = readImportDir(folder.fsPath);
    hosts = input.length;
    result = importConfigs({ hosts: input, output: target.fsPath });
  } catch (e) {
    void vscode.window.showErrorMessage(`HA Lab: cannot import ${folder.fsPath}: ${(e as Error).message}`);
    return undefined;
  }
  writeReport(output, result, { folder: folder.fsPath, target: target.fsPath, hosts });
  // as `halab import`: nothing is written when an input line is lost; a topology halab's checks
  // refuse is written, to be fixed where its diagnostics show
  if (!result.text) return failed(output, result);

  try {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(result.text));
  } catch (e) {
    void vscode.window.showErrorMessage(`HA Lab: cannot write ${target.fsPath}: ${(e as Error).message}`);
    return undefined;
  }
  output.appendLine(`Written to ${target.fsPath}.`);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
  const shown = result.errors.length
    ? vscode.window.showWarningMessage(`${summary(result, hosts, target)} It has ${plural(result.errors.length, 'error')} to fix ` +
      '(the Problems panel shows them).', 'Show Report')
    : vscode.window.showInformationMessage(summary(result, hosts, target), 'Show Report');
  void shown.then((c) => c && output.show(true));
  await vscode.commands.executeCommand('halab.openTopology', target);
  return target;
}

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Import',
    title: 'HA Lab: folder with one folder per host (<host>/etc/haproxy/haproxy.cfg, <host>/etc/keepalived/keepalived.conf)',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}

/** The save dialog, offering `<folder name>.halab` in the workspace folder (beside the folder without one). */
async function pickOutput(folder: vscode.Uri): Promise<vscode.Uri | undefined> {
  const name = `${path.basename(folder.fsPath) || 'imported'}.halab`;
  const where = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(folder.fsPath));
  return vscode.window.showSaveDialog({
    title: 'HA Lab: save the imported topology as',
    saveLabel: 'Save Topology',
    defaultUri: vscode.Uri.joinPath(where, name),
    filters: { 'HA Lab topology': ['halab'] },
  });
}

/** A new file may be written; an existing one only after the user says so in a modal. */
async function mayWrite(target: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(target);
  } catch {
    return true;
  }
  const replace = 'Replace';
  const choice = await vscode.window.showWarningMessage(
    `${vscode.workspace.asRelativePath(target)} exists already. Replace it with the imported topology?`,
    { modal: true, detail: 'Its current text is lost unless it is under version control.' },
    replace,
  );
  return choice === replace;
}

function failed(output: vscode.OutputChannel, r: ImportResult): undefined {
  const first = r.errors[0];
  const where = first ? location(first) : '';
  const more = r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : '';
  const why = first ? first.detail : 'the engine returned no text';
  void vscode.window.showErrorMessage(`HA Lab: import stopped, nothing was written: ${where ? `${where}: ` : ''}${why}${more}`, 'Show Report')
    .then((c) => c && output.show(true));
  return undefined;
}

function summary(r: ImportResult, hosts: number, target: vscode.Uri): string {
  const count = (w: ReportEntry['went']) => r.report.filter((e) => e.went === w).length;
  const parts = [
    `${count('statement')} lines became statements`,
    `${count('default')} are halab's defaults`,
    `${count('pass-through')} pass-through`,
    plural(r.differences.length, 'difference'),
    `${r.guesses.length} guess${r.guesses.length === 1 ? '' : 'es'} to check`,
  ];
  const env = r.secrets.length ? ` Set ${r.secrets.map((s) => s.env).join(', ')} before you render or deploy.` : '';
  return `HA Lab: imported ${plural(hosts, 'host')} into ${vscode.workspace.asRelativePath(target)}: ${parts.join(', ')}.${env}`;
}

/** `host file:line`, leaving out what the entry lacks (an error about the whole input has none). */
function location(e: ReportEntry): string {
  const file = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : '';
  return [e.host, file].filter(Boolean).join(' ');
}

/** The report: every line that did not simply become a statement or a default, then guesses, differences and env names. */
function writeReport(
  out: vscode.OutputChannel,
  r: ImportResult,
  where: { folder: string; target: string; hosts: number },
): void {
  // One report per run, appended: clearing a channel that is being shown races with its redraw.
  if (reported.has(out)) out.appendLine('\n' + '─'.repeat(72));
  reported.add(out);
  const line = (s: string) => out.appendLine(s);
  line(`Import of ${where.folder} (${plural(where.hosts, 'host folder')}) into ${where.target}`);
  const counts = new Map<string, number>();
  for (const e of r.report) counts.set(e.went, (counts.get(e.went) ?? 0) + 1);
  line(`Where the input's lines went: ${[...counts].map(([w, n]) => `${n} ${w}`).join(', ')}`);
  if (r.errors.length && !r.text) line(`Stopped by ${plural(r.errors.length, 'error')}; nothing was written.`);
  else if (r.errors.length) line(`Written with ${plural(r.errors.length, 'error')} halab's checks find in the topology: fix them in the file.`);
  const notable = r.report.filter((e) => e.went !== 'statement' && e.went !== 'default' && e.went !== 'error');
  section(out, 'Lines that are not a statement or a default', notable.map((e) => `${e.went}: ${entryText(e)}`));
  section(out, 'Errors', r.errors.map(entryText));
  section(out, 'Differences (what rendering the file changes)', r.differences);
  section(out, 'Guesses to check', r.guesses);
  section(out, 'Literal secrets became env: references; set these variables (or secret: references) before Render or Deploy',
    r.secrets.map((s) => `${s.env} — ${s.what}`));
}

const reported = new WeakSet<vscode.OutputChannel>();

/** `host file:line `text` — detail`, leaving out what the entry lacks. */
function entryText(e: ReportEntry): string {
  const head = [location(e), e.text ? `\`${e.text}\`` : ''].filter(Boolean).join(' ');
  return head ? `${head}${e.detail ? ` — ${e.detail}` : ''}` : `(input): ${e.detail}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function section(out: vscode.OutputChannel, title: string, lines: string[]): void {
  if (!lines.length) return;
  out.appendLine('');
  out.appendLine(`${title} (${lines.length}):`);
  for (const l of lines) out.appendLine(`  ${l.replace(/\n/g, '\n    ')}`);
}
