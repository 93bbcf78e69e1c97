import { makeTempDir } from "@baa/test-support";
import { CodexdLocalService, type CodexdDeps } from "../../src/service.js";
import { resolveCodexdConfig, type CodexdConfigInput } from "../../src/config.js";
import { FakeAppServer, FakeChild } from "./fake-app-server.js";

/** codexd on a fake child and fake app-server, listening on a free loopback port. */
export async function startFakeCodexd(
  overrides: Partial<CodexdConfigInput> = {},
  reuse?: { root: string },
  deps: Partial<CodexdDeps> = {}
) {
  const ws =
    reuse === undefined
      ? makeTempDir("codexd-test-")
      : { root: reuse.root, path: (...p: string[]) => [reuse.root, ...p].join("/"), remove: () => {} };
  const child = new FakeChild();
  const appServer = new FakeAppServer();
  const spawned: { command: string; args: readonly string[]; cwd: string }[] = [];
  const config = resolveCodexdConfig({
    env: {},
    repoRoot: ws.root,
    logsDir: ws.path("logs"),
    stateDir: ws.path("state"),
    localApiBase: "http://127.0.0.1:0",
    ...overrides
  });
  const service = new CodexdLocalService(config, {
    env: { HOME: ws.root },
    spawner: {
      spawn(command, args, options) {
        spawned.push({ command, args, cwd: options.cwd });
        queueMicrotask(() => {
          child.emit("spawn");
          child.stdout.emit("data", 'plain stdout line\n{"jsonrpc":"2.0"}\n');
          child.stderr.emit("data", "some stderr\n");
        });
        return child;
      }
    },
    appServerClientFactory: {
      create: (context) => {
        appServer.onServerRequest = context.onServerRequest as never;
        return appServer;
      }
    },
    ...deps
  });
  const status = await service.start();
  const base = status.service.resolvedBaseUrl as string;
  return {
    ws,
    child,
    appServer,
    spawned,
    config,
    service,
    base,
    async stop() {
      await service.stop();
      ws.remove();
    }
  };
}

export async function postJson(url: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body)
  });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

export async function getJson(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as any };
}
