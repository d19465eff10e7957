// Robustness in real Chromium: an unknown run shows a not-found page; while
// the server is down a banner says so and the page recovers by itself once
// it is back; Total Logs follows the log live; elapsed time is the same live
// and after a reload; a cancelled run's tasks show as cancelled.
//
//   node robustness_test.mjs DOWNHILL_BINARY ARTIFACT_DIR
import { call, check, createEnvironment, launch, run, runPath, setUp, shoot, signedInPage,
  startServer, stopServer, until, waitForRun } from "./support.mjs";

const sync = { name: "Synchronize Main with Staging", type: "sync_environments",
  base_environment: "main", target_environment: "staging" };

run(async () => {
  const { port, base, token } = await setUp({ entries: 16 });
  check((await createEnvironment(base, token, "staging")).status === "succeeded", "staging was created");
  await launch();
  const page = await signedInPage(base, token, "desktop");

  // Total Logs never trails the log lines on screen, at any moment.
  const first = await call(base, token, "POST", "/api/v1/orgs/acme/jobs", sync);
  await page.evaluate((id) => { location.hash = "runs/" + id; }, first.run.id);
  await page.waitForSelector("#s-status.running, #s-status.succeeded");
  await page.evaluate(() => {
    window.logLag = [];
    new MutationObserver(() => {
      const shown = document.querySelectorAll(".task .logs > div").length;
      const total = Number(document.querySelector("#s-logs").textContent);
      if (total < shown) window.logLag.push(total + " < " + shown);
    }).observe(document.querySelector("#tasks"), { childList: true, subtree: true });
  });
  await page.waitForFunction(() => document.querySelector("#s-status").textContent === "succeeded", null, { timeout: 60000 });
  const finalRun = await waitForRun(base, token, first.run.id);
  check((await page.evaluate(() => window.logLag)).length === 0, "Total Logs was never behind the log lines shown");
  await until("the last log line", () => page.evaluate((n) => document.querySelectorAll(".task .logs > div").length === n, finalRun.total_logs), 5000);
  check(Number(await page.textContent("#s-logs")) === finalRun.total_logs, "Total Logs ends at the run's total (" + finalRun.total_logs + ")");

  // Elapsed time: the same number live and after a reload.
  const liveElapsed = await page.textContent("#s-elapsed");
  await page.reload();
  await page.waitForFunction(() => document.querySelector("#s-status").textContent === "succeeded");
  const reloadedElapsed = await page.textContent("#s-elapsed");
  check(liveElapsed === reloadedElapsed, "elapsed time is the same live and after a reload (" + liveElapsed + " / " + reloadedElapsed + ")");
  check(/\b(UTC|GMT)/.test(await page.textContent("#s-times")), "the run's times are labelled with their zone");

  // A run cancelled while the page watches: its unfinished tasks say cancelled.
  const second = await call(base, token, "POST", "/api/v1/orgs/acme/jobs", sync);
  await page.evaluate((id) => { location.hash = "runs/" + id; }, second.run.id);
  await page.waitForFunction(() => Number(document.querySelector("#s-logs").textContent) > 0);
  await call(base, token, "POST", runPath(second.run.id) + "/cancel");
  const cancelled = await waitForRun(base, token, second.run.id);
  check(cancelled.status === "cancelled", "the second run was cancelled");
  await page.waitForFunction(() => document.querySelector("#s-status").textContent === "cancelled", null, { timeout: 10000 });
  const expected = Object.fromEntries(cancelled.tasks.map((t) => [t.name, t.status]));
  const taskStatus = () => page.$$eval(".task", (boxes) => Object.fromEntries(boxes.map((b) => [b.dataset.name, b.dataset.status])));
  let shown = await taskStatus();
  check(JSON.stringify(shown) === JSON.stringify(expected) && Object.values(shown).includes("cancelled"),
    "live, the tasks show the stored statuses " + JSON.stringify(expected));
  check((await page.$$eval(".task-status", (s) => s.map((x) => x.textContent))).every((t) => !t.includes("running")), "no task of the cancelled run says running");
  await shoot(page, "job-details-cancelled");
  await page.reload();
  await page.waitForFunction(() => document.querySelector("#s-status").textContent === "cancelled");
  shown = await taskStatus();
  check(JSON.stringify(shown) === JSON.stringify(expected), "after a reload, the same task statuses");

  // An unknown run, opened right after a real one: a not-found page, not
  // the previous run, and no script error.
  const errorsBefore = page.errors.length;
  await page.evaluate(() => { location.hash = "runs/999999"; });
  await page.waitForSelector("#notfound:not([hidden])");
  check(await page.isHidden("#details"), "the details of the previous run are gone");
  check((await page.textContent("#notfound-text")).includes("999999"), "the not-found page names the run");
  check((await page.title()).startsWith("Not found"), "the page title says not found");
  await page.evaluate(() => { location.hash = "runs/abc"; });
  await page.waitForFunction(() => document.querySelector("#notfound-text").textContent.includes("abc"));
  check(page.errors.length === errorsBefore, "no script error on unknown runs");
  await shoot(page, "run-not-found");

  // The server goes away: a banner; it comes back: the page recovers alone.
  await page.evaluate(() => { location.hash = "jobs"; });
  await page.waitForSelector("#runs tr");
  await stopServer();
  await page.waitForSelector("#banner:not([hidden])", { timeout: 10000 });
  check(true, "a banner says the server cannot be reached");
  await shoot(page, "api-down-banner");
  await startServer(port);
  await page.waitForSelector("#banner", { state: "hidden", timeout: 15000 });
  check(true, "the banner went away by itself once the server was back");
  const third = await call(base, token, "POST", "/api/v1/orgs/acme/jobs", { ...sync, name: "After the outage" });
  await page.waitForFunction((id) => !!document.querySelector('#runs tr[data-run="' + id + '"]'), third.run.id, { timeout: 8000 });
  check(true, "the Jobs tab follows new runs again without a reload");
  await waitForRun(base, token, third.run.id);
});
