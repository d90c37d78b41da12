/**
 * Where a secret goes in the rendered files, whatever the topology being deployed: the words
 * before it on its line (`stats auth`, `auth_pass`). The plan masks what follows them on the
 * host's copy of a file, so a password the host still holds stays hidden even when the new file
 * has no such line (the user removed `stats` or a vip's `auth`), and nobody told the deploy what
 * the old value was.
 *
 * Found, not listed: a small topology that uses every secret keyword of the schema is rendered
 * with sentinel values, and the lines holding a sentinel give the words. A template that puts a
 * secret somewhere new is picked up; test/unit/deploy/secrets-mask.test.ts checks that PROBE uses
 * every keyword whose argument type is `secret`.
 */
import { analyze, hasErrors } from '../engine.js';
import { render } from '../render/render.js';

/** Every secret keyword of the schema, in the places it can be written. */
export const PROBE = `topology probe
vip 198.18.0.100/24 { router-id 51; auth env:PROBE }
lb a { address 198.18.0.11; role primary }
lb b { address 198.18.0.12; role backup }
upstream u { address 198.18.0.21 }
site s { host a.example; servers u }
stats { password env:PROBE }
`;

/** Letters and digits only: every escaping writes it unchanged. */
const SENTINEL = 'HalabSecretProbe7Q3';

let cached: RegExp[] | undefined;

/**
 * Regexps matching the start of a line up to where a secret begins (`^\s*stats\s+auth\s+`): the
 * whole words before the secret. The word holding the secret is not kept (`admin:` in
 * `stats auth admin:PASSWORD`), so a line with another stats user matches too.
 */
export function secretDirectives(): RegExp[] {
  try {
    cached ??= probe();
  } catch {
    // Never fail a deploy over this: the plan still masks every form of the current secrets and
    // the new file's secret lines. The test fails loudly instead.
    cached = [];
  }
  return cached;
}

function probe(): RegExp[] {
  const a = analyze(PROBE, 'probe.halab');
  if (hasErrors(a.diagnostics)) {
    throw new Error(`halab: the secret probe topology has errors: ${a.diagnostics.map((d) => d.message).join('; ')}`);
  }
  // preview: the whole sentinel, not keepalived's 8-byte cut of it
  const { files } = render(a.model, { source: 'probe.halab', secrets: () => SENTINEL, preview: true });
  const found = new Map<string, RegExp>();
  for (const f of files) {
    for (const line of f.content.split('\n')) {
      const at = line.indexOf(SENTINEL);
      if (at < 0) continue;
      const re = directiveBefore(line, at);
      if (re) found.set(re.source, re);
    }
  }
  return [...found.values()];
}

/** The whole words of `line` before `at`, as a regexp for a line's start; undefined when there are none. */
export function directiveBefore(line: string, at: number): RegExp | undefined {
  const words = line.slice(0, at).replace(/\S*$/, '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^\\s*${escaped.join('\\s+')}\\s+(?=\\S)`);
}
