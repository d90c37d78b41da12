/**
 * The inverse of the lexer's string rule (§1: `"…"` with the escapes \" \\ \n \t): what writes a
 * value into a .halab file (the import) uses this, so the lexer reads back the same value.
 */
export function quoteString(value: string): string {
  return '"' + value.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"';
}

/** A bare word when the lexer would read it back whole, else a quoted string. */
export function wordOrString(value: string): string {
  return /^[A-Za-z0-9._:/@+=,%*-]+$/.test(value) && !value.includes('#') ? value : quoteString(value);
}
