/**
 * What every `halab` command does the same way, written once: the exit codes and their --help
 * text, the `--format text|json` option (with `--json` kept as an alias), which errors count as
 * usage/environment problems, and text that is safe to print on a terminal.
 */
import { Option, type Command } from 'commander';
import { SecretError } from '../index.js';

/**
 * The three exit codes of every command. 2 means "nothing was judged": a bad option, an
 * unreadable file, or an environment that is not ready (an unset secret, no terminal to confirm
 * on). So an unset secret is 2 for render, deploy and failover-test alike.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Adds the command's exit codes to its --help, after the options. */
export function exitCodes(cmd: Command, meaning: { ok: string; failed: string; usage?: string }): Command {
  const usage = meaning.usage ?? 'usage or I/O problem (bad option, unreadable file, unset secret)';
  const codes = `  ${EXIT.ok}  ${meaning.ok}\n  ${EXIT.failed}  ${meaning.failed}\n  ${EXIT.usage}  ${usage}\n`;
  return cmd.addHelpText('after', `\nExit codes:\n${codes}`);
}

export type OutputFormat = 'text' | 'json';

/** `--format text|json` and its alias `--json`; read the choice back with `outputFormat`. */
export function formatOption(cmd: Command, json: string): Command {
  return cmd
    .addOption(new Option('--format <format>', `text, or json: ${json}`).choices(['text', 'json']).default('text'))
    .addOption(new Option('--json', 'the same as --format json').hideHelp());
}

export function outputFormat(o: { format?: string; json?: boolean }): OutputFormat {
  return o.json || o.format === 'json' ? 'json' : 'text';
}

/** The exit code for an error thrown out of a command: an unset secret is the environment's fault. */
export function exitCodeOf(e: unknown): number {
  return e instanceof SecretError ? EXIT.usage : EXIT.failed;
}

/**
 * Text from a .halab file (names, values, file names) can hold control bytes; printed raw, ESC
 * sequences would clear or rewrite the user's terminal. Every C0/C1 control but tab becomes a
 * visible `\xNN` (newlines too: one diagnostic stays one line, which problem matchers rely on).
 */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** JSON.stringify escapes C0 controls but not DEL or C1 (U+009B is a CSI on some terminals). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

/**
 * `halab check F | head -1`: once the reader has gone, writing to stdout fails with EPIPE. Like
 * grep, halab then stops printing quietly — but it does not exit at once, because a deploy or a
 * failover test must still finish (or undo its fault) whatever happened to its reader.
 */
export function quietOnClosedStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
    process.stdout.write = ((_chunk: unknown, a?: unknown, b?: unknown) => {
      const cb = typeof a === 'function' ? a : b;
      if (typeof cb === 'function') process.nextTick(cb as () => void);
      return true;
    }) as typeof process.stdout.write;
  });
}
let stdoutClosed = false;

/**
 * Exits with `code` once everything written so far has reached stdout and stderr. A pipe is not
 * written synchronously in full: `process.exit` right after a large write (150,000 diagnostics
 * into `| grep`) cut the output short. Exiting explicitly (not by an empty event loop) still
 * matters: a dropped SSH socket or a probe timer must not keep the command alive.
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  const flush = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.write('', () => resolve())));
  void Promise.all([stdoutClosed ? Promise.resolve() : flush(process.stdout), flush(process.stderr)]).then(() => process.exit(code));
}
