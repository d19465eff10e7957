// The dashboard in real headless Chromium against the real server: sign in
// with a token, create a Sync job through the form, and watch the Job
// Details page reach 100% on both tasks with the seed's success messages.
//
//   node dashboard_test.mjs DOWNHILL_BINARY ARTIFACT_DIR
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [binary, artifacts] = process.argv.slice(2);
const admin = "browser-test-admin-token-of-32-characters-or-more";
const dataDir = mkdtempSync(join(tmpdir(), "downhill-browser-"));
let server;
let browser;

function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(binary, ["serve", "--data-dir", join(dataDir, "var"),
      "--listen", "127.0.0.1:0", "--admin-token", admin,
      "--copy-rate-limit", "4M"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start: " + out)), 30000);
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    server.on("exit", (code) => reject(new Error("server exited " + code)));
  });
}

async function call(base, token, method, path, body) {
  const res = await fetch(base + path, { method, headers: { Authorization: "Bearer " + token,
    "Content-Type": "application/json" }, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(method + " " + path + ": " + res.status + " " + text);
  return text ? JSON.parse(text) : null;
}

async function waitForRun(base, token, id) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const run = await call(base, token, "GET", "/api/v1/orgs/acme/runs/" + id);
    if (run.status !== "running" && run.status !== "queued") return run;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("run " + id + " did not end");
}

function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what);
  console.log("ok - " + what);
}

async function main() {
  const port = await startServer();
  const base = "http://127.0.0.1:" + port;
  await call(base, admin, "POST", "/api/v1/orgs", { name: "acme" });
  const { token } = await call(base, admin, "POST", "/api/v1/orgs/acme/users", { name: "alice" });
  for (let i = 0; i < 16; i++)
    await call(base, token, "PUT", "/api/v1/orgs/acme/environments/main/entries/e" + i,
      { content_type: "article", title: "Entry " + i, body: ("word" + i + " ").repeat(20000) });
  const created = await call(base, token, "POST", "/api/v1/orgs/acme/jobs", { name: "Create Staging",
    type: "create_environment", base_environment: "main", new_environment: "staging", display_name: "Staging" });
  check((await waitForRun(base, token, created.run.id)).status === "succeeded", "staging was created");

  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (e) => console.log("page error: " + e.message));
  await page.goto(base + "/");
  await page.fill("#token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#tabs:not([hidden])");
  check((await page.textContent("#who")).includes("alice"), "signed in as alice");

  await page.click("nav button[data-tab=create]");
  await page.waitForSelector('select[name=base_environment] option[value="main"]', { state: "attached" });
  // Only main's child is offered as a target, with the reason why.
  await page.selectOption("select[name=base_environment]", "main");
  const targets = await page.$$eval("select[name=target_environment] option", (os) => os.map((o) => o.value));
  check(JSON.stringify(targets) === '["staging"]', "the target dropdown offers only main's children");
  await page.fill("input[name=name]", "Synchronize Main with Staging");
  await page.click("#job-form button[type=submit]");
  await page.waitForFunction(() => location.hash.startsWith("#runs/"));
  check(true, "Run Now opened the Job Details page");

  // Both tasks reach 100% and the run succeeds, live.
  await page.waitForFunction(() => {
    const bars = [...document.querySelectorAll(".task progress")];
    return bars.length === 3 && bars.every((b) => Number(b.value) === 100)
      && document.querySelector("#s-status").textContent === "succeeded";
  }, null, { timeout: 60000 });
  check(true, "both tasks reached 100% and the run succeeded");
  for (const summary of await page.$$(".task > summary")) await summary.click();
  const logs = await page.$$eval(".task .logs", (ps) => ps.map((p) => p.textContent).join("\n"));
  for (const message of ["Database data clone progress: ", "Replication completed successfully.",
    "Creating Snapshot Progress: ", "Restoring Snapshot Progress: ", "Indexed Data Synced Successfully"])
    check(logs.includes(message), "the log shows '" + message.trim() + "'");
  const totalLogs = Number(await page.textContent("#s-logs"));
  const runId = (await page.evaluate(() => location.hash)).slice(6);
  const run = await call(base, token, "GET", "/api/v1/orgs/acme/runs/" + runId);
  check(totalLogs === run.total_logs && totalLogs > 0, "Total Logs matches the run (" + totalLogs + ")");
  check((await page.textContent("#s-created-by")) === "alice", "Created By shows alice");

  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "job-details-desktop.png"), fullPage: true });
  console.log("screenshot: " + join(artifacts, "job-details-desktop.png"));

  // The Jobs tab follows the organization's stream: a run submitted
  // elsewhere shows up well before the fallback poll (15 s).
  await page.click("nav button[data-tab=jobs]");
  await page.waitForSelector("#runs tr");
  const other = await call(base, token, "POST", "/api/v1/orgs/acme/jobs", { name: "From the API",
    type: "sync_environments", base_environment: "main", target_environment: "staging" });
  await page.waitForFunction((id) => [...document.querySelectorAll("#runs tr td:first-child")]
    .some((td) => td.textContent === "#" + id), other.run.id, { timeout: 8000 });
  check(true, "the Jobs tab showed a new run live");

}

let failed = 0;
try {
  await main();
} catch (e) {
  failed = 1;
  console.error(e.stack || e);
} finally {
  if (browser) await browser.close();
  if (server) server.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
}
console.log((1 - failed) + " passed, " + failed + " failed");
process.exit(failed);
