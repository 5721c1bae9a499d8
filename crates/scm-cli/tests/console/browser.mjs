// The console's browser checks, run by tests/console_browser.rs against a
// real `scm serve` and `scm worker` (see that file for the set-up and the
// environment it passes). Every check that passes is counted; the last
// line printed is `console: N browser checks passed`. Any failure throws.
import { createHmac, randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env("CONSOLE_BASE");
const SHOTS = env("SCREENSHOTS");
const secrets = [
  env("ADMIN_TOKEN"),
  env("GITHUB_WEBHOOK_SECRET"),
  env("GITLAB_WEBHOOK_SECRET"),
  env("LISTENER_SECRET"),
  ...env("PROVIDER_TOKENS").split(","),
];

let passed = 0;
function check(what, ok) {
  if (!ok) throw new Error(`check failed: ${what}`);
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function eventually(what, probe, seconds = 40) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await sleep(250);
  }
}

// The two listeners: `steady` answers 204; `flaky` answers 500 while
// `flakyFails` is set. Each records the delivery ids it accepted.
const received = { steady: [], flaky: [] };
let flakyFails = true;
function listen(name, port) {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (name === "flaky" && flakyFails) {
        res.writeHead(500).end("failing on purpose");
        return;
      }
      try {
        received[name].push(JSON.parse(body).delivery_id);
      } catch {
        received[name].push("?");
      }
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
const servers = [
  await listen("steady", Number(env("STEADY_PORT"))),
  await listen("flaky", Number(env("FLAKY_PORT"))),
];

async function postWebhook(provider, headers, body) {
  const response = await fetch(`${BASE}/webhooks/${provider}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return response.status;
}

/// `scm client get_repository` with a key; its combined output.
async function rpc(keyId, secret) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      env("SCM_BIN"),
      ["client", "get_repository", "--server", BASE, "--key-id", keyId,
       "--org", env("ORG"), "--repo", env("REPO"), "--referrer", env("REFERRER")],
      { env: { ...process.env, SCM_CLIENT_SECRET: secret } },
    );
    return stdout + stderr;
  } catch (err) {
    return `${err.stdout}${err.stderr}`;
  }
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const pages = new Map(); // name → HTML as served, for the secrets check
async function visit(name, url) {
  const response = await page.goto(`${BASE}${url}`);
  check(`${name} answers 200`, response.status() === 200);
  await snapshot(name);
}
async function snapshot(name) {
  pages.set(name, await page.content());
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

try {
  // Log in: a wrong token is refused, the admin token opens a session.
  await page.goto(`${BASE}/console`);
  check("an anonymous visit lands on the login page", page.url().endsWith("/console/login"));
  await snapshot("login");
  await page.getByLabel("Admin token").fill("not-the-token");
  await page.getByRole("button", { name: "Log in" }).click();
  check("a wrong token is refused", await page.getByRole("alert").isVisible());
  await page.getByLabel("Admin token").fill(env("ADMIN_TOKEN"));
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  const cookie = (await context.cookies()).find((c) => c.name === "scm_console");
  check("the session cookie is HttpOnly and SameSite=Strict",
    cookie && cookie.httpOnly && cookie.sameSite === "Strict");
  secrets.push(cookie.value);

  // Signed webhooks from both providers, through the ingress.
  const githubBody = readFileSync(env("GITHUB_PAYLOAD"));
  const githubDelivery = randomUUID();
  const status = await postWebhook("github", {
    "x-github-event": env("GITHUB_EVENT"),
    "x-github-delivery": githubDelivery,
    "x-hub-signature-256": "sha256=" +
      createHmac("sha256", env("GITHUB_WEBHOOK_SECRET")).update(githubBody).digest("hex"),
  }, githubBody);
  check("the GitHub webhook is accepted", status >= 200 && status < 300);
  const gitlabDelivery = randomUUID();
  const gitlabStatus = await postWebhook("gitlab", {
    "x-gitlab-event": "Merge Request Hook",
    "x-gitlab-event-uuid": gitlabDelivery,
    "x-gitlab-token": env("GITLAB_WEBHOOK_SECRET"),
  }, readFileSync(env("GITLAB_PAYLOAD")));
  check("the GitLab webhook is accepted", gitlabStatus >= 200 && gitlabStatus < 300);
  await eventually("steady receives both deliveries", () =>
    received.steady.includes(githubDelivery) && received.steady.includes(gitlabDelivery));
  check("the steady listener received both events", true);

  // The flaky listener fails twice: a dead letter, replayed from the console.
  await page.goto(`${BASE}/console/dead-letters`);
  const row = page.locator("tr", { hasText: githubDelivery });
  await eventually("the dead letter in the console", async () => {
    await page.reload();
    return (await row.count()) === 1;
  });
  check("the failed delivery is listed as a dead letter of flaky",
    (await row.textContent()).includes("flaky"));
  await snapshot("dead-letters");
  flakyFails = false;
  await row.getByRole("button", { name: "Replay" }).click();
  check("the replay is confirmed", (await page.getByRole("status").textContent()).includes("1 replayed"));
  await eventually("flaky receives the replayed delivery", () => received.flaky.includes(githubDelivery));
  check("the replayed delivery reached its listener", true);
  await page.goto(`${BASE}/console/dead-letters`);
  check("no dead letter is left", (await page.locator("tr", { hasText: githubDelivery }).count()) === 0);

  // Deliveries: both webhooks with their listeners' outcomes.
  await eventually("both deliveries in the history", async () => {
    await page.goto(`${BASE}/console/deliveries`);
    const html = await page.content();
    return html.includes(githubDelivery) && html.includes(gitlabDelivery);
  });
  check("the deliveries page lists the GitHub and GitLab deliveries", true);
  await snapshot("deliveries");
  await page.locator("a", { hasText: githubDelivery }).first().click();
  await page.getByRole("heading", { name: /Delivery/ }).first().waitFor();
  await eventually("flaky delivered after the replay", async () => {
    await page.reload();
    const text = await page.locator("[data-listener-row=flaky]").textContent();
    return text.includes("delivered");
  });
  check("the delivery page shows flaky delivered after the replay", true);
  const steadyRow = await page.locator("[data-listener-row=steady]").textContent();
  check("the delivery page shows steady delivered", steadyRow.includes("delivered"));
  check("the delivery page shows the neutral event JSON", (await page.locator("pre.event").textContent()).includes(githubDelivery));
  await snapshot("delivery");
  // What a 1280x800 window shows of it (the README's picture).
  await page.screenshot({ path: path.join(SHOTS, "delivery-window.png") });

  // A client key created in the console: its secret is shown once.
  await page.goto(`${BASE}/console/keys`);
  await page.getByLabel("Name").fill("browser");
  await page.getByLabel(/Organizations/).fill(env("ORG"));
  await page.getByLabel(/Referrers/).fill(env("REFERRER"));
  await page.getByRole("button", { name: "Create key" }).click();
  const keySecret = await page.locator("#created-secret").inputValue();
  const keyId = (await page.locator("#created-title").textContent()).match(/key_[0-9a-f]+/)[0];
  check("a new key's secret is shown once", keySecret.length === 64);
  await page.goto(`${BASE}/console/keys`);
  check("the keys page does not show it again", !(await page.content()).includes(keySecret));
  secrets.push(keySecret);

  // Quota use moves with RPC calls made with that key.
  const usedBefore = async () => {
    await page.goto(`${BASE}/console/quotas`);
    const cells = page.locator(`tr:has(td:text-is("${env("REFERRER")}")) [data-used]`);
    return (await cells.count()) ? Number(await cells.first().textContent()) : 0;
  };
  const before = await usedBefore();
  const first = await rpc(keyId, keySecret);
  check("an RPC call with the new key reaches the provider", first.includes("resource_not_found"));
  await rpc(keyId, keySecret);
  const after = await usedBefore();
  check(`the referrer's quota use moved (${before} -> ${after})`, after >= before + 2);
  await snapshot("quotas");

  // Revoked in the console: the next call is refused.
  await page.goto(`${BASE}/console/keys`);
  await page.getByRole("button", { name: `Revoke ${keyId}` }).click();
  check("the revocation is confirmed", (await page.getByRole("status").textContent()).includes("revoked"));
  const refused = await rpc(keyId, keySecret);
  check("the next RPC call with the revoked key is refused", refused.includes("rpc_invalid_signature"));

  // Every page, at 1280x800, with a screenshot.
  for (const [name, url] of [
    ["overview", "/console"],
    ["listeners", "/console/listeners"],
    ["integrations", "/console/integrations"],
    ["repositories", "/console/repositories"],
    ["keys", "/console/keys"],
    ["webhook-secrets", "/console/webhook-secrets"],
    ["capabilities", "/console/capabilities"],
  ]) {
    await visit(name, url);
  }
  check("the overview shows the registry answering", pages.get("overview").includes("Registry database"));

  // Keyboard: the first Tab reaches the skip link, which moves focus to main.
  await page.goto(`${BASE}/console`);
  await page.keyboard.press("Tab");
  check("the first Tab focuses the skip link",
    (await page.evaluate(() => document.activeElement.textContent)).includes("Skip to content"));
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input:not([type=hidden]), select")]
      .filter((el) => !el.labels || el.labels.length === 0).length);
  check("every control of the overview is labelled", unlabelled === 0);
  await page.goto(`${BASE}/console/keys`);
  const keysUnlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input:not([type=hidden]), select")]
      .filter((el) => !el.labels || el.labels.length === 0).length);
  check("every control of the keys page is labelled", keysUnlabelled === 0);

  // A narrow window: no horizontal scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const url of ["/console", "/console/dead-letters", "/console/keys"]) {
    await page.goto(`${BASE}${url}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(`${url} fits a 390px window`, overflow <= 1);
  }
  await page.goto(`${BASE}/console`);
  await page.screenshot({ path: path.join(SHOTS, "overview-narrow.png"), fullPage: true });

  // No secret of the run in any page's HTML.
  for (const [name, html] of pages) {
    for (const secret of secrets) {
      if (html.includes(secret)) throw new Error(`${name} shows a secret`);
    }
  }
  check(`no secret appears in the ${pages.size} pages' HTML`, true);

  // Logging out ends the session.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.goto(`${BASE}/console/keys`);
  check("after logout the console asks for the token again", page.url().endsWith("/console/login"));
} finally {
  await browser.close();
  for (const server of servers) server.close();
}
console.log(`console: ${passed} browser checks passed`);
