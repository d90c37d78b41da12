/**
 * How much each target format reads as one line, measured on the versions halab targets
 * (Debian 12 here: haproxy 2.6.12, keepalived 2.2.7, nginx 1.22, nft 1.0.6, procps-ng 4.0.2).
 * A line past its bound does not fail loudly everywhere: keepalived parses whatever follows byte
 * 1022 as a NEW line, so an over-long line is a directive injection. The checks (`line-too-long`,
 * the path and text bounds of schema/value-types.ts) refuse what would exceed a bound;
 * `assertLinesBounded` is the renderer's last guard, so nothing the checks missed is ever written.
 * test/unit/render/bounds.test.ts runs the real binaries at and past each bound.
 */
import { RenderError } from './escape.js';
import type { RenderedFile } from './types.js';

/**
 * keepalived 2.2.7 reads its config with a 1024-byte buffer (fgets): a line of 1023 bytes or more
 * is cut, and the rest parsed as a line of its own. 1022 bytes plus the newline fit.
 */
export const KEEPALIVED_MAX_LINE_BYTES = 1022;

/**
 * HAProxy 2.6 grows its line buffer as needed (a 3 MB line loads), but parses at most 64 words
 * per line (MAX_LINE_ARGS): "too many words, truncating after word 64".
 */
export const HAPROXY_MAX_WORDS = 64;

/**
 * nginx 1.22 reads its config through a 4096-byte buffer and refuses a token that does not fit
 * ("too long parameter"); it has no limit on a line's length as such. Bounding lines to 4095
 * bytes bounds every token on them.
 */
export const NGINX_MAX_LINE_BYTES = 4095;

/** `bind ADDR:443 ssl` and then `crt PATH` per certificate, on one line (haproxy.cfg.njk). */
export const HTTPS_BIND_MAX_CERTS = Math.floor((HAPROXY_MAX_WORDS - 3) / 2);

/**
 * The keepalived.conf line a track-command becomes: `    script <kq(command)>` in
 * keepalived.conf.njk. The `line-too-long` check measures this; the render-bounds test compares it
 * with the rendered line, so a template change cannot make the two drift apart.
 */
export const KEEPALIVED_SCRIPT_PREFIX = '    script ';

/**
 * HAProxy's words on a line, as its tokenizer counts them: blanks separate, `#` outside quotes
 * starts a comment, `\` escapes the next character, quotes group.
 */
export function haproxyWords(line: string): number {
  let words = 0;
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === ' ' || c === '\t') {
      inWord = false;
      continue;
    }
    if (c === '#') break;
    if (!inWord) words++;
    inWord = true;
    if (c === '\\') i++;
    else if (c === '"' || c === "'") quote = c;
  }
  return words;
}

type Format = 'haproxy' | 'keepalived' | 'nginx' | 'unbounded';

function formatOf(path: string): Format {
  if (path.endsWith('/haproxy.cfg')) return 'haproxy';
  if (path.endsWith('/keepalived.conf')) return 'keepalived';
  if (path.startsWith('/etc/nginx/')) return 'nginx';
  // sysctl (procps-ng reads lines with getline), nft (a 48 KB line loads), sh and HTML: no limit.
  return 'unbounded';
}

/** What is wrong with one line of a file in `format`, or undefined. */
function lineProblem(format: Format, line: string): string | undefined {
  switch (format) {
    case 'keepalived': {
      const n = Buffer.byteLength(line, 'utf8');
      if (n <= KEEPALIVED_MAX_LINE_BYTES) return undefined;
      return `a ${n}-byte line; keepalived reads at most ${KEEPALIVED_MAX_LINE_BYTES} bytes as one line`;
    }
    case 'nginx': {
      const n = Buffer.byteLength(line, 'utf8');
      return n > NGINX_MAX_LINE_BYTES ? `a ${n}-byte line; nginx reads at most ${NGINX_MAX_LINE_BYTES} bytes as one token` : undefined;
    }
    case 'haproxy': {
      const n = haproxyWords(line);
      return n > HAPROXY_MAX_WORDS ? `a line of ${n} words; HAProxy reads at most ${HAPROXY_MAX_WORDS} words per line` : undefined;
    }
    case 'unbounded':
      return undefined;
  }
}

/** The renderer's last guard: refuses a file with any line its target would not read whole. */
export function assertLinesBounded(file: RenderedFile): void {
  const format = formatOf(file.path);
  if (format === 'unbounded') return;
  let lineNo = 0;
  for (const line of file.content.split('\n')) {
    lineNo++;
    const problem = lineProblem(format, line);
    if (problem) {
      throw new RenderError(
        `${file.host}:${file.path} line ${lineNo} would be ${problem} (the rest would be read as another directive); run \`halab check\``);
    }
  }
}
