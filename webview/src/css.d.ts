/** esbuild bundles CSS imports into dist/webview.css; for tsc they are side effects only. */
declare module '*.css';
