// What the browser tests share: the real server on a loopback port, the API
// over real HTTP, Debian's Chromium through playwright-core, and screenshots
// named per view and viewport.
//
// Each test file is run as `node FILE.mjs DOWNHILL_BINARY ARTIFACT_DIR`.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const [binary, artifacts] = process.argv.slice(2);
export const admin = "browser-test-admin-token-of-32-characters-or-more";
export const viewports = { desktop: { width: 1280, height: 800 }, mobile: { width: 390, height: 844 } };

const dataDir = mkdtempSync(join(tmpdir(), "downhill-browser-"));
let server = null;
let browser = null;

// Starts the server (again, on the same port and data, after stopServer).
export function startServer(port = 0, rate = "4M") {
  return new Promise((resolve, reject) => {
    server = spawn(binary, ["serve", "--data-dir", join(dataDir, "var"),
      "--listen", "127.0.0.1:" + port, "--admin-token", admin,
      "--copy-rate-limit", rate], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start: " + out)), 30000);
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    server.on("exit", (code) => { clearTimeout(timer); reject(new Error("server exited " + code)); });
  });
}

export function stopServer() {
  return new Promise((resolve) => {
    if (!server) return resolve();
    const s = server;
    server = null;
    s.removeAllListeners("exit");
    s.on("exit", () => resolve());
    s.kill("SIGKILL");
  });
}

export async function call(base, token, method, path, body) {
  const res = await fetch(base + path, { method, headers: { Authorization: "Bearer " + token,
    "Content-Type": "application/json" }, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(method + " " + path + ": " + res.status + " " + text);
  return text ? JSON.parse(text) : null;
}

// Polls with a deadline until `probe` answers something truthy.
export async function until(what, probe, ms = 60000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out waiting for " + what);
}

export const runPath = (id) => "/api/v1/orgs/acme/runs/" + id;
export function waitForRun(base, token, id) {
  return until("run " + id + " to end", async () => {
    const run = await call(base, token, "GET", runPath(id));
    return run.status !== "running" && run.status !== "queued" ? run : null;
  });
}

export function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what);
  console.log("ok - " + what);
}

// The server, the organization acme with user alice, and `entries` entries
// of ~100 KiB in main (more entries: longer copies).
export async function setUp({ entries = 0, rate = "4M" } = {}) {
  const port = await startServer(0, rate);
  const base = "http://127.0.0.1:" + port;
  await call(base, admin, "POST", "/api/v1/orgs", { name: "acme" });
  const { token } = await call(base, admin, "POST", "/api/v1/orgs/acme/users", { name: "alice" });
  for (let i = 0; i < entries; i++)
    await call(base, token, "PUT", "/api/v1/orgs/acme/environments/main/entries/e" + i,
      { content_type: "article", title: "Entry " + i, body: ("word" + i + " ").repeat(20000) });
  return { port, base, token };
}

export async function createEnvironment(base, token, alias, parent = "main") {
  const created = await call(base, token, "POST", "/api/v1/orgs/acme/jobs", { name: "Create " + alias,
    type: "create_environment", base_environment: parent, new_environment: alias, display_name: alias[0].toUpperCase() + alias.slice(1) });
  return waitForRun(base, token, created.run.id);
}

export async function launch() {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  return browser;
}

// A signed-in page; `options` go to the browser context (viewport, zone, ...).
export async function signedInPage(base, token, viewport = "desktop", options = {}) {
  const context = await browser.newContext({ viewport: viewports[viewport], ...options });
  const page = await context.newPage();
  page.viewportName = viewport;
  page.errors = [];
  page.on("pageerror", (e) => { page.errors.push(e.message); console.log("page error: " + e.message); });
  await page.goto(base + "/");
  await page.fill("#token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#tabs:not([hidden])");
  return page;
}

export async function shoot(page, view) {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, view + "-" + (page.viewportName || "desktop") + ".png");
  await page.screenshot({ path, fullPage: true });
  console.log("screenshot: " + path);
}

// Runs `main` and cleans up; exits non-zero on any failure.
export async function run(main) {
  let failed = 0;
  try {
    await main();
  } catch (e) {
    failed = 1;
    console.error(e.stack || e);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopServer();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log((1 - failed) + " passed, " + failed + " failed");
  process.exit(failed);
}
