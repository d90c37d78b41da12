/**
 * Generates the keyword reference of docs/language.md from the schema table (between the
 * `<!-- schema -->` markers) and its diagnostics table from the checks' registry (between the
 * `<!-- checks -->` markers), so docs, completion, hover, validation and the checks never
 * disagree. `npm run docs`; test/unit/schema/docs.test.ts fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BLOCKS } from '../server/src/schema/schema.js';
import { CHECKS } from '../server/src/checks/index.js';
import type { Severity } from '../server/src/checks/types.js';
import { signature } from '../server/src/language/completion.js';

const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function schemaReference(): string {
  const out: string[] = [];
  for (const b of Object.values(BLOCKS)) {
    out.push(
      `### ${b.id === 'file' ? 'Top level' : `\`${b.title}\` block`}`,
      '',
      '| statement | default | meaning | renders to |',
      '|---|---|---|---|',
    );
    for (const k of b.keywords) {
      const flags = [k.required ? 'required' : '', k.repeatable ? 'repeatable' : ''].filter(Boolean).join(', ');
      out.push(
        `| \`${cell(signature(k))}\`${flags ? ` (${flags})` : ''} ` +
          `| ${k.default ? `\`${cell(k.default)}\`` : ''} | ${cell(k.doc)} | ${cell(k.renders)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** One row per diagnostic code: errors first, then warnings, then hints, each in the registry's order. */
export function checksTable(): string {
  const rank: Record<Severity, number> = { error: 0, warning: 1, hint: 2 };
  const rows = [...CHECKS].sort((a, b) => rank[a.severity] - rank[b.severity]);
  return [
    '| code | severity | quick fix |',
    '|---|---|---|',
    ...rows.map((c) => `| \`${c.code}\`${c.note ? ` (${cell(c.note)})` : ''} | ${c.severity} | ${cell(c.fix)} |`),
  ].join('\n');
}

/** `text` with what lies between `<!-- name -->` and `<!-- /name -->` replaced by `content`. */
function replaceSection(text: string, name: string, content: string, file: string): string {
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const i = text.indexOf(open);
  const j = text.indexOf(close);
  if (i < 0 || j < i) throw new Error(`${file} lacks the ${open} … ${close} markers`);
  return text.slice(0, i + open.length) + '\n' + content + '\n' + text.slice(j);
}

export function updateLanguageDoc(file = 'docs/language.md'): { before: string; after: string } {
  const before = readFileSync(file, 'utf8');
  const after = replaceSection(replaceSection(before, 'checks', checksTable(), file), 'schema', schemaReference(), file);
  return { before, after };
}

if (process.argv[1]?.endsWith('gen-docs.ts')) {
  const { after } = updateLanguageDoc();
  writeFileSync('docs/language.md', after);
}
