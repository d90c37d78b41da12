/**
 * A small YAML writer for the data files of an export (inventory, host and group vars): maps,
 * lists, strings, numbers and booleans, in block style, with a comment where one helps. Written
 * here rather than taken from a package because the shapes are few and fixed, and the one rule
 * that matters — a string never changes meaning when read back — is easiest to keep in one place:
 * a string is plain only when no YAML 1.1 reader (Ansible's PyYAML) could take it for anything else,
 * and double-quoted (JSON's escapes, which YAML shares) otherwise.
 */

export type YamlValue = string | number | boolean | YamlValue[] | YamlMap;
/** Insertion order is output order; a key whose value is undefined is left out. */
export interface YamlMap {
  [key: string]: YamlValue | undefined;
}

/** YAML 1.1 reads these plain words as booleans or null (PyYAML, case-insensitively). */
const RESERVED = /^(y|yes|n|no|true|false|on|off|null|~)$/i;
/** Letters, digits and a few marks that mean nothing at the start or inside a plain scalar. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;

/**
 * What JSON leaves raw but YAML must not see raw inside double quotes: characters outside its
 * printable set (DEL, C1, U+FFFE/U+FFFF), and those YAML 1.1 reads as line breaks (NEL, U+2028,
 * U+2029) or a byte order mark. (JSON already escapes C0 and lone surrogates.)
 */
const NON_PRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

export function yamlString(s: string): string {
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  return JSON.stringify(s).replace(NON_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Lines longer than this are folded (ansible-lint's yamllint allows 160). */
const WIDTH = 120;

/**
 * A double-quoted scalar too long for one line, cut into lines that end with a backslash (an
 * escaped line break, which adds nothing), after a space where there is one. A continuation line's
 * leading blanks would be dropped, so a space that starts one is written as the escape `x20`; an
 * escape sequence is never cut.
 */
function folded(first: string, quoted: string, indent: string): string[] {
  const units = quoted.slice(1, -1).match(/\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\.|[^\\]/gu) ?? [];
  const lines: string[] = [];
  let head = `${first}"`;
  let cur: string[] = [];
  const width = () => head.length + cur.join('').length;
  for (const u of units) {
    if (cur.length && width() + u.length > WIDTH) {
      const space = cur.lastIndexOf(' ');
      const cut = space > 0 && space > cur.length / 2 ? space + 1 : cur.length;
      lines.push(head + cur.slice(0, cut).join('') + '\\');
      cur = cur.slice(cut);
      if (cur[0] === ' ') cur[0] = '\\x20';
      head = indent;
    }
    cur.push(u);
    if (lines.length && cur.length === 1 && cur[0] === ' ') cur[0] = '\\x20';
  }
  return [...lines, head + cur.join('') + '"'];
}

function scalar(v: string | number | boolean): string {
  if (typeof v === 'string') return yamlString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  return v ? 'true' : 'false';
}

/** `head value`; a string too long for the line is quoted (when plain) and folded. */
function line(head: string, v: string | number | boolean, indent: string): string[] {
  const value = scalar(v);
  if (head.length + 1 + value.length <= WIDTH || typeof v !== 'string') return [`${head} ${value}`];
  return folded(`${head} `, value.startsWith('"') ? value : JSON.stringify(v), indent);
}

const isMap = (v: YamlValue): v is YamlMap => typeof v === 'object' && !Array.isArray(v);

function entries(m: YamlMap): Array<[string, YamlValue]> {
  return Object.entries(m).filter((e): e is [string, YamlValue] => e[1] !== undefined);
}

/** An empty map or list is written inline; anything else in block style, two spaces per level (lists too). */
function block(v: YamlValue, indent: string): string[] {
  if (isMap(v)) {
    return entries(v).flatMap(([k, x]) => {
      const key = `${indent}${yamlString(k)}:`;
      if (typeof x !== 'object') return line(key, x, indent + '  ');
      if (Array.isArray(x) ? x.length === 0 : entries(x).length === 0) return [`${key} ${Array.isArray(x) ? '[]' : '{}'}`];
      return [key, ...block(x, indent + '  ')];
    });
  }
  if (Array.isArray(v)) {
    return v.flatMap((x) => {
      if (typeof x !== 'object') return line(`${indent}-`, x, indent + '  ');
      const inner = block(x, indent + '  ');
      if (inner.length === 0) return [`${indent}- ${Array.isArray(x) ? '[]' : '{}'}`];
      // the first line of a nested map or list goes on the dash's line
      return [`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1)];
    });
  }
  return [`${indent}${scalar(v)}`];
}

/** A YAML document: `---`, comment lines (`# …`), then the value. */
export function yamlDocument(value: YamlMap, comment: string[] = []): string {
  const head = comment.map((c) => (c ? `# ${c}` : '#'));
  const body = entries(value).length ? block(value, '') : ['{}'];
  return ['---', ...head, ...body].join('\n') + '\n';
}
