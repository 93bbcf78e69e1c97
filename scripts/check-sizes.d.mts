// Types of scripts/check-sizes.mjs, for the tests that import it.

export declare const MAX_FILE_LINES: number;
export declare const MAX_FUNCTION_LINES: number;

export interface LongFunction {
  name: string;
  /** 1-based. */
  line: number;
  lines: number;
}

export interface SizeReport {
  files: { path: string; lines: number }[];
  functions: ({ path: string } & LongFunction)[];
}

/** Every source file the size rules apply to, relative to the repository root, sorted. */
export declare function sourceFiles(): string[];

/** The over-long functions of one file's text. */
export declare function longFunctions(path: string, text: string, max?: number): LongFunction[];

/** Everything over the limits; with `formatted`, as Biome would format the files. */
export declare function checkSizes(paths?: string[], options?: { formatted?: boolean }): SizeReport;
