/** esbuild bundles CSS imports into dist/webview.css; for tsc they are side effects only. */
declare module '*.css';

/** `?text` imports are bundled as the file's text (scripts/build.mjs): ELK's worker script. */
declare module '*?text' {
  const text: string;
  export default text;
}
