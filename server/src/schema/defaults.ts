/**
 * The schema's defaults as values. A keyword's `default` is written as in a .halab file, so it
 * is parsed here with the keyword's own argument types: the value hover and the docs show is
 * the value the resolver uses (test/unit/schema/defaults.test.ts resolves a minimal file and
 * compares every default with the model).
 */
import type { Arg } from '../syntax/ast.js';
import { parseArg } from './args.js';
import { BLOCKS, type KeywordSpec } from './schema.js';

/** A default's statements (`, `-separated repeats), each as its parsed argument values. */
export type DefaultStatements = readonly (readonly unknown[])[];

/** A word or a "quoted string", as the lexer would give it (defaults hold no escapes). */
function argOf(text: string): Arg {
  const quoted = text.length >= 2 && text.startsWith('"') && text.endsWith('"');
  return { kind: quoted ? 'string' : 'word', value: quoted ? text.slice(1, -1) : text, start: 0, end: 0 };
}

/** Splits one statement's text into arguments: words, or one quoted string. */
function argsOf(text: string): Arg[] {
  return text.startsWith('"') ? [argOf(text)] : text.split(' ').map(argOf);
}

function parseDefault(blockId: string, spec: KeywordSpec): DefaultStatements | undefined {
  if (spec.default === undefined || spec.derivedDefault) return undefined;
  return spec.default.split(', ').map((stmt) => {
    const args = argsOf(stmt);
    return spec.args.map((argSpec, i) => {
      const p = parseArg(args[i] ?? argOf(''), argSpec);
      // a literal default the keyword's own type refuses is a bug in the table, found at load
      if (!p.ok) throw new Error(`schema: the default of ${blockId}/${spec.keyword} (${spec.default}) is invalid: ${p.message}`);
      return p.value;
    });
  });
}

const DEFAULTS = new Map<string, DefaultStatements>();
for (const b of Object.values(BLOCKS)) {
  for (const k of b.keywords) {
    const d = parseDefault(b.id, k);
    if (d) DEFAULTS.set(`${b.id}/${k.keyword}`, d);
  }
}

/** The parsed default statements of `blockId/keyword` (undefined: none, or derived). */
export function defaultStatements(blockId: string, keyword: string): DefaultStatements | undefined {
  return DEFAULTS.get(`${blockId}/${keyword}`);
}

/** The default value of a single-statement keyword's argument (undefined: none, or derived). */
export function defaultValue<T>(blockId: string, keyword: string, argIndex = 0): T | undefined {
  return DEFAULTS.get(`${blockId}/${keyword}`)?.[0]?.[argIndex] as T | undefined;
}
