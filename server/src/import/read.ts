/**
 * Reads an import directory: one folder per host, each holding the host's files at their paths
 * (DIR/lb1/etc/haproxy/haproxy.cfg), as `halab render -o` writes them. A `DIR/hosts` file in
 * /etc/hosts form gives addresses; so does a host folder named by its address.
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { PATHS } from '../render/names.js';
import type { ImportHost } from './types.js';

/** The nginx vhosts the import reads on an upstream: what nginx itself includes. */
export const VHOST_GLOBS = ['/etc/nginx/conf.d/*.conf', '/etc/nginx/sites-enabled/*'];
/** The files the import reads on a host (`*`: within one folder), from a DIR or over SSH; and each vhost root's index.html. */
export const IMPORT_GLOBS = [PATHS.haproxy, PATHS.keepalived, ...VHOST_GLOBS, '/etc/halab/*', PATHS.watcherInit];

function globsRegExp(globs: readonly string[]): RegExp {
  const one = (g: string) => g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^(${globs.map(one).join('|')})$`);
}

const VHOST = globsRegExp(VHOST_GLOBS);
const READ = globsRegExp(IMPORT_GLOBS);

export function isVhostPath(path: string): boolean {
  return VHOST.test(path);
}
const MAX_BYTES = 16 * 1024 * 1024;

export function readImportDir(dir: string): ImportHost[] {
  const addresses = readHostsFile(join(dir, 'hosts'));
  const hosts: ImportHost[] = [];
  for (const name of readdirSync(dir).sort()) {
    const root = join(dir, name);
    if (!lstatSync(root).isDirectory()) continue;
    const files = new Map<string, string>();
    walk(root, '', files);
    hosts.push({ name, address: addresses.get(name) ?? (isIP(name) ? name : undefined), files });
  }
  return hosts;
}

function walk(root: string, rel: string, files: Map<string, string>): void {
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const path = `${rel}/${entry.name}`;
    if (entry.isDirectory()) walk(root, path, files);
    else if (entry.isFile() && (READ.test(path) || path.endsWith('/index.html')) && lstatSync(join(root, path)).size <= MAX_BYTES) {
      files.set(path, readFileSync(join(root, path), 'utf8'));
    }
  }
}

function readHostsFile(path: string): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return out;
  }
  for (const raw of text.split('\n')) {
    const [addr, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (addr && isIP(addr)) for (const n of names) out.set(n, addr);
  }
  return out;
}
