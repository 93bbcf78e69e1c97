// A strict reader of Prometheus' text exposition format 0.0.4: every line is a HELP or TYPE
// comment or a sample; a sample's metric has a TYPE; histogram series are complete. It returns
// the samples so tests can compare values before and after.
import assert from "node:assert/strict";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: (-?\\d+))?$`);
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheusText(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, index) => {
    const at = `line ${index + 1}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (comment === null) return; // other comments are allowed by the format
      const [, kind, name = "", rest = ""] = comment;
      if (!new RegExp(`^${NAME}$`).test(name)) problems.push(`${at}: bad metric name ${name}`);
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) problems.push(`${at}: bad type ${rest}`);
        if (types.has(name)) problems.push(`${at}: a second TYPE for ${name}`);
        types.set(name, rest);
      }
      return;
    }
    const match = SAMPLE.exec(line);
    if (match === null) {
      problems.push(`${at}: not a sample: ${line}`);
      return;
    }
    const [, name = "", labelText = "", valueText = ""] = match;
    const value =
      valueText === "+Inf"
        ? Infinity
        : valueText === "-Inf"
          ? -Infinity
          : valueText === "NaN"
            ? NaN
            : Number(valueText);
    if (Number.isNaN(value) && valueText !== "NaN") problems.push(`${at}: bad value ${valueText}`);
    const labels: Record<string, string> = {};
    for (const [, key = "", raw = ""] of labelText.matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g
    )) {
      labels[key] = raw.replace(/\\(["\\n])/g, (_all, c: string) => (c === "n" ? "\n" : c));
    }
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    if (!types.has(family)) problems.push(`${at}: ${name} has no TYPE line before it`);
    samples.push({ name, labels, value });
  });
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Set(
      samples.filter((s) => s.name === `${family}_count`).map((s) => JSON.stringify(s.labels))
    );
    for (const key of series) {
      const labels = JSON.parse(key) as Record<string, string>;
      const inf = samples.find(
        (s) => s.name === `${family}_bucket` && s.labels.le === "+Inf" && sameLabels(s.labels, labels, "le")
      );
      const count = samples.find((s) => s.name === `${family}_count` && sameLabels(s.labels, labels));
      if (inf === undefined || count === undefined || inf.value !== count.value)
        problems.push(`${family}${key}: the +Inf bucket differs from _count`);
    }
  }
  assert.deepEqual(problems, [], "not valid Prometheus text");
  return samples;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>, except?: string): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  if (except !== undefined) keys.delete(except);
  return [...keys].every((key) => a[key] === b[key]);
}

/** The sum of every sample of `name` whose labels include `labels`. */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {}
): number {
  return samples
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}
