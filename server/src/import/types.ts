/**
 * The import's input, its draft of the .halab file, and its report: where every directive of the
 * input went. One table of dispositions (WENT), so the CLI, the editor and docs/import.md say
 * the same words.
 */

/** What the import reads: files by host, as `halab render -o` lays them out (path → text). */
export interface ImportHost {
  name: string;
  /** The host's address when known (a DIR/hosts line, a folder named by address, `--from`). */
  address?: string;
  files: Map<string, string>;
}

export interface ImportInput {
  hosts: ImportHost[];
  /** The .halab file to write (its base name goes into the rendered headers). */
  output?: string;
}

export const WENT = {
  statement: 'said by a statement of the .halab file',
  default: 'what halab renders by default (same line)',
  replaced: 'halab writes this directive itself, with its own value (a difference, listed)',
  'pass-through': 'kept as a pass-through statement',
  generated: "halab's own generated line (comment, header or helper section)",
  inert: 'meant nothing where the input had it (HAProxy ignores it there, e.g. a client timeout only backends take): not kept',
  error: 'cannot be kept: the import stops',
} as const;
export type Went = keyof typeof WENT;

export interface ReportEntry {
  host: string;
  file: string;
  line: number;
  text: string;
  went: Went;
  /** Which statement, default or pass-through it became, or why it cannot be kept. */
  detail: string;
}

export interface ImportResult {
  /** The .halab text (empty when errors stop the import). */
  text: string;
  report: ReportEntry[];
  /** What the import guessed, to check. */
  guesses: string[];
  /** What rendering the file changes, in words (halab's defaults against the input). */
  differences: string[];
  /** Literal secrets of the input that became `env:` references: set these before render/deploy. */
  secrets: { env: string; what: string; value: string }[];
  errors: ReportEntry[];
}

/** A block of the draft .halab file: its head (`site web01`), statements, and pass-through lines. */
export interface DraftBlock {
  kind: 'vip' | 'lb' | 'upstream' | 'site' | 'service' | 'stats' | 'defaults' | 'haproxy-section' | 'keepalived-section';
  name: string;
  lines: string[];
  /** Pass-through lines by keyword (`haproxy`, `frontend`, `backend`, `keepalived`). */
  pass: { keyword: string; line: string }[];
  /** A vip's head (its CIDR: the block is found by its address). */
  head?: string;
}

export interface Draft {
  name: string;
  top: string[];
  topPass: { keyword: string; line: string }[];
  blocks: DraftBlock[];
}
