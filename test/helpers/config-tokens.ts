/**
 * Tokenizers (decoders) for one line of each rendered format, written from each format's
 * documentation (HAProxy "2.2. Quoting and escaping", keepalived.conf(5) "Quoted strings", nginx's
 * quoted strings), not from halab's escaping: the injection and fuzz tests read rendered lines
 * back with them. Total on any input (an unterminated quote throws), so the fuzz test can feed
 * them anything.
 */

export class UnterminatedQuote extends Error {}

/** HAProxy: blanks separate words; `#` starts a comment; `\` escapes (`\xNN`, `\ `…); quotes group. */
export function haproxyTokens(line: string): string[] {
  const out: string[] = [];
  let cur: number[] | null = null;
  const push = (s: string) => {
    cur ??= [];
    if (s.length === 1 && s.charCodeAt(0) < 0x80) cur.push(s.charCodeAt(0));
    else for (const b of Buffer.from(s, 'utf8')) cur.push(b);
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '#') break;
    if (c === ' ' || c === '\t') {
      if (cur) out.push(Buffer.from(cur).toString('utf8'));
      cur = null;
    } else if (c === '\\') {
      const n = line[i + 1];
      if (n === 'x') {
        cur ??= [];
        cur.push(parseInt(line.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        push(n ?? '');
        i++;
      }
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UnterminatedQuote(line);
      push(line.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (line[j] !== '"') {
        if (j >= line.length) throw new UnterminatedQuote(line);
        if (line[j] === '\\') j++;
        s += line[j] ?? '';
        j++;
      }
      push(s);
      i = j;
    } else push(c);
  }
  if (cur) out.push(Buffer.from(cur).toString('utf8'));
  return out;
}

/** keepalived: blanks separate; `#`/`!` comment outside quotes; `"…"` with `\ooo` and `\C`. */
export function keepalivedTokens(line: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '#' || c === '!') break;
    if (c === ' ' || c === '\t') {
      if (cur !== null) out.push(cur);
      cur = null;
    } else if (c === '"') {
      let j = i + 1;
      const bytes: number[] = [];
      while (line[j] !== '"') {
        if (j >= line.length) throw new UnterminatedQuote(line);
        if (line[j] === '\\') {
          const oct = /^[0-7]{1,3}/.exec(line.slice(j + 1, j + 4))?.[0];
          if (oct) {
            bytes.push(parseInt(oct, 8));
            j += 1 + oct.length;
            continue;
          }
          j++;
        }
        for (const b of Buffer.from(line[j] ?? '', 'utf8')) bytes.push(b);
        j++;
      }
      cur = (cur ?? '') + Buffer.from(bytes).toString('utf8');
      i = j;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== null) out.push(cur);
  return out;
}

/** nginx: blanks separate, `;` ends a directive (a token of its own here), `#` comments, `"…"` with `\"` `\\`. */
export function nginxTokens(line: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '#') break;
    if (c === ' ' || c === '\t' || c === ';') {
      if (cur !== null) out.push(cur);
      cur = null;
      if (c === ';') out.push(';');
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (line[j] !== '"') {
        if (j >= line.length) throw new UnterminatedQuote(line);
        if (line[j] === '\\') j++;
        s += line[j] ?? '';
        j++;
      }
      cur = (cur ?? '') + s;
      i = j;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== null) out.push(cur);
  return out;
}

export function htmlUnescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** A .halab string literal (§1: escapes \" \\ \n \t \r). */
export function halabString(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r') + '"';
}
