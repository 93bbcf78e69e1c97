import type { CheckResult, ClaimedRun, ControlStore, RunFence, RunWorkspace, TaskRecord } from "@baa/control-store";
import { runChecks } from "../checks/check-runner.js";
import { effectiveRepoConfig, RepoConfigError, type EffectiveRepoConfig, type RepoConfigFile } from "../checks/repo-config.js";
import { runSetup } from "../checks/setup-runner.js";
import { runCheckRounds } from "./check-rounds.js";
import { effectiveReview } from "../review/review-policy.js";
import type { EventInput, EventLog } from "@baa/event-log";
import type { Logger } from "pino";
import type { LoopTimers } from "../loop-timers.js";
import type { RunHandle } from "../scheduler/scheduler.js";
import { decideRunEnding, type EndingPolicy, type RunOutcome } from "../scheduler/run-ending.js";
import type { PreparedWorkspace } from "../workspaces/workspaces.js";
import { WorkspaceError } from "../workspaces/workspaces.js";
import { settleBranch } from "./branch-ending.js";
import { publishBranch } from "./branch-publish.js";
import type { RunBranch } from "./run-branch.js";
import { RunFolder } from "./run-folder.js";
import { openWorkerSession } from "./worker-session.js";
import { SessionEvents } from "./session-events.js";
import { meaningOf, outcomeOfTurn } from "./run-event-meaning.js";
import { CodexdDownError, CodexdRefusedError, type CodexdStreamEvent, type WorkerCodexd } from "./worker-codexd.js";

export type RunStore = Pick<ControlStore, "updateRun" | "finishRun" | "getTask" | "getRun" | "listRuns">;

/** Defaults for what a task leaves unset, and the timings of the run loop. */
export interface RunSettings {
  /** Interrupt and retry a turn with no new event for this long (a task's stallTimeoutMs wins). */
  stallTimeoutMs: number;
  /** A task's deadline when it sets none; null for none. */
  timeoutMs: number | null;
  /** How often progress (lastEventAt) is written and a cancel requested on another node is looked for. */
  progressEveryMs: number;
  /** After an interrupt, wait this long for the turn to end before ending the run anyway. */
  interruptGraceMs: number;
  /** Wait before reopening a dropped event stream. */
  reconnectDelayMs: number;
  connectTimeoutMs: number;
  /** How often a failed end-of-run write is tried again (the store may be down for a moment). */
  finishRetryMs: number;
  finishAttempts: number;
}

export interface RunExecutorDeps {
  store: RunStore;
  codexd: WorkerCodexd;
  workspaces: { prepare(task: TaskRecord): Promise<PreparedWorkspace>; markSetupDone?(taskId: string): void };
  /** The repository's config at a commit, and the environment its commands run with. */
  checks: { readConfig(worktree: string, ref: string): Promise<RepoConfigFile | null>; env: NodeJS.ProcessEnv };
  /** The commit a worktree run makes when it ends, and whether its branch then holds work to review. */
  branch: RunBranch;
  /** Told when a run left its task `in_review` (auto_land lands it from there). */
  onInReview?: (task: TaskRecord, how: { checksFailing: boolean }) => void;
  /** The conductor's event log: every event of a run is recorded with its taskId and runId. */
  events: Pick<EventLog, "record">;
  /** Sets the usage-limit pause (the system modes' setter, so this node's gate closes at once). */
  quota: { setQuotaPause(until: string | null, reason: string | null): Promise<unknown> };
  runsDir: string;
  timers: LoopTimers;
  logger: Logger;
  policy: EndingPolicy;
  settings: RunSettings;
  /** Told of each write the store fenced out (counted in the node's metrics). */
  onStaleWrite?: (write: "update" | "finish") => void;
}

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
  readonly #attempt: number;
  readonly #log: Logger;
  readonly #folder: RunFolder;
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
  #startedAt: string;

  constructor(deps: RunExecutorDeps, claim: ClaimedRun) {
    this.#d = deps;
    this.#task = claim.task;
    this.#fence = { runId: claim.run.runId, owner: claim.run.owner, term: claim.run.term };
    this.#attempt = claim.run.attempt;
    this.#startedAt = claim.run.startedAt;
    this.#log = deps.logger.child({ taskId: claim.task.taskId, runId: claim.run.runId });
    this.#folder = new RunFolder(deps.runsDir, claim.run.runId);
    this.done = this.#main().catch((error: unknown) => {
      this.#log.error({ err: error }, "run executor failed; the scheduler's recovery pass will end the run");
    });
  }

  stop(why: "cancel" | "abandon", reason: string): void {
    this.#requestStop(why === "cancel" ? "cancelled" : "abandoned", reason);
  }

  async #main(): Promise<void> {
    this.#record({ type: "run.started", data: { attempt: this.#attempt, owner: this.#fence.owner, term: this.#fence.term } });
    this.#writeMeta("running", null);
    const outcome = await this.#execute();
    this.#ended = true;
    for (const handle of this.#timerHandles) this.#d.timers.clearTimeout(handle);
    this.#timerHandles.clear();
    this.#stream?.close();
    await this.#end(outcome);
  }

  async #execute(): Promise<RunOutcome> {
    const task = this.#task;
    const settings = this.#d.settings;
    try {
      const prepared = await this.#d.workspaces.prepare(task);
      this.#workspace = prepared.workspace;
      const baseBranch = prepared.workspace.baseBranch ?? null;
      await this.#update({ workspace: prepared.workspace, ...(baseBranch === null ? {} : { baseBranch }) });
      this.#record({ type: "run.workspace", data: prepared.workspace });
      const config = await this.#repoConfig(prepared);
      if (prepared.needsSetup && (config.setup.run.length > 0 || config.setup.copy.length > 0)) {
        const setup = await this.#setup(prepared, config);
        if (setup !== null) return setup;
      } else if (prepared.needsSetup) this.#d.workspaces.markSetupDone?.(task.taskId);
      if (this.#stop !== undefined) return this.#stoppedOutcome();
      const request = {
        cwd: prepared.cwd,
        ...(task.model === null ? {} : { model: task.model }),
        ...(task.approvalPolicy === null ? {} : { approvalPolicy: task.approvalPolicy }),
        // A task's own worktree or scratch directory is where it is meant to write.
        ...(task.sandbox === null ? (prepared.workspace.kind === "shared" ? {} : { sandbox: "workspace-write" }) : { sandbox: task.sandbox })
      };
      const session = await openWorkerSession(this.#d.codexd, task, () => this.#d.store.listRuns(task.taskId), request, this.#log);
      if (session.resumedThreadId !== null) this.#record({ type: "run.thread_resumed", data: { threadId: session.resumedThreadId, round: task.round } });
      this.#sessionId = session.sessionId;
      this.#threadId = session.threadId;
      await this.#update({ sessionId: session.sessionId, ...(session.threadId === null ? {} : { threadId: session.threadId }) });
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
      const timeoutMs = task.timeoutMs ?? settings.timeoutMs;
      if (timeoutMs !== null) {
        const left = Math.max(0, Date.parse(this.#startedAt) + timeoutMs - this.#d.timers.wallNow());
        this.#after(left, () => this.#requestStop("timed_out", `no result within timeoutMs ${timeoutMs}`));
      }
      this.#armStall();
      this.#progressLoop();
      if (this.#stop !== undefined) return this.#stoppedOutcome();
      const first = await this.#turn(session.sessionId, session.input);
      if (prepared.workspace.kind !== "worktree" || config.checks.length === 0) return first;
      return await runCheckRounds(first, {
        maxRounds: config.maxCheckRounds,
        runChecks: (round) => this.#checkRound(prepared.workspace.path, config, round),
        runTurn: (input, round, failed) => {
          if (this.#stop !== undefined) return Promise.resolve(this.#stoppedOutcome());
          this.#record({ type: "run.checks.turn", data: { round, failed: failed.map((check) => check.name) } });
          return this.#turn(session.sessionId, input);
        },
        stopped: () => (this.#stop === undefined ? null : this.#stoppedOutcome())
      });
    } catch (error) {
      // The turn's end came before the error (its start answered late, say): that is the outcome.
      if (this.#turnWaiter === null && this.#lastTurnOutcome !== null) return this.#lastTurnOutcome;
      this.#ended = true;
      if (this.#stop !== undefined) return this.#stoppedOutcome();
      if (error instanceof WorkspaceError || error instanceof CodexdRefusedError || error instanceof RepoConfigError) {
        this.#log.warn({ err: error }, "run could not start");
        return { kind: "failed", message: error.message };
      }
      if (error instanceof CodexdDownError) {
        this.#log.warn({ err: error }, "codexd unavailable for the run");
        return { kind: "unavailable", reason: error.message };
      }
      throw error;
    }
  }

  #onEvent(event: CodexdStreamEvent): void {
    this.#record({ type: event.type, sessionId: event.sessionId, threadId: event.threadId, turnId: event.turnId, data: event.data });
    this.#lastEventAt = new Date(this.#d.timers.wallNow()).toISOString();
    const meaning = meaningOf(event);
    switch (meaning.kind) {
      case "approval_requested":
        if (meaning.approvalId !== undefined) this.#pendingApprovals.add(meaning.approvalId);
        if (this.#pendingApprovals.size === 1) void this.#update({ taskState: "needs_approval" });
        break;
      case "approval_settled":
        if (meaning.approvalId !== undefined && this.#pendingApprovals.delete(meaning.approvalId) && this.#pendingApprovals.size === 0) {
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
        this.#endTurn(stopped ? this.#stoppedOutcome() : outcomeOfTurn(meaning.turn, this.#finalMessage, this.#usage));
        break;
      }
      case "ended_outside":
        this.#endTurn(this.#stop !== undefined ? this.#stoppedOutcome() : { kind: "interrupted", reason: `the turn ended outside the conductor (${meaning.type})` });
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

  async #repoConfig(prepared: PreparedWorkspace): Promise<EffectiveRepoConfig> {
    const workspace = prepared.workspace;
    const file = workspace.kind === "worktree" && workspace.baseCommit !== null ? await this.#d.checks.readConfig(workspace.path, workspace.baseCommit) : null;
    return effectiveRepoConfig(file, this.#task.repoConfig ?? null);
  }

  /** Setup in a fresh worktree; a failed setup ends the run (the outcome), a passed one returns null. */
  async #setup(prepared: PreparedWorkspace, config: EffectiveRepoConfig): Promise<RunOutcome | null> {
    this.#checksAbort = new AbortController();
    try {
      const result = await runSetup({
        setup: config.setup,
        repo: prepared.repo ?? prepared.workspace.path,
        worktree: prepared.workspace.path,
        env: this.#d.checks.env,
        timers: this.#d.timers,
        signal: this.#checksAbort.signal
      });
      await this.#update({ setup: result });
      this.#folder.writeJson("setup.json", result);
      this.#record({ type: "run.setup.ended", data: result });
      if (this.#stop !== undefined) return this.#stoppedOutcome();
      if (result.status === "passed") {
        this.#d.workspaces.markSetupDone?.(this.#task.taskId);
        return null;
      }
      const last = result.commands.at(-1);
      const how = last === undefined ? "" : last.status === "timed_out" ? ` (${last.run}: timed out)` : ` (${last.run}: exit ${last.exitCode ?? "?"})`;
      return { kind: "failed", message: `setup failed${how}: ${last?.outputTail.slice(-500).trim() ?? ""}` };
    } finally {
      this.#checksAbort = null;
    }
  }

  async #checkRound(cwd: string, config: EffectiveRepoConfig, round: number): Promise<CheckResult[]> {
    this.#checksAbort = new AbortController();
    this.#armStall();
    try {
      const results = await runChecks({
        cwd,
        checks: config.checks,
        round,
        env: this.#d.checks.env,
        timers: this.#d.timers,
        signal: this.#checksAbort.signal,
        onStarted: (check) => this.#record({ type: "run.check.started", data: check }),
        onEnded: (result) => this.#record({ type: "run.check.ended", data: result })
      });
      this.#checks.push(...results);
      await this.#update({ checks: this.#checks });
      this.#folder.writeJson("checks.json", this.#checks);
      return results;
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
    this.#stallTimer = this.#after(ms, () => this.#requestStop("stalled", `no new event for stallTimeoutMs ${ms}`));
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
      const [task, run] = await Promise.all([this.#d.store.getTask(this.#task.taskId), this.#d.store.getRun(this.#fence.runId)]);
      // Another node took the lease and ended this run (abandoned, task queued again): stop
      // at once rather than run beside its next attempt; our end write will be fenced.
      if (run !== undefined && run.state !== "running") {
        this.#fencedOut = true;
        this.#requestStop("abandoned", `the run was ended elsewhere (${run.state}); this node no longer owns it`);
      } else if (task?.cancelRequested === true) this.#requestStop("cancelled", task.stateReason ?? "cancel requested");
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

  async #end(outcome: RunOutcome): Promise<void> {
    const now = this.#d.timers.wallNow();
    const failingChecks = outcome.kind === "completed" ? (outcome.failingChecks ?? []) : [];
    // Under review: none nobody would look at failing checks: the run failed (and may retry).
    const ended =
      failingChecks.length > 0 && effectiveReview(this.#task, this.#workspace) === "none"
        ? { kind: "failed" as const, message: `checks still failing after the last check round: ${failingChecks.join(", ")}`, usage: this.#usage }
        : outcome;
    const decided = decideRunEnding(this.#task, ended, now, this.#d.policy);
    const quotaPauseUntil = decided.quotaPauseUntil;
    const settled = await settleBranch(this.#d.branch, this.#task, this.#fence.runId, this.#workspace, decided.ending, this.#log, failingChecks);
    const ending = settled.ending;
    if (settled.patch !== null) this.#folder.writeDiff(settled.patch);
    // Before the end write: a next round, on any node, must find this one's commit on the remote.
    const pushed = this.#fencedOut ? null : await publishBranch(this.#d.branch, this.#workspace, this.#log);
    if (pushed !== null) this.#record(pushed);
    // The last progress write may be up to runProgressMs behind the run's last event.
    if (this.#lastEventAt !== null && this.#lastEventAt !== this.#lastEventWritten) await this.#update({ lastEventAt: this.#lastEventAt });
    const finalMessage = outcome.kind === "completed" ? outcome.finalMessage : this.#finalMessage;
    if (finalMessage !== null) this.#folder.writeFinalMessage(finalMessage);
    if (this.#usage !== null) this.#folder.writeUsage(this.#usage);
    const written = await this.#finish({ ...ending, finalMessage, usage: this.#usage });
    if (quotaPauseUntil !== undefined && written) {
      await this.#d.quota.setQuotaPause(quotaPauseUntil, ending.reason ?? "usage limit reached").catch((error: unknown) => {
        this.#log.error({ err: error }, "could not record the usage-limit pause");
      });
    }
    this.#record({
      type: "run.ended",
      data: {
        state: ending.runState,
        taskState: ending.taskState,
        reason: ending.reason ?? null,
        commit: settled.commit,
        written,
        ...(quotaPauseUntil === undefined ? {} : { quotaPauseUntil })
      }
    });
    if (written && ending.taskState === "in_review") {
      this.#record({ type: "task.in_review", data: { round: this.#task.round, commit: settled.commit, branch: this.#workspace?.branch ?? null } });
    }
    this.#writeMeta(ending.runState, { taskState: ending.taskState, reason: ending.reason ?? null, written, endedAt: new Date(now).toISOString(), commit: settled.commit });
    this.#folder.close();
    if (this.#sessionId !== null) {
      await this.#d.codexd.closeSession(this.#sessionId).catch((error: unknown) => {
        this.#log.warn({ err: error, sessionId: this.#sessionId }, "could not close the worker session");
      });
    }
    this.#log.info({ state: ending.runState, taskState: ending.taskState, reason: ending.reason, commit: settled.commit }, "run ended");
    if (written && ending.taskState === "in_review") this.#d.onInReview?.(this.#task, { checksFailing: failingChecks.length > 0 });
  }

  async #finish(ending: Parameters<RunStore["finishRun"]>[1]): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const written = await this.#d.store.finishRun(this.#fence, ending);
        if (!written) {
          this.#d.onStaleWrite?.("finish");
          this.#log.warn({ term: this.#fence.term, state: ending.runState }, "stale end-of-run write changed nothing");
        }
        return written;
      } catch (error) {
        if (attempt >= this.#d.settings.finishAttempts) {
          this.#log.error({ err: error }, "could not record the end of the run; the scheduler's recovery pass will end it");
          return false;
        }
        this.#log.warn({ err: error, attempt }, "end-of-run write failed; trying again");
        await new Promise<void>((resolve) => this.#after(this.#d.settings.finishRetryMs, resolve));
      }
    }
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
    const task = this.#task;
    try {
      this.#folder.writeMeta({
        runId: this.#fence.runId,
        taskId: task.taskId,
        title: task.title,
        attempt: this.#attempt,
        round: task.round,
        owner: this.#fence.owner,
        term: this.#fence.term,
        state,
        startedAt: this.#startedAt,
        sessionId: this.#sessionId,
        threadId: this.#threadId,
        turnId: this.#turnId,
        workspace: this.#workspace,
        cwd: task.cwd,
        model: task.model,
        approvalPolicy: task.approvalPolicy,
        sandbox: task.sandbox,
        ...(ended ?? {})
      });
    } catch (error) {
      this.#log.error({ err: error }, "could not write the run's meta.json");
    }
  }
}
