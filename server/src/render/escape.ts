/**
 * Escaping per target format. Templates run with autoescape off (these are config files, not
 * HTML), so every value that comes from the .halab file or the environment goes through one of
 * these filters. The rule: a value can never end a line, a word or a directive early. Where a
 * format has no escape for a character (nginx has none for `$`), the filter refuses with a
 * RenderError rather than produce a config that means something else.
 */

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

function describe(what: string, value: string): string {
  return `${what} ${JSON.stringify(value)}`;
}

/**
 * HAProxy word. HAProxy's config tokenizer splits on blanks and treats `#`, `\`, quotes and
 * `$` (env expansion inside double quotes) specially; `\xNN` is understood everywhere, so
 * anything outside a conservative safe set is written as hex bytes. The result is always one
 * word, whatever the input (a newline becomes `\x0a`, it cannot end the line).
 */
export function haproxyWord(value: string): string {
  if (value === '') return '""';
  let out = '';
  for (const ch of value) {
    if (/^[A-Za-z0-9._:/@+=,%<>!?*~^&()[\]-]$/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return out;
}

/**
 * Keepalived quoted string (keepalived.conf(5) "Quoted strings"): `"…"` with backslash escapes;
 * `#` and `!` start comments only outside quotes. keepalived 2.2.7 rejects `\"` inside quotes
 * ("Unmatched quote": its quote pre-check ignores escapes), so quotes and control characters are
 * written as 3-digit octal escapes (`\042`, `\011`), which it does decode; octal, because its
 * `\xXX` swallows every hex digit that follows. Note that a `script` value is then split again
 * into a command line by keepalived (spaces, single quotes, backslashes): that is the user's
 * command, it only has to stay on its line.
 */
export function keepalivedString(value: string): string {
  if (/^[A-Za-z0-9._:/@+=,%-]+$/.test(value)) return value;
  // A word that is just `}`, quoted or not, closes keepalived's current block (measured on
  // 2.2.7: `auth_pass "}"` ends `authentication { }`); found by the render property test.
  if (value === '}' || value === '{') return '"\\' + value.charCodeAt(0).toString(8) + '"';
  // keepalived reads bytes: only ASCII control characters can break a line.
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/["'\u0000-\u001f\u007f]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
  return '"' + body + '"';
}

/** keepalived reads at most 8 bytes of `auth_pass`: the VRRPv2 PASS field (RFC 2338). */
export const AUTH_PASS_BYTES = 8;

/**
 * How long an auth_pass is as keepalived counts it: the bytes of its keepalived.conf spelling
 * without the quotes. keepalived measures the value as written, before decoding escapes, and
 * warns (failing `keepalived -t`) above 8 bytes: a `"` counts 4 (`\042`), an `é` 2, an emoji 4.
 */
export function authPassLength(value: string): number {
  return Buffer.byteLength(keepalivedString(value).replace(/^"(.*)"$/s, '$1'), 'utf8');
}

/**
 * The auth_pass halab writes: the longest prefix whose `authPassLength` fits in 8 bytes, cut on
 * a character boundary. Every lb gets the same cut, so the peers still agree.
 */
export function truncateAuthPass(pass: string): string {
  let out = '';
  for (const ch of pass) {
    if (authPassLength(out + ch) > AUTH_PASS_BYTES) break;
    out += ch;
  }
  return out;
}

/**
 * nginx quoted string. nginx understands `\"` and `\\` inside quotes but has no escape for `$`
 * (variable interpolation in `root`), so a `$` is refused.
 */
export function nginxString(value: string, what = 'value'): string {
  if (CONTROL.test(value)) throw new RenderError(`${describe(what, value)} contains a control character, which nginx.conf cannot hold`);
  if (value.includes('$')) throw new RenderError(`${describe(what, value)} contains "$", which nginx would expand as a variable`);
  if (/^[A-Za-z0-9._:/@+=,%-]+$/.test(value)) return value;
  return '"' + value.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

/** Single-quoted POSIX shell word (firewalld script). */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9._:/@+=,%-]+$/.test(value)) return value;
  return "'" + value.replace(/'/g, `'\\''`) + "'";
}

/** HTML text (test pages). */
export function htmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Text inside a `#` comment (file headers naming the source path): control characters would end
 * the comment, so they are shown as `\uXXXX`.
 */
export function commentText(value: string): string {
  return value.replace(new RegExp(CONTROL.source, 'g'), (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * An absolute path that will be written on a host (pages, certificates). `..` segments are
 * refused so that `halab render -o DIR` and deploy can never write outside the intended place.
 */
export function absolutePath(value: string, what: string): string {
  if (CONTROL.test(value)) throw new RenderError(`${describe(what, value)} contains a control character`);
  if (!value.startsWith('/')) throw new RenderError(`${describe(what, value)} must be an absolute path`);
  if (value.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw new RenderError(`${describe(what, value)} must not contain "." or ".." segments`);
  }
  return value.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/**
 * An HTTP realm goes verbatim into `WWW-Authenticate: Basic realm="…"`: make it a valid HTTP
 * quoted-string (RFC 9110 §5.6.4: `\"` and `\\`), then an HAProxy word.
 */
export function httpRealm(value: string): string {
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw new RenderError(`${describe('stats realm', value)} must not contain control characters (it is sent in an HTTP header)`);
  }
  return value.replace(/["\\]/g, (c) => '\\' + c);
}

/**
 * Every spelling `value` can take in a rendered file: as is, through each filter above, and
 * without the quotes a filter added. A secret is in a file only in such a form
 * (`correct\x20horse` in haproxy.cfg, `"pa\042ss"` in keepalived.conf), so deploy/secrets.ts
 * masks each of them. A filter that refuses the value contributes nothing: that format never
 * holds it.
 */
export function escapedForms(value: string): string[] {
  const filters: Array<(v: string) => string> = [haproxyWord, keepalivedString, nginxString, shellWord, htmlText, commentText];
  const forms = new Set([value]);
  for (const filter of filters) {
    let form: string;
    try {
      form = filter(value);
    } catch {
      continue;
    }
    forms.add(form);
    const unquoted = /^(["'])([\s\S]*)\1$/.exec(form);
    if (unquoted) forms.add(unquoted[2]!);
  }
  forms.delete('');
  forms.delete('""');
  return [...forms];
}
