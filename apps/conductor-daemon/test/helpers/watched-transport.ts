import type { TestContext } from "node:test";
import { createUndiciTransport, type TransportRequest } from "../../src/codexd/codexd-transport.js";

/**
 * The real undici transport to codexd, watched: every call it is given is kept in `sent`, so a
 * test can see which bound (`timeoutMs`) each call went out with. Closed when the test ends.
 */
export function watchedTransport(t: TestContext, connectTimeoutMs: number) {
  const real = createUndiciTransport({ connectTimeoutMs });
  t.after(() => real.close());
  const sent: TransportRequest[] = [];
  const transport = (request: TransportRequest) => {
    sent.push(request);
    return real(request);
  };
  return { sent, transport };
}
