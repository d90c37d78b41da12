import type { BuildOptions, Plugin } from 'esbuild';
export declare const textImports: Plugin;
export declare function webviewOptions(o: { outdir: string; sourcemap: false | 'linked'; absWorkingDir?: string }): BuildOptions;
