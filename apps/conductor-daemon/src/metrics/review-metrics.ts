import type { TaskState } from "@baa/control-store";
import type { CodexdEvent } from "@baa/event-log";
import { Counter, Gauge, type Registry } from "prom-client";

/** Task states in which a task waits on a person: an approval to answer, work to review. */
const WAITING_ON_PERSON: readonly TaskState[] = ["needs_approval", "in_review"];

const REVIEW_EVENTS: Record<string, string> = {
  "task.in_review": "in_review",
  "task.revised": "revised",
  "task.landed": "landed",
  "task.discarded": "discarded"
};

/**
 * `conductor_tasks_waiting_on_person` (read with the per-state counts at each scrape) and
 * `conductor_task_reviews_total{action}` (what this node's review loop did); returns the event
 * observer the task event log feeds.
 */
export function registerReviewMetrics(
  registry: Registry,
  prefix: string,
  readCounts: (() => Promise<Record<TaskState, number> | null>) | null
): (event: CodexdEvent) => void {
  if (readCounts !== null) {
    new Gauge({
      name: `${prefix}tasks_waiting_on_person`,
      help: "Tasks waiting on a person: needs_approval (an approval to answer) plus in_review (work to review).",
      registers: [registry],
      async collect() {
        const counts = await readCounts();
        if (counts === null) return;
        this.set(WAITING_ON_PERSON.reduce((sum, state) => sum + (counts[state] ?? 0), 0));
      }
    });
  }
  const reviews = new Counter({
    name: `${prefix}task_reviews_total`,
    help: "What this node's review loop did, by action: in_review (a run left work to review), revised, landed, discarded.",
    labelNames: ["action"],
    registers: [registry]
  });
  for (const action of Object.values(REVIEW_EVENTS)) reviews.inc({ action }, 0);
  return (event) => {
    const action = REVIEW_EVENTS[event.type];
    if (action !== undefined) reviews.inc({ action });
  };
}
