const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

// Codex 0.169 tells the reset only in its message, as local wall-clock time: "try again at
// 9:21 AM" the same day, "try again at Nov 27th, 2026 9:21 AM" a later one.
const RESET_TEXT =
  /try again at (?:([A-Za-z]{3})[a-z]* (\d{1,2})(?:st|nd|rd|th)?,? (\d{4}),? )?(\d{1,2}):(\d{2})\s*([AaPp][Mm])?/;

/**
 * The reset time (epoch ms) a usage-limit message names, read in the local time zone (codex
 * runs on this machine), or undefined when the message names none. A bare time that already
 * passed today is tomorrow's.
 */
export function parseUsageLimitReset(message: string, nowMs: number): number | undefined {
  const match = RESET_TEXT.exec(message);
  if (match === null) return undefined;
  const [, monthText, dayText, yearText, hourText, minuteText, meridiem] = match;
  let hour = Number(hourText);
  const minute = Number(minuteText);
  if (hour > 23 || minute > 59) return undefined;
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (meridiem.toLowerCase() === "pm" ? 12 : 0);
  }
  if (monthText !== undefined) {
    const month = MONTHS.indexOf(monthText.toLowerCase());
    if (month === -1) return undefined;
    return new Date(Number(yearText), month, Number(dayText), hour, minute).getTime();
  }
  const now = new Date(nowMs);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hour, minute).getTime();
  return today > nowMs
    ? today
    : new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, hour, minute).getTime();
}

/** Bounds on how long a usage limit stops claiming. */
export interface QuotaPausePolicy {
  /** When the message names no reset time. */
  fallbackMs: number;
  /** A reset further out than this is not believed. */
  maxMs: number;
  /** Not less than this, even for a reset that is (nearly) due. */
  minMs: number;
}

/** Until when claiming stops after a usage-limit failure whose message is `message`. */
export function quotaPauseUntil(message: string, nowMs: number, policy: QuotaPausePolicy): number {
  const reset = parseUsageLimitReset(message, nowMs);
  const wait = reset === undefined ? policy.fallbackMs : reset - nowMs;
  return nowMs + Math.min(policy.maxMs, Math.max(policy.minMs, wait));
}
