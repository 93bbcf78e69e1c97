/** The `turn` of codex's `turn/completed` notification, as far as a run reads it. */
export interface TurnEndData {
  id?: string;
  status?: string;
  error?: { message?: string; codexErrorInfo?: unknown } | null;
}

/** Codex 0.169 reports the account's usage limit as `codexErrorInfo: "usageLimitExceeded"`. */
export function isUsageLimit(turn: TurnEndData | undefined): boolean {
  return turn?.error?.codexErrorInfo === "usageLimitExceeded";
}

/** One line saying why a turn did not complete. */
export function describeTurnEnd(turn: TurnEndData | undefined): string {
  const message = turn?.error?.message;
  const info = turn?.error?.codexErrorInfo;
  const code =
    typeof info === "string"
      ? info
      : info !== null && typeof info === "object"
        ? Object.keys(info)[0]
        : undefined;
  const text = message ?? `turn ${turn?.status ?? "failed"}`;
  return code === undefined ? text : `${text} [${code}]`;
}
