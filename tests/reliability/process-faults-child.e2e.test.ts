import test from "node:test";
import { runProcessFaults } from "./support/process-faults.js";

test("kill -9 of the codex app-server child at seeded points of turns and task runs: after each restart no torn state, no lost or duplicated seq, no task lost or run twice at once, nothing left running, every session usable or failed with a reason", async () => {
  await runProcessFaults("process-faults-child", ["child"]);
});
