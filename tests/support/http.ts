/** JSON over fetch; `body` is the parsed answer (or null when it was not JSON). */
export async function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    (init.headers as Record<string, string>)["content-type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

export const getJson = (url: string) => request("GET", url);
export const postJson = (url: string, body: unknown) => request("POST", url, body);

/**
 * Polls `read` until it returns a value (not undefined/null) or the deadline passes. The pause
 * between reads starts at 10 ms and grows to 100 ms, so a long wait does not load the services it
 * waits on; the deadline is generous because it only matters when something is wrong, and a
 * loaded 2-core machine can be many times slower than an idle one.
 */
export async function eventually<T>(read: () => Promise<T | null | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let pauseMs = 10;
  while (Date.now() < deadline) {
    try {
      const value = await read();
      if (value !== null && value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(100, Math.round(pauseMs * 1.5));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
}
