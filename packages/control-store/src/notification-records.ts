/** One delivery (an event to one URL) claimed by a dispatcher for one attempt. */
export interface ClaimedNotification {
  /** Sent as `X-Baa-Delivery`: the same on every attempt. */
  deliveryId: string;
  taskId: string;
  /** `task.in_review`, `task.succeeded`, … */
  event: string;
  url: string;
  /** The exact bytes to send and sign. */
  body: string;
  /** Attempts so far, this one included. */
  attempts: number;
  /** After this (ISO) no attempt is made. */
  giveUpAt: string;
  /** Names this claim; settling with another token (a claim that expired and was taken again) changes nothing. */
  leaseToken: string;
}

/** How an attempt ended: delivered, try again at `nextAttemptAt`, or given up. */
export type NotificationAttempt =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; status: number | null; error: string; nextAttemptAt: string }
  | { kind: "failed"; status: number | null; error: string };

export interface NotificationFailure {
  deliveryId: string;
  taskId: string;
  event: string;
  url: string;
  attempts: number;
  status: number | null;
  error: string;
  at: string;
}

export interface NotificationStats {
  /** Deliveries still to be made (including those waiting for a retry) and events not yet turned into deliveries. */
  pending: number;
  delivered: number;
  failed: number;
  /** The latest attempt that did not deliver (a retry or a give-up), or null. */
  lastFailure: NotificationFailure | null;
}
