/**
 * Lists the functions longer than a limit (80 lines by default) in the shipped sources: server/src,
 * client/src, shared/ and webview/src. A function that long usually does several things in a row;
 * naming those phases is what makes it readable, so test/unit/long-functions.test.ts fails on any
 * function over the limit that its allow-list does not name.
 *
 * `npx tsx scripts/long-functions.ts [limit]` prints one line per function, longest first:
 * `lines  file:line  name`. A function's lines run from its first token to its closing brace,
 * nested functions included (they are listed on their own as well). The name is the chain of
 * enclosing named functions, so an anonymous callback reads as `startServer > connection.onHover`.
 */
import { relative, resolve, sep } from 'node:path';
import { API } from 'typescript/unstable/sync';
import {
  isArrowFunction, isCallExpression, isConstructorDeclaration, isExportAssignment, isFunctionDeclaration, isFunctionExpression,
  isGetAccessorDeclaration, isMethodDeclaration, isNewExpression, isPropertyAssignment, isPropertyDeclaration,
  isSetAccessorDeclaration, isVariableDeclaration, type Node, type SourceFile,
} from 'typescript/unstable/ast';

/** Each folder is its own TypeScript project (see tsconfig.json); its tsconfig lists its files. */
export const ROOTS = ['server/src', 'client/src', 'shared', 'webview/src'];
export const LIMIT = 80;

export interface LongFunction {
  /** Path from the repository root, with `/`. */
  file: string;
  /** 1-based line of the function's first token. */
  line: number;
  lines: number;
  /** Enclosing names and this one, joined by ` > `. */
  name: string;
}

/** The function-like nodes that have a body of their own (overload signatures and declarations have none). */
type FunctionNode = Node & { name?: Node; body?: Node };

function isFunction(n: Node): n is FunctionNode {
  return isFunctionDeclaration(n) || isMethodDeclaration(n) || isArrowFunction(n) || isFunctionExpression(n)
    || isConstructorDeclaration(n) || isGetAccessorDeclaration(n) || isSetAccessorDeclaration(n);
}

/** What a reader would call the function: its own name, the name it is bound to, or the call it is passed to. */
function nameOf(n: FunctionNode, sf: SourceFile): string {
  if (isConstructorDeclaration(n)) return 'constructor';
  if (n.name) return n.name.getText(sf);
  const p = n.parent;
  if (isVariableDeclaration(p) || isPropertyAssignment(p) || isPropertyDeclaration(p)) return p.name.getText(sf);
  if (isCallExpression(p) || isNewExpression(p)) return p.expression.getText(sf).replace(/\s+/g, '');
  if (isExportAssignment(p)) return 'default';
  return '(anonymous)';
}

/** The functions of one parsed file longer than `limit` lines, in source order. */
export function longFunctionsIn(file: string, sf: SourceFile, limit = LIMIT): LongFunction[] {
  const out: LongFunction[] = [];
  const visit = (n: Node, chain: string[]): void => {
    let inner = chain;
    if (isFunction(n) && n.body) {
      inner = [...chain, nameOf(n, sf)];
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const lines = last - first + 1;
      if (lines > limit) out.push({ file, line: first + 1, lines, name: inner.join(' > ') });
    }
    n.forEachChild((c) => visit(c, inner));
  };
  visit(sf, []);
  return out;
}

/**
 * Every function over `limit` lines under ROOTS, longest first. The four projects are loaded by the
 * compiler (tsgo, through its API), so a file is parsed exactly as `npm run typecheck` parses it.
 * Generated files (`*.gen.ts`) and declaration files are skipped: nobody edits them by hand.
 */
export function longFunctions(root: string, limit = LIMIT): LongFunction[] {
  const api = new API({ cwd: root });
  try {
    const snapshot = api.updateSnapshot({ openProjects: ROOTS.map((r) => resolve(root, r.split('/')[0]!, 'tsconfig.json')) });
    const seen = new Set<string>();
    const out: LongFunction[] = [];
    for (const project of snapshot.getProjects()) {
      for (const name of project.program.getSourceFileNames()) {
        const file = relative(root, name).split(sep).join('/');
        if (seen.has(file) || !ROOTS.some((r) => file.startsWith(`${r}/`)) || file.includes('/node_modules/')) continue;
        if (!/\.tsx?$/.test(file) || /\.(d|gen)\.ts$/.test(file)) continue;
        seen.add(file);
        const sf = project.program.getSourceFile(name);
        if (sf) out.push(...longFunctionsIn(file, sf, limit));
      }
    }
    return out.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
  } finally {
    api.close();
  }
}

if (process.argv[1]?.endsWith('long-functions.ts')) {
  const limit = Number(process.argv[2] ?? LIMIT);
  for (const f of longFunctions(process.cwd(), limit)) console.log(`${String(f.lines).padStart(5)}  ${f.file}:${f.line}  ${f.name}`);
}
