/**
 * The one quoting function for remote commands. Every command halab runs on a host is built
 * from an argv array and joined here, so no path, value or name ever reaches the remote shell
 * unquoted (sshd always hands the command string to the user's login shell).
 */

/** Quote one argument for a POSIX shell: single quotes, with each `'` written as `'\''`. */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('argument contains a NUL byte');
  // Words made only of characters no POSIX shell treats specially stay readable in logs.
  // `=` is left out: a leading `a=b` word would be an assignment, not a command.
  if (arg !== '' && /^[A-Za-z0-9_\-+.,:/@%]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Join an argv into one command line for `sh -c`. */
export function shellJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(shellQuote).join(' ');
}

/**
 * A remote command: either one argv, or a pipeline of steps joined with a shell operator.
 * Only these fixed operators are ever inserted between quoted argvs.
 */
export type Command = readonly string[] | { op: '&&' | '||' | ';' | '|'; parts: readonly Command[] };

export function renderCommand(cmd: Command): string {
  if (Array.isArray(cmd)) return shellJoin(cmd as readonly string[]);
  const c = cmd as { op: string; parts: readonly Command[] };
  if (c.parts.length === 0) throw new Error('empty command list');
  return c.parts.map((p) => (Array.isArray(p) ? renderCommand(p) : `( ${renderCommand(p)} )`)).join(` ${c.op} `);
}

export const and = (...parts: Command[]): Command => ({ op: '&&', parts });
export const or = (...parts: Command[]): Command => ({ op: '||', parts });
export const seq = (...parts: Command[]): Command => ({ op: ';', parts });
export const pipe = (...parts: Command[]): Command => ({ op: '|', parts });
