import type { ControlStore } from "@baa/control-store";
import type { LeaseKeeper } from "./leadership/lease-keeper.js";
import type { SystemModes } from "./system/system-modes.js";

/** The durable side of a conductor the runtime hands the HTTP app: store, lease, system mode. */
export interface ControlPlane {
  /** Guarded: calls give up in time and an unreachable store is a StoreUnavailableError. */
  store: ControlStore;
  lease: LeaseKeeper;
  system: SystemModes;
}
