// The probes of a running node: each service's key routes, with what a healthy answer holds.
// Used by check-node.sh (all three services) and by status/reload of both service managers.

/**
 * @typedef {object} Probe
 * @property {string} service
 * @property {string} path
 * @property {boolean} [auth]  send the bearer token when one is known
 * @property {(body: any) => string | null} verify  null when healthy, else what is wrong
 */

/** @param {{nodeId: string, role?: "leader" | "standby"}} expected role: unset accepts either */
export function nodeProbes(expected) {
  const data = (body) => (body && typeof body === "object" ? body.data : undefined);
  const nodeIdIs = (body) =>
    data(body)?.nodeId === expected.nodeId
      ? null
      : `nodeId is ${JSON.stringify(data(body)?.nodeId)}, expected ${expected.nodeId}`;
  return [
    {
      service: "codexd",
      path: "/healthz",
      verify: (b) => (data(b)?.status === "ok" ? nodeIdIs(b) : "status is not ok")
    },
    {
      service: "codexd",
      path: "/v1/codexd/status",
      verify: (b) => {
        const d = data(b);
        if (d?.service?.mode !== "app-server")
          return `service.mode is ${JSON.stringify(d?.service?.mode)}, expected app-server`;
        const child = d?.snapshot?.daemon?.child;
        if (child?.status !== "running")
          return `the codex app-server child is ${JSON.stringify(child?.status)}${child?.lastError ? `: ${child.lastError}` : ""}`;
        if (d?.codex?.error) return `codex binary: ${d.codex.error}`;
        return null;
      }
    },
    {
      service: "conductor",
      path: "/healthz",
      verify: (b) => (data(b)?.status === "ok" ? nodeIdIs(b) : "status is not ok")
    },
    { service: "conductor", path: "/readyz", verify: (b) => (data(b)?.ready === true ? null : "not ready") },
    {
      service: "conductor",
      path: "/rolez",
      verify: (b) => {
        const role = data(b)?.role;
        if (expected.role !== undefined)
          return role === expected.role ? null : `role is ${JSON.stringify(role)}, expected ${expected.role}`;
        return ["leader", "standby"].includes(role) ? null : `role is ${JSON.stringify(role)}`;
      }
    },
    {
      service: "conductor",
      path: "/v1/codex",
      auth: true,
      verify: (b) =>
        data(b)?.backend === "independent_codexd" ? null : `backend is ${JSON.stringify(data(b)?.backend)}`
    },
    { service: "status-api", path: "/healthz", verify: (b) => (b?.ok === true ? null : "ok is not true") },
    {
      service: "status-api",
      path: "/v1/status",
      verify: (b) => (b?.ok === true && data(b) ? null : "no status document")
    }
  ];
}

/** A one-line summary of a healthy answer, for the report. */
export function describeAnswer(service, path, body) {
  const d = body?.data;
  if (path === "/healthz") return `${d?.service ?? service} ${d?.nodeId ?? ""}`.trim();
  if (path === "/v1/codexd/status")
    return `child ${d?.snapshot?.daemon?.child?.status}, restarts ${d?.snapshot?.daemon?.child?.restarts ?? 0}, codex ${d?.codex?.version ?? "?"}`;
  if (path === "/readyz") return "ready";
  if (path === "/rolez") return `${d?.role}${d?.leaseTerm === undefined ? "" : `, term ${d.leaseTerm}`}`;
  if (path === "/v1/codex")
    return `proxy -> ${d?.proxy?.target_base_url ?? "?"}, ${d?.sessions?.count ?? 0} sessions`;
  return "ok";
}

/**
 * Runs one probe with a bound; never throws.
 * @returns {Promise<{ok: boolean, status: number | null, detail: string, ms: number}>}
 */
export async function runProbe(probe, base, options) {
  const started = performance.now();
  const url = `${base}${probe.path}`;
  const headers = { accept: "application/json" };
  if (probe.auth && options.token) headers.authorization = `Bearer ${options.token}`;
  const elapsed = () => Math.round(performance.now() - started);
  let response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    const cause = error?.cause?.code ?? error?.name ?? "error";
    const detail =
      cause === "ECONNREFUSED"
        ? `connection refused at ${base}: is ${probe.service} running?`
        : cause === "TimeoutError"
          ? `no answer within ${options.timeoutMs} ms`
          : `${cause}: ${error?.cause?.message ?? error?.message}`;
    return { ok: false, status: null, detail, ms: elapsed() };
  }
  const text = await response.text().catch(() => "");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: response.status, detail: "the answer is not JSON", ms: elapsed() };
  }
  if (!response.ok) {
    const code = body?.error?.code ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
    return { ok: false, status: response.status, detail: code, ms: elapsed() };
  }
  const problem = probe.verify(body);
  return {
    ok: problem === null,
    status: response.status,
    detail: problem ?? describeAnswer(probe.service, probe.path, body),
    ms: elapsed()
  };
}

/** Polls `/healthz` until it answers 200 or the deadline passes. */
export async function waitHealthy(base, timeoutMs, pollMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${base}/healthz`, {
        signal: AbortSignal.timeout(Math.min(2_000, timeoutMs))
      });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
