/**
 * Masking resolved secrets out of everything a deploy shows: diffs, events, error messages.
 * Masking is by value, longest first. keepalived keeps only the first 8 characters of an
 * auth_pass (keepalived.conf(5)), so a longer secret's 8-character prefix is masked too.
 */
export const MASK = '********';

export type Masker = (text: string) => string;

export function makeMasker(secretValues: Iterable<string>): Masker {
  const vals = new Set<string>();
  for (const v of secretValues) {
    if (!v) continue;
    vals.add(v);
    if (v.length > 8) vals.add(v.slice(0, 8));
  }
  const sorted = [...vals].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (t) => t;
  const re = new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(re, MASK);
}
