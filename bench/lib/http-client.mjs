import http from "node:http";

// The bench measures the services, not a client library: node's http client over one
// keep-alive connection costs far less per call than fetch, like the raw driver of the baseline.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs JSON and resolves to {status, body}. */
export function postJson(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode, body: JSON.parse(text) });
          } catch (error) {
            reject(error);
          }
        });
      }
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

export function closeClient() {
  agent.destroy();
}
