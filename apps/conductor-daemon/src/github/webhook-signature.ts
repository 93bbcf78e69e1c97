import { Webhooks } from "@octokit/webhooks";

/**
 * Checks `X-Hub-Signature-256` (`sha256=<hex HMAC-SHA256 of the body>`) against the raw body
 * bytes with `@octokit/webhooks` (a constant-time comparison). Bytes that are not valid UTF-8
 * are refused outright: the library signs text, and a body whose bytes do not survive the round
 * trip would be checked against something other than what was received.
 */
export class WebhookSignature {
  readonly #webhooks: Webhooks;

  constructor(secret: string) {
    if (secret === "") throw new TypeError("the webhook secret must not be empty");
    this.#webhooks = new Webhooks({ secret });
  }

  async verify(rawBody: Buffer, header: string | string[] | undefined): Promise<boolean> {
    const signature = Array.isArray(header) ? header[0] : header;
    if (typeof signature !== "string" || !/^sha256=[0-9a-f]{64}$/.test(signature)) return false;
    const text = rawBody.toString("utf8");
    if (!Buffer.from(text, "utf8").equals(rawBody)) return false;
    try {
      return await this.#webhooks.verify(text, signature);
    } catch {
      // The library throws on malformed input; for the route that is simply "not signed by GitHub".
      return false;
    }
  }

  /** `sha256=<hex>` for a body (tests, and the curl example's counterpart). */
  sign(body: string): Promise<string> {
    return this.#webhooks.sign(body);
  }
}
