// Acting on runs in real Chromium: Cancel a running run from the Jobs tab
// and a queued one from its page (each says the run's state after it),
// Re-run a finished run, Run now a recurring job.
//
//   node run_actions_test.mjs DOWNHILL_BINARY ARTIFACT_DIR
import { call, check, createEnvironment, launch, run, runPath, setUp, shoot, signedInPage,
  until, waitForRun } from "./support.mjs";

const sync = { name: "Synchronize Main with Staging", type: "sync_environments",
  base_environment: "main", target_environment: "staging" };
const org = "/api/v1/orgs/acme";
const statusCell = (page, id) => page.textContent('#runs tr[data-run="' + id + '"] td.status');

run(async () => {
  // A slow copy rate keeps runs running long enough to act on them.
  const { base, token } = await setUp({ entries: 16, rate: "1M" });
  check((await createEnvironment(base, token, "staging")).status === "succeeded", "staging was created");
  await launch();
  const page = await signedInPage(base, token, "desktop");

  // Cancel, from the running run's row in the Jobs tab.
  const a = (await call(base, token, "POST", org + "/jobs", sync)).run;
  await page.waitForSelector('#runs tr[data-run="' + a.id + '"] .row-actions button:text("Cancel")');
  await shoot(page, "jobs-running");
  await page.click('#runs tr[data-run="' + a.id + '"] .row-actions button');
  await page.waitForFunction((id) => document.querySelector("#runs-message").textContent === "Run #" + id + " is cancelled.", a.id, { timeout: 30000 });
  check(true, "Cancel in the Jobs tab says the run's state after it (cancelled)");
  check((await call(base, token, "GET", runPath(a.id))).status === "cancelled", "the API agrees: run #" + a.id + " is cancelled");
  await page.waitForFunction((id) => document.querySelector('#runs tr[data-run="' + id + '"] td.status').textContent === "cancelled", a.id);
  check(await page.isVisible('#runs tr[data-run="' + a.id + '"] button:text("Re-run")'), "the cancelled row now offers Re-run instead of Cancel");
  check(!(await page.evaluate(() => location.hash)).startsWith("#runs/"), "clicking the row's button did not open the run");

  // Cancel a queued run from its page: a recurring firing waits behind a
  // running manual run.
  const b = (await call(base, token, "POST", org + "/jobs", { ...sync, name: "Long manual run" })).run;
  const recurring = (await call(base, token, "POST", org + "/jobs", { ...sync, name: "Every second",
    schedule: { kind: "interval", every_seconds: 1 } })).job;
  const queued = await until("a queued run of the recurring job", async () =>
    (await call(base, token, "GET", org + "/runs?limit=10")).runs.find((r) => r.job_id === recurring.id && r.status === "queued"));
  await page.evaluate((id) => { location.hash = "runs/" + id; }, queued.id);
  await page.waitForSelector("#s-status.queued");
  check(await page.isVisible("#run-cancel") && await page.isHidden("#run-rerun"), "a queued run offers Cancel, not Re-run");
  await shoot(page, "job-details-queued");
  await page.click("#run-cancel");
  await page.waitForFunction((id) => document.querySelector("#run-action-result").textContent === "Run #" + id + " is cancelled.", queued.id, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector("#s-status").textContent === "cancelled");
  check(true, "Cancel on the queued run's page says it is cancelled, and its status shows it");
  check((await call(base, token, "GET", runPath(queued.id))).started_at === null, "the queued run never started");
  check(await page.isVisible("#run-rerun") && await page.isHidden("#run-cancel"), "the ended run offers Re-run, not Cancel");
  await call(base, token, "POST", org + "/recurring-jobs/" + recurring.id + "/pause");
  await call(base, token, "POST", runPath(b.id) + "/cancel").catch(() => {});
  await waitForRun(base, token, b.id);

  // Re-run: the same job again, now, opened on its own page.
  await page.evaluate((id) => { location.hash = "runs/" + id; }, a.id);
  await page.waitForSelector("#run-rerun:not([hidden])");
  await page.click("#run-rerun");
  await page.waitForFunction((id) => location.hash.startsWith("#runs/") && location.hash !== "#runs/" + id, a.id);
  const rerunId = (await page.evaluate(() => location.hash)).slice(6);
  const rerun = await call(base, token, "GET", runPath(rerunId));
  check(rerun.name === a.name && rerun.base_environment === "main" && rerun.target_environment === "staging"
    && rerun.trigger === "manual" && rerun.created_by === "alice", "Re-run started the same job again (run #" + rerunId + ")");
  await page.waitForFunction(() => document.querySelector("#run-title").textContent.includes(" — run #"));
  check((await page.textContent("#run-title")).endsWith("run #" + rerunId), "the re-run's page is open");
  check((await waitForRun(base, token, rerunId)).status === "succeeded", "the re-run succeeded");

  // Run now on the recurring job, from the Recurring tab.
  await page.click("nav button[data-tab=recurring]");
  const row = '#recurring-list tr[data-job="' + recurring.id + '"]';
  await page.waitForSelector(row);
  await shoot(page, "recurring-actions");
  await page.click(row + ' button:text("Run now")');
  await page.waitForFunction(() => location.hash.startsWith("#runs/"));
  const nowId = (await page.evaluate(() => location.hash)).slice(6);
  const now = await call(base, token, "GET", runPath(nowId));
  check(now.name === "Every second" && now.trigger === "manual", "Run now started the recurring job's sync at once (run #" + nowId + ")");
  check((await waitForRun(base, token, nowId)).status === "succeeded", "that run succeeded");
  check(page.errors.length === 0, "no script error on the page");
});
