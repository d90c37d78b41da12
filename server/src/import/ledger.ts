/**
 * The import's ledger: every directive line of the input gets exactly one disposition (WENT in
 * types.ts). Inference marks what it turned into statements; accounting (account.ts) settles the
 * rest against the rendered result, so nothing is dropped silently.
 */
import type { ReportEntry, Went } from './types.js';

export class Ledger {
  private readonly entries = new Map<string, ReportEntry>();

  private static key(host: string, file: string, line: number): string {
    return `${host}\u0000${file}\u0000${line}`;
  }

  /** Records a disposition; a later call for the same line replaces an earlier one. */
  mark(host: string, file: string, line: number, text: string, went: Went, detail: string): void {
    this.entries.set(Ledger.key(host, file, line), { host, file, line, text, went, detail });
  }

  /** The same disposition for several lines (a block and what it holds). */
  markAll(host: string, file: string, lines: Iterable<{ line: number; text: string }>, went: Went, detail: string): void {
    for (const l of lines) this.mark(host, file, l.line, l.text, went, detail);
  }

  /** Forgets a line's disposition (a frontend that turned out to serve no site is kept whole instead). */
  unmark(host: string, file: string, line: number): void {
    this.entries.delete(Ledger.key(host, file, line));
  }

  has(host: string, file: string, line: number): boolean {
    return this.entries.has(Ledger.key(host, file, line));
  }

  get(host: string, file: string, line: number): ReportEntry | undefined {
    return this.entries.get(Ledger.key(host, file, line));
  }

  /** In host, file and line order. */
  all(): ReportEntry[] {
    return [...this.entries.values()].sort(
      (a, b) => a.host.localeCompare(b.host) || a.file.localeCompare(b.file) || a.line - b.line,
    );
  }
}
