// madge ships no types: just the part tests/architecture/import-graph.test.ts uses.
declare module "madge" {
  namespace madge {
    interface Config {
      baseDir?: string;
      fileExtensions?: string[];
      excludeRegExp?: RegExp[];
      /** Passed on to precinct, per language (`ts`, `es6`, ...). */
      detectiveOptions?: Record<string, Record<string, unknown>>;
    }

    interface Result {
      /** Each file, relative to baseDir, with the files it imports. */
      obj(): Record<string, string[]>;
      /** Every import cycle, as the files along it. */
      circular(): string[][];
    }
  }

  function madge(path: string | string[], config?: madge.Config): Promise<madge.Result>;

  export = madge;
}
