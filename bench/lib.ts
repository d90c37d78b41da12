/** Shared helpers for the benchmarks: percentiles and writing a section of docs/benchmarks.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/** Replaces (or appends) the `<!-- bench:NAME -->` … `<!-- /bench:NAME -->` section. */
export function writeSection(name: string, markdown: string, file = 'docs/benchmarks.md'): void {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  let doc = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEach section is written by its `npm run bench:*` command; ' +
      'the numbers come from one run on the machine named in it.\n';
  const block = `${open}\n${markdown.trim()}\n${close}`;
  const i = doc.indexOf(open);
  const j = doc.indexOf(close);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + close.length) : doc.trimEnd() + '\n\n' + block + '\n';
  writeFileSync(file, doc);
}
