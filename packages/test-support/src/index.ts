// Helpers every test suite of the workspace shares (see docs/testing.md, "Test support").
export { eventually, type EventuallyOptions, type Reading } from "./eventually.js";
export { closedPort, listenOnZero } from "./ports.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
export { makeTempDir, tempDir, type AfterHook, type TempDir } from "./temp-dir.js";
