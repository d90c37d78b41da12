/**
 * Half-open `[start, end)` span of UTF-16 code unit offsets into a .halab text (what JavaScript
 * strings and LSP positions use). Here rather than in the syntax tree because the model and the
 * webview protocol carry spans too, and the webview must not depend on the parser.
 */
export interface Span {
  start: number;
  end: number;
}
