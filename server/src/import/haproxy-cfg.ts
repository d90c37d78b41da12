/**
 * Reads a haproxy.cfg into sections and directive lines, keeping each line's number and text for
 * the import report. Hand-written because no maintained npm parser of HAProxy's format exists, and
 * the import needs exactly HAProxy's own word rules (cfgparse.c: `\` escapes, `\xHH`, quotes, `#`
 * comments) plus the comments halab itself writes (they say which site a pass-through line is of).
 */

import { SECTION_OPENERS } from '../schema/pass-through.js';

/** HAProxy 2.6's section keywords: the pass-through table's section openers. */
const HAPROXY_SECTIONS = SECTION_OPENERS.haproxy;

/** A directive line as compared across files: its words separated by one space. */
export function normalizeLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export interface CfgLine {
  /** 1-based line number in its file. */
  line: number;
  /** The directive as written, without its indent and trailing comment. */
  text: string;
  /** Its words after HAProxy's unescaping and unquoting. */
  words: string[];
}

export interface CfgSection {
  kind: string;
  name: string;
  line: number;
  text: string;
  directives: CfgLine[];
  /** Comment lines inside the section, by the line number of the directive that follows them. */
  comments: { line: number; text: string }[];
}

export interface HaproxyCfg {
  /** The comment lines before the first section (halab's header says the topology's name). */
  preamble: string[];
  sections: CfgSection[];
}

/** Splits one line into HAProxy words; returns the text before any comment too. */
export function haproxyWords(raw: string): { words: string[]; text: string } {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  let end = raw.length;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < raw.length) cur += unescapeAt(raw, i, (n) => (i = n));
      else cur += c;
      continue;
    }
    if (c === '#') {
      end = i;
      break;
    }
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < raw.length) cur += unescapeAt(raw, i, (n) => (i = n));
    else cur += c;
  }
  if (inWord) words.push(cur);
  return { words, text: raw.slice(0, end).trim() };
}

/** The character a `\` escape at raw[i] stands for; moves the index past it. */
function unescapeAt(raw: string, i: number, moveTo: (n: number) => void): string {
  const next = raw[i + 1]!;
  if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 2, i + 4))) {
    moveTo(i + 3);
    return String.fromCharCode(parseInt(raw.slice(i + 2, i + 4), 16));
  }
  moveTo(i + 1);
  return next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
}

/** `\xHH` escapes are bytes: a word with UTF-8 sequences is decoded once it is whole. */
export function decodeBytes(word: string): string {
  if (!/[\x80-\xff]/.test(word)) return word;
  const bytes = Buffer.from(word, 'latin1');
  const text = bytes.toString('utf8');
  return text.includes('\ufffd') ? word : text;
}

export function parseHaproxyCfg(text: string): HaproxyCfg {
  const out: HaproxyCfg = { preamble: [], sections: [] };
  let section: CfgSection | undefined;
  let pendingComments: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      if (section) pendingComments.push({ line, text: trimmed });
      else out.preamble.push(trimmed);
      return;
    }
    const { words, text: t } = haproxyWords(raw);
    const decoded = words.map(decodeBytes);
    // HAProxy reads a section keyword at any indent
    if (HAPROXY_SECTIONS.has(decoded[0]!)) {
      section = { kind: decoded[0]!, name: decoded[1] ?? '', line, text: t, directives: [], comments: [] };
      out.sections.push(section);
      pendingComments = [];
      return;
    }
    if (!section) {
      section = { kind: 'global', name: '', line, text: '', directives: [], comments: [] };
      out.sections.push(section);
    }
    for (const c of pendingComments) section.comments.push({ line, text: c.text });
    pendingComments = [];
    section.directives.push({ line, text: t, words: decoded });
  });
  return out;
}
