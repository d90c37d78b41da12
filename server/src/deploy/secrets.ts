/**
 * Keeping resolved secrets out of everything a deploy shows: plan diffs (text, `--json`, the
 * editor's plan view), progress events and error messages.
 *
 * A rendered file never holds a secret as typed: haproxy.cfg holds `correct\x20horse…`,
 * keepalived.conf holds `"pa\042ss"`, cut to the 8 bytes keepalived reads. So a Masker hides
 * every form a secret takes (`secretForms`), not just the raw value.
 *
 * The plan goes further (`planView`): its new side is the file rendered with placeholder secrets
 * (no secret ever entered it, whatever the escaping), and on the host's side a line that holds a
 * secret — the current one, or an old one nobody told us about — is recognised by its place: the
 * text before the secret on that line of the new file, or the directive words before any secret
 * in the templates (secret-directives.ts).
 */
import { escapedForms, truncateAuthPass } from '../render/escape.js';
import { directiveBefore, secretDirectives } from './secret-directives.js';

export const MASK = '********';

export interface Masker {
  (text: string): string;
  /** Where the first form of a secret starts in `text`, or -1. */
  firstAt(text: string): number;
}

/**
 * Every form of a secret value that may reach an output: the forms of the value, of the cut
 * auth_pass the renderer writes (the longest prefix whose keepalived spelling fits 8 bytes), of
 * its first 8 characters (keepalived's own cut of a longer auth_pass, as older files hold it),
 * and the value as JSON (error messages quote values that way).
 */
export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  for (const v of new Set([value, truncateAuthPass(value), value.slice(0, 8)])) {
    if (v) for (const f of escapedForms(v)) forms.add(f);
  }
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.delete('');
  return [...forms];
}

/** Masks every form of every value, longest first (so a form is never half-masked by a shorter one). */
export function makeMasker(secretValues: Iterable<string>): Masker {
  const forms = new Set<string>();
  for (const v of secretValues) if (v) for (const f of secretForms(v)) forms.add(f);
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return Object.assign((t: string) => t, { firstAt: () => -1 });
  const re = new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return Object.assign((text: string) => text.replace(re, MASK), {
    firstAt(text: string) {
      re.lastIndex = 0;
      const m = re.exec(text);
      re.lastIndex = 0;
      return m ? m.index : -1;
    },
  });
}

/** A line of the new file that holds a secret. */
interface SecretLine {
  /** The line as rendered with the real secrets, as the host holds it once deployed. */
  real: string;
  /** The line as the plan shows it. */
  shown: string;
  /** The text before the secret, e.g. `    stats auth admin:`. */
  lead: string;
  /** Matches a line with the same words before the secret, e.g. `    stats auth `. */
  directive?: RegExp;
}

export interface PlanView {
  /** The new file as the plan shows it. */
  ours: string;
  /** The host's copy as the plan shows it. */
  theirs(remote: string): string;
}

/**
 * What the plan shows of a file rendered with the real secrets (`real`) and of the host's copy.
 * `placeholders` is the same file rendered with placeholder secrets (render with
 * `placeholderSecrets`, `preview: true`): when given (and line for line the same file), the new
 * side is that copy, so it holds no secret by construction. Without it the new side is `real`
 * with every secret form masked. Either way the result is masked again, as a second wall.
 */
export function planView(real: string, placeholders: string | undefined, mask: Masker): PlanView {
  const realLines = real.split('\n');
  const twin = placeholders?.split('\n');
  const paired = twin && twin.length === realLines.length ? twin : undefined;
  const shownLines = realLines.map((line, i) => mask(paired ? paired[i]! : line));
  const secrets: SecretLine[] = [];
  realLines.forEach((line, i) => {
    const start = secretStart(line, paired?.[i], mask);
    if (start >= 0) secrets.push(secretLine(line, shownLines[i]!, start));
  });
  const byReal = new Map(secrets.map((s) => [s.real, s.shown]));
  const directives = [...secrets.flatMap((s) => (s.directive ? [s.directive] : [])), ...secretDirectives()];
  return {
    ours: shownLines.join('\n'),
    theirs: (remote) =>
      mask(
        remote
          .split('\n')
          .map((line) => byReal.get(line) ?? hideSecretLine(line, secrets, directives))
          .join('\n'),
      ),
  };
}

/** Where the secret starts on a real line: the first secret form, or where the placeholder copy differs; -1 if none. */
function secretStart(real: string, twin: string | undefined, mask: Masker): number {
  const found = mask.firstAt(real);
  if (twin === undefined || twin === real) return found;
  let common = 0;
  while (common < real.length && real[common] === twin[common]) common++;
  return found < 0 ? common : Math.min(found, common);
}

function secretLine(real: string, shown: string, start: number): SecretLine {
  // the whole words before the secret: a changed stats user must not let an old password through
  return { real, shown, lead: real.slice(0, start), directive: directiveBefore(real, start) };
}

/**
 * A host line that is not one of the new file's secret lines but sits where a secret goes
 * (same text before it, or the same directive words) holds a secret we may not know, e.g. the
 * value before a rotation: everything from there to the end of the line is masked.
 */
function hideSecretLine(line: string, secrets: SecretLine[], directives: RegExp[]): string {
  for (const s of secrets) if (s.lead.trim() && line.startsWith(s.lead) && line.length > s.lead.length) return s.lead + MASK;
  for (const re of directives) {
    const m = re.exec(line);
    if (m) return m[0] + MASK;
  }
  return line;
}
