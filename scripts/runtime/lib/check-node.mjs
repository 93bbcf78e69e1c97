#!/usr/bin/env node
// check-node.sh: probes the three services of a running node and prints one line per probe.
// Exit 0 when every probe passes, 1 when one fails, 2 on a usage error.
import { parseArgs } from "node:util";
import { nodeProbes, runProbe } from "./node-probes.mjs";

const USAGE = `usage: check-node.sh --node NAME [flags]

  --node NAME            the node to check (default mini); its id is NAME-main unless --node-id
  --node-id ID           the node id every service must report
  --codexd-url URL       default $BAA_CODEXD_LOCAL_API_BASE, else http://127.0.0.1:4319
  --conductor-url URL    default $BAA_CONDUCTOR_LOCAL_API, else http://127.0.0.1:4317
  --status-api-url URL   default $BAA_STATUS_API_LOCAL_API, else http://127.0.0.1:4318
  --service NAME         check only codexd, conductor or status-api (repeatable)
  --expect-role ROLE     the conductor must be leader (or standby); default: either
  --timeout-ms N         bound on each probe (default 3000)
  --json                 print the results as JSON
The conductor's bearer token, needed from another machine, is read from BAA_SHARED_TOKEN.
`;

function main(argv, env) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        node: { type: "string", default: "mini" },
        "node-id": { type: "string" },
        "codexd-url": { type: "string" },
        "conductor-url": { type: "string" },
        "status-api-url": { type: "string" },
        service: { type: "string", multiple: true },
        "expect-role": { type: "string" },
        "timeout-ms": { type: "string", default: "3000" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false }
      }
    }));
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return Promise.resolve(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return Promise.resolve(0);
  }
  const unset = (value) => (value === undefined || value === "" ? undefined : value);
  const bases = {
    codexd: values["codexd-url"] ?? unset(env.BAA_CODEXD_LOCAL_API_BASE) ?? "http://127.0.0.1:4319",
    conductor: values["conductor-url"] ?? unset(env.BAA_CONDUCTOR_LOCAL_API) ?? "http://127.0.0.1:4317",
    "status-api": values["status-api-url"] ?? unset(env.BAA_STATUS_API_LOCAL_API) ?? "http://127.0.0.1:4318"
  };
  const problems = [];
  for (const [name, base] of Object.entries(bases)) {
    try {
      const url = new URL(base);
      if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
      bases[name] = url.origin;
    } catch {
      problems.push(`the ${name} URL ${JSON.stringify(base)} is not a URL`);
    }
  }
  const services = values.service ?? ["codexd", "conductor", "status-api"];
  for (const service of services)
    if (!(service in bases)) problems.push(`--service ${service}: not codexd, conductor or status-api`);
  const role = values["expect-role"];
  if (role !== undefined && role !== "leader" && role !== "standby")
    problems.push(`--expect-role must be leader or standby (got ${role})`);
  const timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    problems.push("--timeout-ms must be a positive whole number");
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n\n${USAGE}`);
    return Promise.resolve(2);
  }
  const nodeId = values["node-id"] ?? `${values.node}-main`;
  return checkNode({
    node: values.node,
    nodeId,
    role,
    bases,
    services,
    timeoutMs,
    token: unset(env.BAA_SHARED_TOKEN),
    json: values.json
  });
}

async function checkNode(options) {
  const probes = nodeProbes({
    nodeId: options.nodeId,
    ...(options.role === undefined ? {} : { role: options.role })
  }).filter((probe) => options.services.includes(probe.service));
  // Services are probed in parallel; each one's routes in order, so the report reads top-down.
  const results = await Promise.all(
    options.services.map(async (service) => {
      const out = [];
      for (const probe of probes.filter((p) => p.service === service)) {
        out.push({ probe, result: await runProbe(probe, options.bases[service], options) });
      }
      return out;
    })
  );
  const rows = results.flat();
  const failed = rows.filter((row) => !row.result.ok);
  if (options.json) {
    const report = {
      node: options.node,
      nodeId: options.nodeId,
      ok: failed.length === 0,
      probes: rows.map(({ probe, result }) => ({
        service: probe.service,
        url: `${options.bases[probe.service]}${probe.path}`,
        ...result
      }))
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`node ${options.node} (${options.nodeId})\n`);
    for (const { probe, result } of rows) {
      const status = result.status === null ? "---" : String(result.status);
      process.stdout.write(
        `${result.ok ? "ok  " : "FAIL"}  ${probe.service.padEnd(10)} GET ${(options.bases[probe.service] + probe.path).padEnd(44)} ${status}  ${result.detail} (${result.ms} ms)\n`
      );
    }
    const down = [...new Set(failed.map((row) => row.probe.service))];
    process.stdout.write(
      failed.length === 0
        ? `node ${options.node}: all ${rows.length} probes passed\n`
        : `node ${options.node}: ${failed.length} of ${rows.length} probes failed (${down.join(", ")}); see docs/runtime/node-verification.md\n`
    );
  }
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2), process.env);
