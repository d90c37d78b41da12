/**
 * Generates the keyword reference of docs/language.md from the schema table (between the
 * `<!-- schema -->` markers), so docs, completion, hover and validation never disagree.
 * `npm run docs`; test/unit/docs.test.ts fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BLOCKS } from '../server/src/schema/schema.js';
import { signature } from '../server/src/language/completion.js';

export function schemaReference(): string {
  const out: string[] = [];
  for (const b of Object.values(BLOCKS)) {
    out.push(`### ${b.id === 'file' ? 'Top level' : `\`${b.title}\` block`}`, '', '| statement | default | meaning | renders to |', '|---|---|---|---|');
    for (const k of b.keywords) {
      const flags = [k.required ? 'required' : '', k.repeatable ? 'repeatable' : ''].filter(Boolean).join(', ');
      const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
      out.push(`| \`${cell(signature(k))}\`${flags ? ` (${flags})` : ''} | ${k.default ? `\`${cell(k.default)}\`` : ''} | ${cell(k.doc)} | ${cell(k.renders)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function updateLanguageDoc(file = 'docs/language.md'): { before: string; after: string } {
  const before = readFileSync(file, 'utf8');
  const open = '<!-- schema -->';
  const close = '<!-- /schema -->';
  const i = before.indexOf(open);
  const j = before.indexOf(close);
  if (i < 0 || j < i) throw new Error(`${file} lacks the ${open} … ${close} markers`);
  const after = before.slice(0, i + open.length) + '\n' + schemaReference() + '\n' + before.slice(j);
  return { before, after };
}

if (process.argv[1]?.endsWith('gen-docs.ts')) {
  const { after } = updateLanguageDoc();
  writeFileSync('docs/language.md', after);
}
