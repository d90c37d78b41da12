/**
 * Writes rendered files to a local folder, DIR/<host>/<absolute path on that host> (§5), for
 * `halab render -o` and the editor's Render command alike.
 *
 * The folder may be shared or pre-populated, and the files hold secrets, so:
 * - nothing lands outside DIR: paths are checked after resolving, and no existing component
 *   below DIR may be a symlink (a planted link would redirect the write);
 * - every file is new: written to a fresh temp file (O_EXCL, O_NOFOLLOW) and renamed over the
 *   old one, so an existing file owned by someone else does not keep its owner or mode;
 * - files that hold a secret are 0600, others keep the read bits they have on the host;
 * - all or nothing: every temp file is written before the first rename, and a failure removes
 *   them, so a failed render leaves the folder as it was.
 */
import {
  closeSync, constants, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { RenderError } from './render.js';
import type { RenderedFile } from './types.js';

/** The local mode of a rendered file: private when it holds a secret. */
export function localMode(f: Pick<RenderedFile, 'secret' | 'mode'>): number {
  return f.secret ? 0o600 : f.mode & 0o755;
}

/** DIR/<host>/<path>, refusing anything that would land outside DIR. */
export function outputPath(dir: string, f: Pick<RenderedFile, 'host' | 'path'>): string {
  const root = resolve(dir);
  const p = resolve(join(root, f.host, f.path));
  if (!p.startsWith(root + sep)) throw new RenderError(`${f.host}:${f.path} would be written outside ${dir}`);
  return p;
}

/** Refuses a symlink anywhere between `root` (exclusive) and `p` (inclusive), among what exists. */
function refuseLinks(root: string, p: string): void {
  let at = root;
  for (const part of relative(root, p).split(sep)) {
    at = join(at, part);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      return; // the rest does not exist yet: nothing to follow
    }
    if (st.isSymbolicLink()) throw new RenderError(`refusing to write through the symbolic link ${at}; remove it or choose another folder`);
  }
}

/** Only a regular file may be replaced: found before anything is written. */
function refuseNonFile(final: string): void {
  try {
    if (!lstatSync(final).isFile()) throw new RenderError(`${final} exists and is not a regular file; remove it or choose another folder`);
  } catch (e) {
    if (e instanceof RenderError) throw e; // ENOENT: a new file
  }
}

interface Staged {
  tmp: string;
  final: string;
}

/** Where each file goes, after every check that needs no write: a refusal changes nothing. */
function checkedPaths(root: string, files: readonly RenderedFile[]): string[] {
  return files.map((f) => {
    const final = outputPath(root, f);
    refuseLinks(root, final);
    refuseNonFile(final);
    return final;
  });
}

function stage(root: string, f: RenderedFile, final: string, created: string[]): Staged {
  const made = mkdirSync(dirname(final), { recursive: true });
  if (made) created.push(made);
  refuseLinks(root, final); // mkdir -p must not have walked through a link created meanwhile
  const tmp = join(dirname(final), `.${randomBytes(8).toString('hex')}.halab-tmp`);
  const mode = localMode(f);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    fchmodSync(fd, mode); // open()'s mode passes through the umask
    writeSync(fd, f.content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { tmp, final };
}

/** Writes every file or none; returns the paths written, in order. */
export function writeRenderedTree(dir: string, files: readonly RenderedFile[]): string[] {
  const created: string[] = [];
  const made = mkdirSync(dir, { recursive: true });
  if (made) created.push(made);
  const root = realpathSync(dir);
  const staged: Staged[] = [];
  try {
    const finals = checkedPaths(root, files);
    files.forEach((f, i) => staged.push(stage(root, f, finals[i]!, created)));
    for (const s of staged) {
      refuseLinks(root, s.final);
      renameSync(s.tmp, s.final);
    }
  } catch (e) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    // folders this call made hold nothing but its own temp files, removed above
    for (const d of created.reverse()) rmSync(d, { recursive: true, force: true });
    throw e;
  }
  return staged.map((s) => s.final);
}
