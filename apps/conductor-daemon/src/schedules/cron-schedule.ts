import { Cron } from "croner";
import type { CatchUp } from "@baa/control-store";

/** A fire up to this late is the current fire, not a missed one (the loop ticks about once a second). */
export const LATE_GRACE_MS = 5_000;

/** Why a cron or time zone cannot be used, naming the field; null when both are fine. */
export function scheduleProblem(
  cron: string,
  timezone: string
): { field: "cron" | "timezone"; message: string } | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    return {
      field: "timezone",
      message: `unknown time zone ${JSON.stringify(timezone)} (an IANA name such as Europe/Paris or UTC)`
    };
  }
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    return {
      field: "cron",
      message: `${JSON.stringify(cron)} has ${fields} fields; five (minute first) or six (seconds first)`
    };
  }
  try {
    if (cronOf(cron, timezone).nextRun(new Date()) === null)
      return { field: "cron", message: `${JSON.stringify(cron)} never fires` };
  } catch (error) {
    return {
      field: "cron",
      message: `${JSON.stringify(cron)} is not a valid cron: ${(error as Error).message}`
    };
  }
  return null;
}

function cronOf(cron: string, timezone: string): Cron {
  // No callback: croner only computes times and never arms a timer of its own.
  return new Cron(cron.trim(), { timezone, paused: true });
}

/** The first fire strictly after `from` (ISO), or null when the cron never fires again. */
export function nextFireAfter(cron: string, timezone: string, from: string): string | null {
  return cronOf(cron, timezone).nextRun(new Date(from))?.toISOString() ?? null;
}

/** The latest fire at or before `at` (ISO), or null. */
function latestFireAtOrBefore(cron: string, timezone: string, at: string): string | null {
  // previousRuns is exclusive of its start; a millisecond on makes `at` itself count.
  const [latest] = cronOf(cron, timezone).previousRuns(1, new Date(Date.parse(at) + 1));
  return latest?.toISOString() ?? null;
}

export interface FireDecision {
  /** The fire time to create a task for, or null to skip the missed fires. */
  scheduledFor: string | null;
  nextFireAt: string;
}

/**
 * Pure: what a due schedule (next fire at or before `now`) does now. Only one task per tick:
 * for the latest due fire. When that fire is more than LATE_GRACE_MS late (no node led when it
 * was due), `catchUp: "one"` still creates it and `"none"` skips it. Null: the cron never
 * fires again (the caller pauses nothing; it just stays due-less).
 */
export function decideFire(
  schedule: { cron: string; timezone: string; catchUp: CatchUp; nextFireAt: string },
  now: string
): FireDecision | null {
  const latest = latestFireAtOrBefore(schedule.cron, schedule.timezone, now) ?? schedule.nextFireAt;
  const due = Date.parse(latest) < Date.parse(schedule.nextFireAt) ? schedule.nextFireAt : latest;
  const nextFireAt = nextFireAfter(schedule.cron, schedule.timezone, now);
  if (nextFireAt === null) return null;
  const late = Date.parse(now) - Date.parse(due) > LATE_GRACE_MS;
  return { scheduledFor: late && schedule.catchUp === "none" ? null : due, nextFireAt };
}
