/**
 * Writes an export into its directory, so that exporting again into the same directory (kept in
 * a repository, say) replaces what the export wrote and nothing else:
 * - the files go through render/write-tree.ts (all or nothing, never through a symbolic link);
 * - `.halab-export` lists what was written; the next export removes what it listed and no longer
 *   writes, and keeps every other file (a vault file the team added);
 * - a directory that is neither empty nor an export is refused: an export never overwrites
 *   somebody's playbook.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { writeRenderedTree } from '../render/write-tree.js';
import type { RenderedFile } from '../render/types.js';
import { ExportError } from './ansible-secrets.js';
import type { ExportedFile } from './ansible.js';

export const MANIFEST = '.halab-export';
const MANIFEST_HEAD = '# Files written by halab export; the next export into this directory replaces or removes them.\n';

/** The files a previous export wrote, or undefined when `dir` holds no export. */
function previousExport(dir: string): string[] | undefined {
  const m = join(dir, MANIFEST);
  if (!existsSync(m)) return undefined;
  if (!lstatSync(m).isFile()) throw new ExportError(`${m} is not a regular file`);
  return readFileSync(m, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
}

function refuseForeign(dir: string, previous: string[] | undefined): void {
  if (previous || !existsSync(dir)) return;
  if (!lstatSync(dir).isDirectory()) throw new ExportError(`${dir} exists and is not a directory`);
  if (readdirSync(dir).length) {
    throw new ExportError(`${dir} is not empty and holds no halab export (no ${MANIFEST}); choose an empty or new directory`);
  }
}

/** write-tree's file shape: the export's files are plain, not secret, readable (0644). */
function asTreeFile(f: ExportedFile): RenderedFile {
  return { host: '', path: `/${f.path}`, content: f.content, mode: 0o644, owner: '', group: '', reload: [], secret: false };
}

/** Removes what the previous export wrote and this one does not, and the folders that leaves empty. */
function removeStale(dir: string, previous: string[], written: Set<string>): void {
  const root = resolve(dir);
  for (const rel of previous) {
    if (written.has(rel)) continue;
    const p = resolve(root, rel);
    if (!p.startsWith(root + sep)) continue; // a manifest edited by hand cannot reach outside
    try {
      if (lstatSync(p).isFile()) unlinkSync(p);
    } catch {
      continue; // already gone
    }
    for (let d = dirname(p); d.startsWith(root + sep); d = dirname(d)) {
      if (readdirSync(d).length) break;
      rmdirSync(d);
    }
  }
}

/** Writes `files` into `dir`; returns the paths written. */
export function writeExport(dir: string, files: readonly ExportedFile[]): string[] {
  const previous = previousExport(dir);
  refuseForeign(dir, previous);
  const manifest: ExportedFile = { path: MANIFEST, content: MANIFEST_HEAD + files.map((f) => f.path).join('\n') + '\n' };
  const written = writeRenderedTree(dir, [...files, manifest].map(asTreeFile));
  if (previous) removeStale(dir, previous, new Set(files.map((f) => f.path)));
  return written.slice(0, files.length);
}
