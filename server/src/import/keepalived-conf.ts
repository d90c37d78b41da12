/**
 * Reads a keepalived.conf into a tree of statements with line numbers. Hand-written like the
 * HAProxy reader, to keepalived's own rules (parser.c): words split on blanks, `"…"` groups (with
 * `\` and octal escapes, as halab's keepalivedString writes them), `#` and `!` start comments,
 * `{`/`}` open and close blocks, on their own line or inline (`track_script { chk }`).
 */
import { keepalivedString } from '../render/escape.js';

export interface KaNode {
  line: number;
  /** The statement's words (the block's key and arguments), unquoted. */
  words: string[];
  /** Its text as written on its first line, without comment. */
  text: string;
  /** Present when the statement opens a block. */
  children?: KaNode[];
  /** The line of its closing brace (blocks only). */
  endLine?: number;
  /** Comment lines just before it. */
  comments: string[];
}

export interface KeepalivedConf {
  preamble: string[];
  nodes: KaNode[];
  /** Braces that do not balance: the import says where. */
  problems: { line: number; message: string }[];
}

interface Token {
  word: string;
  line: number;
  brace: boolean;
}

function unquote(body: string): string {
  return body.replace(/\\([0-7]{3}|.)/g, (_, e: string) => (/^[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e));
}

function tokenize(text: string): { tokens: Token[]; comments: Map<number, string> } {
  const tokens: Token[] = [];
  const comments = new Map<number, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const re = /"((?:[^"\\]|\\.)*)"|([{}])|([#!].*$)|([^\s{}"]+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(raw))) {
      if (m[3] !== undefined) {
        if (tokens.length === 0 || tokens[tokens.length - 1]!.line !== line) comments.set(line, m[3]);
        break;
      }
      if (m[2] !== undefined) tokens.push({ word: m[2], line, brace: true });
      else tokens.push({ word: m[1] !== undefined ? unquote(m[1]) : m[4]!, line, brace: false });
    }
  });
  return { tokens, comments };
}

export function parseKeepalivedConf(text: string): KeepalivedConf {
  const { tokens, comments } = tokenize(text);
  const lines = text.split(/\r?\n/);
  const problems: KeepalivedConf['problems'] = [];
  const root: KaNode[] = [];
  const stack: KaNode[][] = [root];
  const openers: KaNode[] = [];
  let pendingComments: string[] = [];
  let lastCommentLine = 0;
  const commentsBefore = (line: number) => {
    for (const [l, c] of comments) if (l > lastCommentLine && l < line) pendingComments.push(c);
    lastCommentLine = line;
    const out = pendingComments;
    pendingComments = [];
    return out;
  };
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i]!;
    if (t.brace && t.word === '}') {
      const opener = openers.pop();
      if (!opener) problems.push({ line: t.line, message: 'a `}` that closes no block' });
      else {
        opener.endLine = t.line;
        stack.pop();
      }
      i++;
      continue;
    }
    // a statement: its words up to the end of its line or a brace
    const words: string[] = [];
    let j = i;
    while (j < tokens.length && tokens[j]!.line === t.line && !tokens[j]!.brace) words.push(tokens[j++]!.word);
    const node: KaNode = {
      line: t.line,
      words,
      text: (lines[t.line - 1] ?? '').replace(/\s[#!].*$/, '').trim(),
      comments: commentsBefore(t.line),
    };
    if (words.length === 0 && tokens[j]?.word === '{') {
      problems.push({ line: t.line, message: 'a `{` without a keyword before it' });
    }
    stack[stack.length - 1]!.push(node);
    if (j < tokens.length && tokens[j]!.word === '{' && tokens[j]!.brace) {
      node.children = [];
      stack.push(node.children);
      openers.push(node);
      j++;
    }
    i = j;
  }
  for (const o of openers) problems.push({ line: o.line, message: `\`${o.words[0]} {\` is never closed` });
  const firstLine = tokens[0]?.line ?? Infinity;
  const preamble = [...comments].filter(([l]) => l < firstLine).map(([, c]) => c);
  return { preamble, nodes: root, problems };
}

/** A statement and every statement inside it, depth first. */
export function subtree(node: KaNode): KaNode[] {
  return [node, ...(node.children ?? []).flatMap(subtree)];
}

/** The first child statement with this key. */
export function child(node: KaNode | undefined, key: string): KaNode | undefined {
  return node?.children?.find((c) => c.words[0] === key);
}

/** The words of a block's children, one entry per child line (`virtual_ipaddress { … }`). */
export function childWords(node: KaNode | undefined): string[][] {
  return (node?.children ?? []).map((c) => c.words);
}

/** A node as one line: `key args { child; child }` → `key args { a b c }` (keepalived reads it so). */
export function oneLine(node: KaNode): string {
  // words written back as halab writes keepalived strings (the tokenizer's unquote is their inverse)
  const head = node.words.map(keepalivedString).join(' ');
  if (!node.children) return head;
  const inner = node.children.map(oneLine).join(' ');
  return `${head} {${inner ? ' ' + inner + ' ' : ' '}}`;
}
