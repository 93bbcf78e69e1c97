import type { CheckResult, ClaimedRun, RunFence, RunWorkspace, TaskRecord } from "@baa/control-store";
import type { EventInput } from "@baa/event-log";
import type { Logger } from "pino";
import type { RunOutcome } from "../scheduler/run-ending.js";
import type { RunHandle } from "../scheduler/scheduler.js";
import { runCheckRounds } from "./check-rounds.js";
import { checkRound, setupWorktree } from "./run-commands.js";
import type { RunContext, RunExecutorDeps, RunStore } from "./run-deps.js";
import { endRun, writeRunMeta, type EndingRun } from "./run-end.js";
import { meaningOf, outcomeOfTurn } from "./run-event-meaning.js";
import { RunFolder } from "./run-folder.js";
import { SessionEvents } from "./session-events.js";
import { enterWorkspace, openRunSession, startFailure } from "./run-start.js";
import type { CodexdStreamEvent } from "./worker-codexd.js";
import type { OpenedWorkerSession } from "./worker-session.js";

export type { RunExecutorDeps, RunSettings, RunStore } from "./run-deps.js";

type StopCause = "cancelled" | "timed_out" | "stalled" | "abandoned";

/** Starts a claimed run; the returned handle's `done` settles once it has ended. */
export function executeRun(deps: RunExecutorDeps, claim: ClaimedRun): RunHandle {
  return new RunExecution(deps, claim);
}

/**
 * One run on its owner (control-plane.md, "Run lifecycle"): workspace → worker session →
 * the prompt as a turn → its events followed and recorded → deadline, stall timer and cancel
 * flag watched → the fenced end write → the run folder → the session closed.
 */
class RunExecution implements RunHandle {
  readonly done: Promise<void>;
  readonly #d: RunExecutorDeps;
  readonly #task: TaskRecord;
  readonly #fence: RunFence;
  readonly #log: Logger;
  readonly #folder: RunFolder;
  readonly #context: RunContext;
  readonly #timerHandles = new Set<unknown>();
  readonly #pendingApprovals = new Set<string>();
  readonly #checks: CheckResult[] = [];
  #stop: { cause: StopCause; reason: string } | undefined;
  #sessionId: string | null = null;
  #threadId: string | null = null;
  #turnId: string | null = null;
  #workspace: RunWorkspace | null = null;
  #stream: SessionEvents | undefined;
  #finalMessage: string | null = null;
  #usage: unknown = null;
  #lastEventAt: string | null = null;
  #lastEventWritten: string | null = null;
  #stallTimer: unknown;
  /** Resolves the turn now running; null between turns (setup, checks) and after the last. */
  #turnWaiter: ((outcome: RunOutcome) => void) | null = null;
  #lastTurnOutcome: RunOutcome | null = null;
  readonly #completedTurns = new Set<string>();
  /** Set while checks run: a stop aborts them; no stall timer runs (no events come). */
  #checksAbort: AbortController | null = null;
  #ended = false;
  #fencedOut = false;

  constructor(deps: RunExecutorDeps, claim: ClaimedRun) {
    this.#d = deps;
    this.#task = claim.task;
    this.#fence = { runId: claim.run.runId, owner: claim.run.owner, term: claim.run.term };
    this.#log = deps.logger.child({ taskId: claim.task.taskId, runId: claim.run.runId });
    this.#folder = new RunFolder(deps.runsDir, claim.run.runId);
    this.#context = {
      deps,
      task: this.#task,
      fence: this.#fence,
      attempt: claim.run.attempt,
      startedAt: claim.run.startedAt,
      folder: this.#folder,
      log: this.#log,
      update: (patch) => this.#update(patch),
      record: (input) => this.#record(input)
    };
    this.done = this.#main().catch((error: unknown) => {
      this.#log.error({ err: error }, "run executor failed; the scheduler's recovery pass will end the run");
    });
  }

  stop(why: "cancel" | "abandon", reason: string): void {
    this.#requestStop(why === "cancel" ? "cancelled" : "abandoned", reason);
  }

  async #main(): Promise<void> {
    this.#record({
      type: "run.started",
      data: { attempt: this.#context.attempt, owner: this.#fence.owner, term: this.#fence.term }
    });
    this.#writeMeta("running", null);
    const outcome = await this.#execute();
    this.#ended = true;
    for (const handle of this.#timerHandles) this.#d.timers.clearTimeout(handle);
    this.#timerHandles.clear();
    this.#stream?.close();
    await endRun(this.#endingView(), outcome);
  }

  async #execute(): Promise<RunOutcome> {
    const task = this.#task;
    try {
      const prepared = await this.#d.workspaces.prepare(task);
      this.#workspace = prepared.workspace;
      const config = await enterWorkspace(this.#context, prepared);
      if (prepared.needsSetup && (config.setup.run.length > 0 || config.setup.copy.length > 0)) {
        const stopped = () => (this.#stop === undefined ? null : this.#stoppedOutcome());
        const setup = await this.#withChecksAbort((signal) =>
          setupWorktree(this.#context, prepared, config, signal, stopped)
        );
        if (setup !== null) return setup;
      } else if (prepared.needsSetup) this.#d.workspaces.markSetupDone?.(task.taskId);
      if (this.#stop !== undefined) return this.#stoppedOutcome();
      const session = await openRunSession(this.#context, prepared);
      this.#sessionId = session.sessionId;
      this.#threadId = session.threadId;
      await this.#update({
        sessionId: session.sessionId,
        ...(session.threadId === null ? {} : { threadId: session.threadId })
      });
      this.#follow(session);
      if (this.#stop !== undefined) return this.#stoppedOutcome();
      const first = await this.#turn(session.sessionId, session.input);
      if (prepared.workspace.kind !== "worktree" || config.checks.length === 0) return first;
      return await runCheckRounds(first, {
        maxRounds: config.maxCheckRounds,
        runChecks: (round) =>
          this.#withChecksAbort((signal) =>
            checkRound(this.#context, prepared.workspace.path, config, round, signal, this.#checks)
          ),
        runTurn: (input, round, failed) => {
          if (this.#stop !== undefined) return Promise.resolve(this.#stoppedOutcome());
          this.#record({
            type: "run.checks.turn",
            data: { round, failed: failed.map((check) => check.name) }
          });
          return this.#turn(session.sessionId, input);
        },
        stopped: () => (this.#stop === undefined ? null : this.#stoppedOutcome())
      });
    } catch (error) {
      // The turn's end came before the error (its start answered late, say): that is the outcome.
      if (this.#turnWaiter === null && this.#lastTurnOutcome !== null) return this.#lastTurnOutcome;
      this.#ended = true;
      if (this.#stop !== undefined) return this.#stoppedOutcome();
      return startFailure(error, this.#log);
    }
  }

  /** Follows the session's events; arms the deadline, the stall timer and the progress loop. */
  #follow(session: OpenedWorkerSession): void {
    const settings = this.#d.settings;
    this.#stream = new SessionEvents({
      url: (after) => this.#d.codexd.eventsUrl(session.sessionId, after),
      after: session.afterSeq,
      onEvent: (event) => this.#onEvent(event),
      timers: this.#d.timers,
      logger: this.#log,
      reconnectDelayMs: settings.reconnectDelayMs,
      connectTimeoutMs: settings.connectTimeoutMs
    });
    this.#stream.start();
    const timeoutMs = this.#task.timeoutMs ?? settings.timeoutMs;
    if (timeoutMs !== null) {
      const left = Math.max(0, Date.parse(this.#context.startedAt) + timeoutMs - this.#d.timers.wallNow());
      this.#after(left, () => this.#requestStop("timed_out", `no result within timeoutMs ${timeoutMs}`));
    }
    this.#armStall();
    this.#progressLoop();
  }

  #onEvent(event: CodexdStreamEvent): void {
    this.#record({
      type: event.type,
      sessionId: event.sessionId,
      threadId: event.threadId,
      turnId: event.turnId,
      data: event.data
    });
    this.#lastEventAt = new Date(this.#d.timers.wallNow()).toISOString();
    const meaning = meaningOf(event);
    switch (meaning.kind) {
      case "approval_requested":
        if (meaning.approvalId !== undefined) this.#pendingApprovals.add(meaning.approvalId);
        if (this.#pendingApprovals.size === 1) void this.#update({ taskState: "needs_approval" });
        break;
      case "approval_settled":
        if (
          meaning.approvalId !== undefined &&
          this.#pendingApprovals.delete(meaning.approvalId) &&
          this.#pendingApprovals.size === 0
        ) {
          void this.#update({ taskState: "running" });
        }
        break;
      case "final_message":
        this.#finalMessage = meaning.text;
        break;
      case "usage":
        this.#usage = meaning.usage;
        break;
      case "turn_completed": {
        const turnId = meaning.turn?.id;
        if (turnId !== undefined && this.#completedTurns.has(turnId)) break;
        if (turnId !== undefined) this.#completedTurns.add(turnId);
        // A turn we interrupted ends as the stop's cause says, whatever status it reports.
        const stopped = this.#stop !== undefined && meaning.turn?.status !== "completed";
        this.#endTurn(
          stopped ? this.#stoppedOutcome() : outcomeOfTurn(meaning.turn, this.#finalMessage, this.#usage)
        );
        break;
      }
      case "ended_outside":
        this.#endTurn(
          this.#stop !== undefined
            ? this.#stoppedOutcome()
            : { kind: "interrupted", reason: `the turn ended outside the conductor (${meaning.type})` }
        );
        break;
      case "other":
        break;
    }
    this.#armStall();
  }

  /** Starts one turn on the session and resolves how it ended. */
  async #turn(sessionId: string, input: string): Promise<RunOutcome> {
    const ended = new Promise<RunOutcome>((resolve) => {
      this.#turnWaiter = resolve;
    });
    this.#turnId = null;
    this.#armStall();
    const turn = await this.#d.codexd.startTurn(sessionId, input);
    this.#turnId = turn.turnId;
    await this.#update({ turnId: turn.turnId });
    // A stop asked for while the turn was being started acts now that it has an id.
    if (this.#stop !== undefined && this.#turnWaiter !== null) void this.#interrupt();
    return ended;
  }

  #endTurn(outcome: RunOutcome): void {
    const waiter = this.#turnWaiter;
    if (waiter === null) return;
    this.#turnWaiter = null;
    this.#lastTurnOutcome = outcome;
    waiter(outcome);
  }

  /** Runs setup or checks with an abort signal a stop fires; no stall timer runs meanwhile. */
  async #withChecksAbort<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.#checksAbort = new AbortController();
    this.#armStall();
    try {
      return await work(this.#checksAbort.signal);
    } finally {
      this.#checksAbort = null;
    }
  }

  #requestStop(cause: StopCause, reason: string): void {
    if (this.#ended || this.#stop !== undefined) return;
    this.#stop = { cause, reason };
    this.#log.info({ cause, reason }, "stopping the run");
    this.#record({ type: "run.stop_requested", data: { cause, reason } });
    this.#checksAbort?.abort();
    // Without a turn id nothing runs yet, or the turn is being started: #turn interrupts it
    // once it has the id. Between turns there is nothing to interrupt.
    if (this.#turnId !== null && this.#turnWaiter !== null) void this.#interrupt();
  }

  async #interrupt(): Promise<void> {
    const sessionId = this.#sessionId;
    if (sessionId === null) return;
    try {
      await this.#d.codexd.interruptTurn(sessionId, this.#turnId);
    } catch (error) {
      // codexd is away: no turn/completed will come to wait for.
      this.#log.warn({ err: error }, "could not interrupt the turn");
      this.#endTurn(this.#stoppedOutcome());
      return;
    }
    // The turn normally ends `interrupted` within a second; never wait on it forever.
    this.#after(this.#d.settings.interruptGraceMs, () => this.#endTurn(this.#stoppedOutcome()));
  }

  #stoppedOutcome(): RunOutcome {
    const stop = this.#stop ?? { cause: "abandoned" as const, reason: "stopped" };
    if (stop.cause === "abandoned") return { kind: "abandoned", reason: stop.reason };
    return { kind: stop.cause, reason: stop.reason, usage: this.#usage };
  }

  #armStall(): void {
    if (this.#stallTimer !== undefined) {
      this.#d.timers.clearTimeout(this.#stallTimer);
      this.#timerHandles.delete(this.#stallTimer);
      this.#stallTimer = undefined;
    }
    // A pending approval waits on a person, not on codex: its own timeout governs it.
    if (this.#ended || this.#checksAbort !== null || this.#pendingApprovals.size > 0) return;
    const ms = this.#task.stallTimeoutMs ?? this.#d.settings.stallTimeoutMs;
    this.#stallTimer = this.#after(ms, () =>
      this.#requestStop("stalled", `no new event for stallTimeoutMs ${ms}`)
    );
  }

  #progressLoop(): void {
    this.#after(this.#d.settings.progressEveryMs, () => {
      if (this.#ended) return;
      void this.#progress().finally(() => this.#progressLoop());
    });
  }

  async #progress(): Promise<void> {
    try {
      if (this.#lastEventAt !== null && this.#lastEventAt !== this.#lastEventWritten) {
        this.#lastEventWritten = this.#lastEventAt;
        await this.#update({ lastEventAt: this.#lastEventAt });
      }
      const [task, run] = await Promise.all([
        this.#d.store.getTask(this.#task.taskId),
        this.#d.store.getRun(this.#fence.runId)
      ]);
      // Another node took the lease and ended this run (abandoned, task queued again): stop
      // at once rather than run beside its next attempt; our end write will be fenced.
      if (run !== undefined && run.state !== "running") {
        this.#fencedOut = true;
        this.#requestStop(
          "abandoned",
          `the run was ended elsewhere (${run.state}); this node no longer owns it`
        );
      } else if (task?.cancelRequested === true)
        this.#requestStop("cancelled", task.stateReason ?? "cancel requested");
    } catch (error) {
      this.#log.warn({ err: error }, "could not record the run's progress");
    }
  }

  async #update(patch: Parameters<RunStore["updateRun"]>[1]): Promise<void> {
    if (this.#fencedOut) return;
    let written: boolean;
    try {
      written = await this.#d.store.updateRun(this.#fence, patch);
    } catch (error) {
      this.#log.warn({ err: error, patch: Object.keys(patch) }, "run update failed");
      return;
    }
    if (!written) {
      // Fenced: this node lost the lease or the run was ended by another (invariant 3).
      this.#fencedOut = true;
      this.#d.onStaleWrite?.("update");
      this.#log.warn({ term: this.#fence.term }, "stale run write ignored by the store; abandoning the run");
      this.#requestStop("abandoned", "this node no longer owns the run");
    }
  }

  /** The run as the end-of-run work reads it (run-end.ts). */
  #endingView(): EndingRun {
    return {
      ...this.#context,
      current: () => ({
        workspace: this.#workspace,
        sessionId: this.#sessionId,
        finalMessage: this.#finalMessage,
        usage: this.#usage,
        fencedOut: this.#fencedOut,
        unwrittenLastEventAt: this.#lastEventAt !== this.#lastEventWritten ? this.#lastEventAt : null
      }),
      writeMeta: (state, ended) => this.#writeMeta(state, ended),
      after: (ms, callback) => this.#after(ms, callback)
    };
  }

  #after(ms: number, run: () => void): unknown {
    const handle = this.#d.timers.setTimeout(() => {
      this.#timerHandles.delete(handle);
      run();
    }, ms);
    this.#timerHandles.add(handle);
    return handle;
  }

  #record(input: Omit<EventInput, "taskId" | "runId">): void {
    try {
      const event = this.#d.events.record({ ...input, taskId: this.#task.taskId, runId: this.#fence.runId });
      this.#folder.appendEventJson(JSON.stringify(event));
    } catch (error) {
      this.#log.error({ err: error, type: input.type }, "could not record a run event");
    }
  }

  #writeMeta(state: string, ended: Record<string, unknown> | null): void {
    const ids = { sessionId: this.#sessionId, threadId: this.#threadId, turnId: this.#turnId };
    writeRunMeta(this.#context, { ...ids, workspace: this.#workspace }, state, ended);
  }
}
