// Deliberately not a module. tsconfig.base.json maps `vscode` here for every project but the
// extension's (client/tsconfig.json), so importing `vscode` anywhere else fails to compile with
// "File '…/only-client-src-imports-vscode.d.ts' is not a module" (TS2306). The engine also runs
// as the CLI and the language server, and the webview in a browser: neither has `vscode`.
