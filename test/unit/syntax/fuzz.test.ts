/**
 * Fuzzing the parser and checks: they must never throw and never hang. 10,000+ inputs per run:
 * token-level mutations of the examples, random bytes, a 10 MB line, deep nesting. The timing
 * assertions are a guard against hangs and super-linear blowups, not a benchmark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../server/src/engine.js';
import { rng } from '../../helpers/rng.js';
import { lex } from '../../../server/src/syntax/lexer.js';
import { complete } from '../../../server/src/language/completion.js';
import { hover } from '../../../server/src/language/hover.js';
import { format } from '../../../server/src/language/format.js';

const SEED = Number(process.env.HALAB_FUZZ_SEED ?? 20261125);
const examples = ['examples/seed-lab.halab', 'examples/lab.halab'].map((f) => readFileSync(f, 'utf8'));

function mutate(text: string, r: () => number): string {
  const toks = lex(text).filter((t) => t.kind !== 'eof');
  const pieces = toks.map((t) => text.slice(t.start, t.end));
  const ops = 1 + Math.floor(r() * 4);
  for (let k = 0; k < ops && pieces.length > 1; k++) {
    const i = Math.floor(r() * pieces.length);
    const j = Math.floor(r() * pieces.length);
    switch (Math.floor(r() * 4)) {
      case 0: pieces.splice(i, 1); break; // delete
      case 1: pieces.splice(i, 0, pieces[j]!); break; // duplicate
      case 2: [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!]; break; // swap
      default: pieces[i] = pieces[i]!.slice(0, Math.floor(r() * pieces[i]!.length)); // truncate
    }
  }
  return pieces.join(' ');
}

function randomBytes(r: () => number, n: number): string {
  const alphabet = 'abc{};"#\n \t\\/:.-_0123456789é\u0000\ud800';
  let s = '';
  for (let i = 0; i < n; i++) s += r() < 0.8 ? alphabet[Math.floor(r() * alphabet.length)] : String.fromCharCode(Math.floor(r() * 0xffff));
  return s;
}

function exercise(text: string, r: () => number): void {
  const a = analyze(text);
  if (a.internalErrors.length) throw a.internalErrors[0]!.error;
  for (const d of a.diagnostics) {
    assert.ok(d.span.start >= 0 && d.span.end <= text.length && d.span.start <= d.span.end, `diagnostic span in bounds (${d.code})`);
  }
  const offset = Math.floor(r() * (text.length + 1));
  complete(a.tree, a.model, offset);
  hover(a.tree, a.model, offset);
}

test('10,000 mutated and random inputs: no throw, each well under a second', () => {
  const r = rng(SEED);
  let worst = 0;
  let count = 0;
  for (let i = 0; i < 10_000; i++) {
    const text = i % 5 === 4 ? randomBytes(r, Math.floor(r() * 2000)) : mutate(examples[i % 2]!, r);
    const t0 = performance.now();
    try {
      exercise(text, r);
    } catch (e) {
      assert.fail(`input #${i} (seed ${SEED}) threw: ${(e as Error).stack}\n---\n${text.slice(0, 500)}`);
    }
    worst = Math.max(worst, performance.now() - t0);
    count++;
  }
  assert.equal(count, 10_000);
  assert.ok(worst < 1000, `slowest input took ${worst.toFixed(1)} ms`);
});

test('formatting mutated inputs never throws and is idempotent', () => {
  const r = rng(SEED + 1);
  for (let i = 0; i < 500; i++) {
    const text = mutate(examples[i % 2]!, r);
    const once = format(text);
    assert.equal(format(once), once, `format is idempotent for input #${i}`);
    // Formatting never changes the tokens, only the space between them.
    const words = (s: string) => lex(s).filter((t) => t.kind === 'word' || t.kind === 'string').map((t) => t.value);
    assert.deepEqual(words(once), words(text));
  }
});

test('a 10 MB line, deep nesting and many braces finish quickly', () => {
  const tenMb = 'topology x ' + 'a'.repeat(10 * 1024 * 1024);
  let t0 = performance.now();
  analyze(tenMb);
  assert.ok(performance.now() - t0 < 20_000, "10 MB line");
  const deep = 'vip 1.2.3.4/24 ' + '{'.repeat(100_000) + '}'.repeat(100_000);
  t0 = performance.now();
  const a = analyze(deep);
  assert.ok(a.diagnostics.some((d) => d.code === 'syntax-error'));
  assert.ok(performance.now() - t0 < 20_000, "deep nesting");
  const unclosed = 'site s {\n'.repeat(20_000);
  t0 = performance.now();
  analyze(unclosed);
  assert.ok(performance.now() - t0 < 20_000, "many unclosed blocks");
});

test('work grows linearly with input size (a guard against hangs)', () => {
  const unit = examples[0]!.replace(/topology \S+/, '');
  const make = (n: number) => 'topology big\n' + Array.from({ length: n }, (_, i) =>
    unit.replace(/haproxy0(\d)/g, `h${i}x$1`).replace(/upstream0(\d)/g, `u${i}x$1`).replace(/web0(\d)/g, `w${i}x$1`)).join('\n');
  const time = (text: string) => {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      analyze(text);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  const small = make(20);
  const large = make(320); // 16× the input
  time(small);
  const ratio = time(large) / Math.max(time(small), 0.5);
  assert.ok(ratio < 16 * 4, `16× input took ${ratio.toFixed(1)}× the time`);
});
