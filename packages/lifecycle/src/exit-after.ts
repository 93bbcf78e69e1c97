/**
 * The last line of a service's main.ts: exits with the command's code once stdout has drained
 * (a pipe may still hold the config or the logs). A command that throws is printed on stderr as
 * `<name>: <stack>` and exits 1.
 */
export async function exitAfter(name: string, command: Promise<number>): Promise<void> {
  const code = await command.catch((error: unknown) => {
    process.stderr.write(
      `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
    );
    return 1;
  });
  process.stdout.write("", () => process.exit(code));
}
