// The Node peer of the ingest benchmark: npm @octokit/webhooks verifying
// and parsing the same signed deliveries (Webhooks.verifyAndReceive).
//
// Usage: node octokit_webhooks_peer.js <deliveries.json> <seconds>
// deliveries.json: [{ "id", "name", "signature", "payload" (string) }],
// signed with the secret "bench-secret". Prints one JSON line.
"use strict";

const fs = require("node:fs");

async function main() {
  const { Webhooks } = await import("@octokit/webhooks");
  const [file, seconds] = process.argv.slice(2);
  const deliveries = JSON.parse(fs.readFileSync(file, "utf8"));
  const webhooks = new Webhooks({ secret: "bench-secret" });
  let handled = 0;
  webhooks.onAny(() => {
    handled += 1;
  });
  const run = async (deadline) => {
    let done = 0;
    while (Date.now() < deadline) {
      for (const d of deliveries) {
        await webhooks.verifyAndReceive({
          id: d.id,
          name: d.name,
          signature: d.signature,
          payload: d.payload,
        });
        done += 1;
      }
    }
    return done;
  };
  await run(Date.now() + 1000); // warm-up
  handled = 0;
  const started = process.hrtime.bigint();
  const done = await run(Date.now() + Number(seconds) * 1000);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  if (handled !== done) {
    throw new Error(`handled ${handled} of ${done}`);
  }
  console.log(JSON.stringify({ deliveries: done, seconds: elapsed, per_second: done / elapsed }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
