// What the conductor runtime wires at start: the parts of a node, the HTTP app over them and the
// background loops they run (runtime.ts opens them in order and closes them in reverse).
import { join } from "node:path";
import type { ClockTimers } from "@baa/clock";
import type { ControlStore } from "@baa/control-store";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createConductorApp } from "./app.js";
import type { ClusterNode } from "./cluster/cluster-node.js";
import type { CodexdClient } from "./codexd/codexd-client.js";
import type { ConductorConfig } from "./config.js";
import type { ControlPlane } from "./control-plane.js";
import type { GitHubService } from "./github/github-service.js";
import type { LeaseKeeper } from "./leadership/lease-keeper.js";
import type { ConductorMetrics } from "./metrics/conductor-metrics.js";
import type { NodeMetrics } from "./metrics/node-metrics.js";
import type { NotificationDispatcher } from "./notifications/notification-dispatcher.js";
import type { ConductorRuntimeOptions } from "./runtime-types.js";
import type { ScheduleLoop } from "./schedules/schedule-loop.js";
import type { SystemModes } from "./system/system-modes.js";
import type { TaskEngine } from "./tasks/task-engine.js";

/** One thing start opened, with how to close it. */
export interface Closer {
  what: string;
  close: () => Promise<void>;
}

/** What of the runtime the app needs besides the parts. */
export interface WiringHost {
  config: ConductorConfig;
  logger: Logger;
  options: ConductorRuntimeOptions;
}

/** What #start opened and wired before the task engine: the store, codexd, the lease, the cluster. */
export interface NodeParts {
  store: ControlStore;
  codexd: CodexdClient;
  sharedToken: string;
  timers: ClockTimers;
  control: ControlPlane;
  system: SystemModes;
  lease: LeaseKeeper;
  metrics: ConductorMetrics;
  nodeMetrics: NodeMetrics;
  cluster: ClusterNode;
  own: ReturnType<ClusterNode["schedulerSide"]>;
}

/** The task engine and the services around it. */
export interface NodeServices {
  tasks: TaskEngine;
  github: GitHubService | undefined;
  schedules: ScheduleLoop;
  notifications: NotificationDispatcher;
}

/** The node's HTTP app over the parts and services #start wired. */
export function createNodeApp(host: WiringHost, node: NodeParts, services: NodeServices): FastifyInstance {
  const { config, logger, options } = host;
  const { store, system, cluster, own } = node;
  const { tasks, github } = services;
  return createConductorApp({
    config,
    sharedToken: node.sharedToken,
    logger,
    codexd: node.codexd,
    control: node.control,
    metrics: node.metrics,
    schedules: services.schedules,
    notifications: () => store.notificationStats(),
    node: {
      ...(own === undefined ? {} : { claimer: own.leadership }),
      self: { nodeId: config.nodeId, noteDraining: (draining) => cluster.keeper.noteDraining(draining) }
    },
    tasks: {
      events: tasks.events,
      scheduler: tasks.scheduler,
      checkWorkspace: (cwd, workspace) => tasks.workspaces.problemWith(cwd, workspace),
      systemMode: () => system.cached()?.mode ?? null,
      runFolder: (run) => (run.owner === config.nodeId ? join(config.paths.runsDir, run.runId) : null),
      review: tasks.review
    },
    ...(github === undefined ? {} : { github }),
    ...(options.isTrustedAddress === undefined ? {} : { isTrustedAddress: options.isTrustedAddress })
  });
}

/** Starts the background loops; each one's closer is pushed so they stop in reverse order. */
export function startNodeLoops(node: NodeParts, services: NodeServices, closers: Closer[]): void {
  const { system, lease, cluster } = node;
  const { tasks, github, schedules, notifications } = services;
  system.start();
  closers.push({ what: "system mode refresh", close: () => system.stop() });
  lease.start();
  closers.push({ what: "lease keeper", close: () => lease.stop() });
  // Stopped after the scheduler: local runs end while their leases are still renewed.
  cluster.keeper.start();
  closers.push({ what: "node keeper", close: () => cluster.keeper.stop() });
  // Stopped before the lease is released: local runs are abandoned while this node still holds it.
  tasks.start();
  closers.push({ what: "task scheduler", close: () => tasks.stop() });
  const sweeper = cluster.sweeper;
  if (sweeper !== null) {
    sweeper.start();
    closers.push({ what: "run-lease sweeper", close: () => sweeper.stop() });
  }
  if (github !== undefined) {
    github.start();
    closers.push({ what: "github intake", close: () => github.stop() });
  }
  // Stopped before the lease is released, like the claim loop: a fire is the leader's alone.
  schedules.start();
  closers.push({ what: "schedule loop", close: () => schedules.stop() });
  notifications.start();
  closers.push({ what: "notification dispatcher", close: () => notifications.stop() });
}
