import { createHmac } from "node:crypto";

/** `X-Baa-Signature`: `sha256=` and the hex HMAC-SHA256 of the exact body bytes. */
export function notificationSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** The headers of one attempt; no signature header when no secret is set. */
export function notificationHeaders(
  delivery: { deliveryId: string; event: string; body: string },
  secret: string | undefined
): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "baa-conductor-notify",
    "x-baa-delivery": delivery.deliveryId,
    "x-baa-event": delivery.event,
    ...(secret === undefined ? {} : { "x-baa-signature": notificationSignature(secret, delivery.body) })
  };
}
