import { randomUUID } from "node:crypto";
import type { AppServerClient } from "@baa/app-server-client";
import type { v2 } from "@baa/codex-protocol";
import { callAppServer, noActiveTurnOr } from "../child/app-server-errors.js";
import { codexdError } from "../errors.js";
import type { EventLog } from "@baa/event-log";
import { newSession, type CodexdSession } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";
import { isTerminalTurnStatus } from "./notification-effects.js";
import { resumeThread } from "./thread-resume.js";
import { resumeSessions } from "./session-resume.js";
import { threadStartParams } from "./thread-start.js";
import { refuseTurn } from "./turn-admission.js";
import { asStateWriteFailed, requireSaved } from "../state/state-write-failed.js";

export interface CreateSessionInput {
  cwd?: string;
  model?: string;
  purpose?: string;
  approvalPolicy?: v2.AskForApproval;
  sandbox?: v2.SandboxMode;
  baseInstructions?: string;
  developerInstructions?: string;
  /** An existing app-server thread to go on with (`thread/resume`) instead of a new one. */
  threadId?: string;
}

export type TurnInput = string | v2.UserInput[];

export interface SessionOperationsDeps {
  registry: SessionRegistry;
  events: EventLog;
  client: () => AppServerClient | undefined;
  defaultCwd: string;
  now: () => number;
  limits: { maxActiveTurns: number; maxSessions: number; maxClosedSessions: number };
  /** The state files' health: `probe()` retries failing writes now, throwing if they still fail. */
  state: { probe(): Promise<void> };
}

/** Session and turn operations against app-server; each one is recorded as an event. */
export class SessionOperations {
  readonly #d: SessionOperationsDeps;
  /** Threads a session is being opened on right now (between the in-use check and the save). */
  readonly #opening = new Set<string>();

  constructor(deps: SessionOperationsDeps) {
    this.#d = deps;
  }

  /**
   * Opens a session on a new thread (`thread/start`), or with `threadId` on an existing one
   * (`thread/resume`, so the conversation goes on). A thread takes one active session at a time.
   */
  async createSession(input: CreateSessionInput): Promise<CodexdSession> {
    const threadId = input.threadId;
    if (threadId === undefined) return this.#openSession(input);
    this.#refuseThreadInUse(threadId);
    // Held until the session is saved, so a second open of the same thread in between is refused.
    this.#opening.add(threadId);
    try {
      return await this.#openSession(input);
    } finally {
      this.#opening.delete(threadId);
    }
  }

  async #openSession(input: CreateSessionInput): Promise<CodexdSession> {
    const active = this.#d.registry.list().filter((s) => s.status === "active").length;
    if (active >= this.#d.limits.maxSessions) {
      throw codexdError(
        "too_many_requests",
        `codexd holds ${active} active sessions (limit ${this.#d.limits.maxSessions}); close one first`,
        {
          headers: { "retry-after": "30" }
        }
      );
    }
    const client = this.#requireClient();
    // Nothing is started that could not be recorded.
    await requireSaved("the session cannot be saved", () => this.#d.state.probe());
    const cwd = input.cwd ?? this.#d.defaultCwd;
    const resumed = input.threadId !== undefined;
    const opened = resumed
      ? await resumeThread(client, {
          ...input,
          threadId: input.threadId as string,
          approvalPolicy: input.approvalPolicy ?? "never"
        })
      : await callAppServer(() => client.threadStart(threadStartParams({ ...input, cwd })), "thread/start");
    const session = newSession({
      sessionId: `session-${randomUUID()}`,
      threadId: opened.thread.id,
      purpose: input.purpose ?? "duplex",
      cwd: typeof opened.cwd === "string" ? opened.cwd : cwd,
      model: opened.model ?? input.model ?? null,
      modelProvider: opened.modelProvider ?? null,
      approvalPolicy: opened.approvalPolicy ?? input.approvalPolicy ?? "never",
      sandbox: input.sandbox ?? null,
      baseInstructions: input.baseInstructions ?? null,
      developerInstructions: input.developerInstructions ?? null,
      resumed,
      at: this.#at()
    });
    // Keep what the caller asked for where app-server echoes a normalized form.
    if (input.cwd !== undefined) session.cwd = input.cwd;
    await this.#save(session, client);
    this.#d.events.record({
      type: "session.created",
      sessionId: session.sessionId,
      threadId: session.threadId,
      data: { purpose: session.purpose, cwd: session.cwd, model: session.model, resumed }
    });
    return session;
  }

  #refuseThreadInUse(threadId: string): void {
    if (this.#opening.has(threadId)) {
      throw codexdError("thread_in_use", `a session is being opened on thread ${threadId}; use that one`);
    }
    const holder = this.#d.registry.list().find((s) => s.threadId === threadId && s.status === "active");
    if (holder !== undefined) {
      throw codexdError(
        "thread_in_use",
        `thread ${threadId} is in use by active session ${holder.sessionId}; send turns to that session, or close it first`
      );
    }
  }

  async #save(session: CodexdSession, client: AppServerClient): Promise<void> {
    try {
      await this.#d.registry.add(session);
    } catch (error) {
      // Not saved, so not created: app-server may unload the thread.
      this.#d.events.record({
        type: "session.discarded",
        threadId: session.threadId,
        data: { reason: "the session could not be saved" }
      });
      const raw = client as { request?: (method: string, params: unknown) => Promise<unknown> };
      void raw
        .request?.("thread/unsubscribe", { threadId: session.threadId })
        .catch((unsubscribeError: unknown) => {
          this.#d.events.record({
            type: "thread.unsubscribe_failed",
            threadId: session.threadId,
            data: { reason: String(unsubscribeError) }
          });
        });
      asStateWriteFailed(error, "the session could not be saved");
    }
  }

  getSession(sessionId: string): CodexdSession {
    const session = this.#d.registry.get(sessionId);
    if (session === undefined) throw codexdError("session_not_found", `no session ${sessionId}`);
    return session;
  }

  async startTurn(sessionId: string, input: TurnInput): Promise<{ turnId: string; session: CodexdSession }> {
    const session = this.getSession(sessionId);
    refuseTurn(session, this.#d.registry, this.#d.limits.maxActiveTurns);
    const client = this.#requireClient();
    await requireSaved("the turn cannot be recorded", () => this.#d.state.probe());
    const registry = this.#d.registry;
    // Claim the session before the await so a concurrent request sees it busy.
    registry.update(session, (s) => {
      s.activeTurn = { turnId: null, startedAt: this.#at() };
    });
    let response: v2.TurnStartResponse;
    try {
      response = await callAppServer(
        () => client.turnStart({ threadId: session.threadId, input: toUserInput(input) }),
        "turn/start"
      );
    } catch (error) {
      registry.update(session, (s) => {
        s.activeTurn = null;
      });
      throw error;
    }
    const turnId = response.turn.id;
    registry.update(session, (s) => {
      s.turnCount += 1;
      // The turn may already have finished (its notification can beat this answer).
      if (s.lastTurnId === turnId && isTerminalTurnStatus(s.lastTurnStatus)) return;
      s.lastTurnId = turnId;
      s.lastTurnStatus = "inProgress";
      s.lastTurnError = null;
      s.lastTurnStartedAt = s.activeTurn?.startedAt ?? this.#at();
      s.lastTurnCompletedAt = null;
      if (s.activeTurn !== null) s.activeTurn.turnId = turnId;
    });
    await this.#recordAccepted(session, turnId, input, client);
    return { turnId, session };
  }

  /** Records the accepted turn durably; when that fails the turn is stopped and the request fails. */
  async #recordAccepted(
    session: CodexdSession,
    turnId: string,
    input: TurnInput,
    client: AppServerClient
  ): Promise<void> {
    const { sessionId, threadId } = session;
    try {
      // The log is what makes an accepted turn survive a restart (see turn-reconciliation).
      this.#d.events.recordDurably({ type: "turn.accepted", sessionId, threadId, turnId, data: { input } });
    } catch (error) {
      // Not recorded, so not accepted: stop the turn rather than run work nobody can follow.
      await client.turnInterrupt({ threadId, turnId }).catch((interruptError: unknown) => {
        const data = { reason: String(interruptError) };
        this.#d.events.record({ type: "turn.interrupt_failed", sessionId, threadId, turnId, data });
      });
      this.#markInterrupted(session, "the turn could not be recorded (state write failed)");
      asStateWriteFailed(error, "the turn could not be recorded");
    }
  }

  /** Adds input to the running turn (turn/steer); 409 when no turn runs. */
  async steerTurn(sessionId: string, input: TurnInput): Promise<{ turnId: string }> {
    const session = this.getSession(sessionId);
    const turnId = this.#runningTurnId(session);
    const client = this.#requireClient();
    try {
      const result = await client.turnSteer({
        threadId: session.threadId,
        expectedTurnId: turnId,
        input: toUserInput(input)
      });
      this.#d.events.record({
        type: "turn.steered",
        sessionId,
        threadId: session.threadId,
        turnId,
        data: { input }
      });
      return { turnId: result.turnId ?? turnId };
    } catch (error) {
      throw noActiveTurnOr(error, "turn/steer", sessionId);
    }
  }

  /** Asks app-server to stop the running turn; the turn then completes as `interrupted`. */
  async interruptTurn(sessionId: string, expectedTurnId?: string): Promise<{ turnId: string }> {
    const session = this.getSession(sessionId);
    const turnId = this.#runningTurnId(session);
    if (expectedTurnId !== undefined && expectedTurnId !== turnId) {
      throw codexdError(
        "no_turn_in_progress",
        `turn ${expectedTurnId} is not running in session ${sessionId} (running: ${turnId})`
      );
    }
    const client = this.#requireClient();
    try {
      await client.turnInterrupt({ threadId: session.threadId, turnId });
    } catch (error) {
      throw noActiveTurnOr(error, "turn/interrupt", sessionId);
    }
    this.#d.events.record({
      type: "turn.interrupt_requested",
      sessionId,
      threadId: session.threadId,
      turnId
    });
    return { turnId };
  }

  /** No more turns; the session stays in history and is not resumed at restart. */
  async closeSession(sessionId: string): Promise<CodexdSession> {
    const session = this.getSession(sessionId);
    if (session.status === "closed") return session;
    const client = this.#d.client();
    const running = session.activeTurn;
    if (client !== undefined && running?.turnId) {
      const turnId = running.turnId;
      await client.turnInterrupt({ threadId: session.threadId, turnId }).catch((error: unknown) => {
        this.#d.events.record({
          type: "turn.interrupt_failed",
          sessionId,
          threadId: session.threadId,
          turnId,
          data: { reason: String(error) }
        });
      });
    }
    // The thread is unsubscribed below, so its turn/completed may never come: end the turn here.
    if (running !== null) this.#markInterrupted(session, "session closed while the turn was running");
    this.#d.registry.update(
      session,
      (s) => {
        s.status = "closed";
        s.statusReason = "closed by request";
      },
      { urgent: true }
    );
    this.#d.events.record({ type: "session.closed", sessionId, threadId: session.threadId });
    this.#d.registry.pruneInactive(this.#d.limits.maxClosedSessions);
    // Let app-server unload the thread; best effort, the session is closed either way.
    const raw = client as { request?: (method: string, params: unknown) => Promise<unknown> } | undefined;
    await raw?.request?.("thread/unsubscribe", { threadId: session.threadId }).catch((error: unknown) => {
      this.#d.events.record({
        type: "thread.unsubscribe_failed",
        sessionId,
        threadId: session.threadId,
        data: { reason: String(error) }
      });
    });
    return session;
  }

  #runningTurnId(session: CodexdSession): string {
    const turnId = session.activeTurn?.turnId;
    if (session.activeTurn === null) {
      throw codexdError("no_turn_in_progress", `session ${session.sessionId} has no running turn`);
    }
    if (turnId === null || turnId === undefined) {
      throw codexdError(
        "no_turn_in_progress",
        `the turn of session ${session.sessionId} is still starting; retry`,
        {
          headers: { "retry-after": "1" }
        }
      );
    }
    return turnId;
  }

  /**
   * Re-attaches every non-closed session to a fresh app-server (thread/resume). A thread that
   * cannot be resumed marks its session failed with the reason; it is never dropped.
   */
  resumeAll(client: AppServerClient): Promise<{ resumed: number; failed: number }> {
    return resumeSessions(this.#d, client);
  }

  /** Marks every running turn interrupted (the child died or codexd restarted). */
  interruptAllRunning(reason: string): void {
    for (const session of this.#d.registry.list()) {
      if (session.activeTurn === null && session.lastTurnStatus !== "inProgress") continue;
      this.#markInterrupted(session, reason);
    }
  }

  /** Ends the session's running turn as interrupted, with the reason, and says so in the log. */
  #markInterrupted(session: CodexdSession, reason: string): void {
    const turnId = session.activeTurn?.turnId ?? session.lastTurnId;
    this.#d.registry.update(
      session,
      (s) => {
        s.activeTurn = null;
        s.lastTurnId = turnId;
        s.lastTurnStatus = "interrupted";
        s.lastTurnError = reason;
        s.lastTurnCompletedAt = this.#at();
      },
      { urgent: true }
    );
    this.#d.events.record({
      type: "turn.interrupted",
      sessionId: session.sessionId,
      threadId: session.threadId,
      turnId,
      data: { reason }
    });
  }

  #requireClient(): AppServerClient {
    const client = this.#d.client();
    if (client === undefined)
      throw codexdError("child_unavailable", "codex app-server is not running", {
        headers: { "retry-after": "1" }
      });
    return client;
  }

  #at(): string {
    return new Date(this.#d.now()).toISOString();
  }
}

export function toUserInput(input: TurnInput): v2.UserInput[] {
  if (typeof input === "string") return [{ type: "text", text: input, text_elements: [] }];
  return input;
}
