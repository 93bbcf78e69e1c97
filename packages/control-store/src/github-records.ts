import type { TaskRecord } from "./records.js";

/** What `updateWaitingTask` did. */
export type WaitingTaskUpdate =
  | { kind: "updated"; task: TaskRecord }
  /** Title and prompt were already these. */
  | { kind: "unchanged"; task: TaskRecord }
  /** A run took the task up (or it ended): it keeps what it was asked. */
  | { kind: "not_waiting"; task: TaskRecord };

/** One comment about a task, by kind (`review`, `landed`, `failed`). */
export interface CommentLedgerEntry {
  taskId: string;
  kind: string;
  /** `sending`: the intent is written, the outcome not (yet); `sent`: posted. */
  state: "sending" | "sent";
  commentId: number | null;
  url: string | null;
  /** How many times a post was begun. */
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** What `beginComment` found: post now, find out first, or nothing to do. */
export type CommentBegin =
  | { outcome: "begun"; entry: CommentLedgerEntry }
  | { outcome: "pending"; entry: CommentLedgerEntry }
  | { outcome: "sent"; entry: CommentLedgerEntry };
