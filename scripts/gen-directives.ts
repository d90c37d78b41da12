/**
 * Writes server/src/schema/directives.gen.ts: the directive names of the HAProxy and keepalived
 * versions halab validates against (Debian 12: HAProxy 2.6, keepalived 2.2.7), per section, for
 * the pass-through statements' completion and hover. Read from the daemons' own documentation:
 * - HAProxy: configuration.txt (package haproxy-doc): §3's list of `global` keywords, §4.1's
 *   keywords matrix (which of defaults / frontend / listen / backend takes each keyword), and §5.2's
 *   server and default-server options;
 * - keepalived: keepalived.conf(5): the keywords of the `global_defs { … }` and
 *   `vrrp_instance <STRING> { … }` synopses, first level only.
 * `npm run gen:directives` (the documentation must be installed: apt-get install haproxy-doc
 * keepalived); test/unit/schema/directives.test.ts checks the file is current when it is.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const SOURCES = {
  haproxy: '/usr/share/doc/haproxy/configuration.txt.gz',
  keepalived: '/usr/share/man/man5/keepalived.conf.5.gz',
};
const OUT = join(__dirname, '..', 'server', 'src', 'schema', 'directives.gen.ts');

const read = (gz: string): string => gunzipSync(readFileSync(gz)).toString('utf8');

/** §3: "   - keyword" bullets between the introduction of the global keywords and §3.1. */
function haproxyGlobal(doc: string): string[] {
  const start = doc.indexOf('The following keywords are supported in the "global" section');
  const end = doc.indexOf('\n3.1. Process management and security', start);
  const names = [...doc.slice(start, end).matchAll(/^\s+- ([a-z0-9][a-z0-9._-]*)\s*$/gm)].map((m) => m[1]!);
  return [...new Set(names)].sort();
}

/** §4.1: `keyword [(*)] [(deprecated)]   X|-  X|-  X|-  X|-` rows, one column per section. */
function haproxyProxies(doc: string): Record<'defaults' | 'frontend' | 'listen' | 'backend', string[]> {
  const start = doc.indexOf('\n4.1. Proxy keywords matrix');
  const end = doc.indexOf('\n4.2. Alphabetically sorted keywords reference', start);
  const out = { defaults: new Set<string>(), frontend: new Set<string>(), listen: new Set<string>(), backend: new Set<string>() };
  const cols = ['defaults', 'frontend', 'listen', 'backend'] as const;
  for (const line of doc.slice(start, end).split('\n')) {
    const m = /^([a-z][a-z0-9._ -]*?)(?:\s+\((?:\*|deprecated)\))*\s{2,}([X-](?: \(!\))?)\s+([X-])\s+([X-])\s+([X-])\s*$/.exec(line);
    if (!m) continue;
    const kw = m[1]!.trim();
    cols.forEach((c, i) => {
      if (m[i + 2]!.startsWith('X')) out[c].add(kw);
    });
  }
  return {
    defaults: [...out.defaults].sort(),
    frontend: [...out.frontend].sort(),
    listen: [...out.listen].sort(),
    backend: [...out.backend].sort(),
  };
}

/** §5.2: the server and default-server options, each a line at column 0 (`port <port>`, `ssl`). */
function haproxyServer(doc: string): string[] {
  const start = doc.indexOf('\n5.2. Server and default-server options');
  const end = doc.indexOf('\n5.3. Server IP address resolution using DNS', start);
  const names = [...doc.slice(start, end).matchAll(/^([a-z][a-z0-9._-]*)(?=[ \t]|$)/gm)].map((m) => m[1]!);
  return [...new Set(names)].sort();
}

/** The first-level keywords of a `NAME … {` synopsis in the roff source of keepalived.conf(5). */
function keepalivedBlock(roff: string, opener: RegExp): string[] {
  const lines = roff.split('\n');
  const at = lines.findIndex((l) => opener.test(l));
  if (at < 0) throw new Error(`keepalived.conf(5): no ${opener}`);
  const names = new Set<string>();
  let depth = 1;
  for (const raw of lines.slice(at + 1)) {
    const line = raw.replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/#.*$/, '').trim();
    // a keyword of the synopsis is set in bold: `\fBnotify_master\fR <STRING>|<QUOTED-STRING>`
    const m = /^\s*\\fB([a-z][a-z0-9_]*)\b/.exec(raw);
    if (depth === 1 && m) names.add(m[1]!);
    for (const ch of line) {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
    }
    if (depth <= 0) break;
  }
  return [...names].sort();
}

function version(cmd: string, args: string[], re: RegExp): string {
  // keepalived -v prints to stderr
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return re.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

export function generate(): string {
  const ha = read(SOURCES.haproxy);
  const ka = read(SOURCES.keepalived);
  const haproxy = { global: haproxyGlobal(ha), ...haproxyProxies(ha), server: haproxyServer(ha) };
  const keepalived = {
    global_defs: keepalivedBlock(ka, /^\\fBglobal_defs \\fR\{/),
    vrrp_instance: keepalivedBlock(ka, /^\\fBvrrp_instance \\fR<STRING> \{/),
  };
  for (const [k, v] of [...Object.entries(haproxy), ...Object.entries(keepalived)]) {
    if (v.length < 20) throw new Error(`only ${v.length} ${k} directives found: has the documentation's layout changed?`);
  }
  const haVersion = /^\s+version ([0-9.]+)/m.exec(ha)?.[1] ?? version('haproxy', ['-v'], /version ([0-9.]+)/);
  const kaVersion = version('keepalived', ['-v'], /Keepalived v([0-9.]+)/);
  const list = (xs: string[]) => `[\n${xs.map((x) => `    ${JSON.stringify(x)},`).join('\n')}\n  ]`;
  const record = (r: Record<string, string[]>) =>
    `{\n${Object.entries(r).map(([k, v]) => `  ${k}: ${list(v)},`).join('\n')}\n}`;
  return (
    '// Generated by scripts/gen-directives.ts from the daemons\' documentation: do not edit, run `npm run gen:directives`.\n' +
    `export const HAPROXY_DOC_VERSION = ${JSON.stringify(haVersion)};\n` +
    `export const KEEPALIVED_DOC_VERSION = ${JSON.stringify(kaVersion)};\n\n` +
    '/** HAProxy directives per section (multi-word ones as the manual names them: `http-check expect`). */\n' +
    `export const HAPROXY_DIRECTIVES = ${record(haproxy)} as const;\n\n` +
    '/** keepalived directives per block (first level). */\n' +
    `export const KEEPALIVED_DIRECTIVES = ${record(keepalived)} as const;\n`
  );
}

if (require.main === module) {
  const text = generate();
  if (process.argv.includes('--check')) {
    if (readFileSync(OUT, 'utf8') !== text) {
      console.error('server/src/schema/directives.gen.ts is stale: run `npm run gen:directives`');
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
