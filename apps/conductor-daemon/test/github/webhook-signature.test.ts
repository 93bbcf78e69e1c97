import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import test from "node:test";
import { decideAccess, createGuardPolicy } from "@baa/http-guard";
import { WebhookSignature } from "../../src/github/webhook-signature.js";
import { SIGNED_ROUTES } from "../../src/auth.js";

const SECRET = "It's a Secret to Everybody";
const hmac = (body: Buffer | string, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

test("a signature over the exact body bytes with the secret verifies; anything else does not", async () => {
  const signature = new WebhookSignature(SECRET);
  const body = Buffer.from('{"action":"opened","zeta":"é"}');
  assert.equal(await signature.verify(body, hmac(body)), true);
  assert.equal(await signature.verify(body, [hmac(body)]), true, "a repeated header: the first one");
  assert.equal(await signature.verify(body, undefined), false, "unsigned");
  assert.equal(await signature.verify(body, ""), false);
  assert.equal(await signature.verify(body, hmac(body, "another secret")), false, "wrong secret");
  assert.equal(
    await signature.verify(Buffer.from('{"action":"closed","zeta":"é"}'), hmac(body)),
    false,
    "another body"
  );
  assert.equal(
    await signature.verify(Buffer.from(`${body.toString()} `), hmac(body)),
    false,
    "one byte more"
  );
  assert.equal(await signature.verify(body, hmac(body).replace("sha256=", "sha1=")), false, "not sha256");
  assert.equal(await signature.verify(body, `${hmac(body)}00`), false, "too long");
  // Bytes that are not UTF-8 cannot be checked as text: refused even with a matching HMAC.
  const invalid = Buffer.from([0x7b, 0xff, 0x7d]);
  assert.equal(await signature.verify(invalid, hmac(invalid)), false);
  assert.equal(await signature.sign("abc"), hmac("abc"));
  assert.throws(() => new WebhookSignature(""), TypeError);
});

test("the browser guard passes exactly the signed route and nothing near it", () => {
  const policy = createGuardPolicy({
    listen: { host: "127.0.0.1", port: 4317 },
    openPaths: new Set(["/healthz"]),
    selfAuthenticating: SIGNED_ROUTES,
    auth: { isTrustedPeer: () => false, hasValidToken: () => false },
    interfaceAddresses: () => []
  });
  const ask = (method: string, path: string, headers: Record<string, string> = {}) =>
    decideAccess(
      {
        method,
        path,
        remoteAddress: "203.0.113.9",
        headers: { host: "evil.example", origin: "https://evil.example", ...headers }
      },
      policy
    ).action;
  assert.equal(ask("POST", "/v1/hooks/github"), "allow", "the route checks the signature itself");
  assert.equal(ask("GET", "/v1/hooks/github"), "refuse");
  assert.equal(ask("POST", "/v1/hooks/github/"), "refuse");
  assert.equal(ask("POST", "/v1/hooks/gitlab"), "refuse");
  assert.equal(ask("POST", "/v1/tasks"), "refuse");
  assert.equal(
    ask("OPTIONS", "/v1/hooks/github", { "access-control-request-method": "POST" }),
    "refuse",
    "no preflight is answered for a page"
  );
});
