// The Recurring tab and the Environments view in real Chromium, with the
// viewer in New York: base and target columns, the latest run's status
// kept live across firings, next runs in the job's zone and the viewer's,
// a confirmation before delete, editing a schedule; the environment tree
// with each status and the run that holds it, and a locked environment
// not offered as a target while it is locked. Every time names its zone.
//
//   node recurring_environments_test.mjs DOWNHILL_BINARY ARTIFACT_DIR
import { call, check, createEnvironment, launch, run, setUp, shoot, signedInPage,
  until, waitForRun } from "./support.mjs";

const org = "/api/v1/orgs/acme";
const recurringJobs = async (base, token) => (await call(base, token, "GET", org + "/recurring-jobs")).recurring_jobs;

run(async () => {
  const { base, token } = await setUp({ rate: "1M" });
  check((await createEnvironment(base, token, "staging")).status === "succeeded", "staging was created");
  check((await createEnvironment(base, token, "qa", "staging")).status === "succeeded", "qa was created under staging");
  await launch();
  const page = await signedInPage(base, token, "desktop", { timezoneId: "America/New_York" });

  // Live: a job firing every two seconds; the row follows it without a reload.
  const fast = (await call(base, token, "POST", org + "/jobs", { name: "Every two seconds", type: "sync_environments",
    base_environment: "staging", target_environment: "qa", schedule: { kind: "interval", every_seconds: 2 } })).job;
  await page.click("nav button[data-tab=recurring]");
  const fastRow = '#recurring-list tr[data-job="' + fast.id + '"]';
  await page.waitForSelector(fastRow);
  await page.evaluate(() => { window.notReloaded = true; });
  const cells = await page.$$eval(fastRow + " td", (tds) => Object.fromEntries(tds.map((t) => [t.dataset.label, t.textContent])));
  check(cells.Base === "staging" && cells.Target === "qa", "the row has base and target columns (" + cells.Base + " → " + cells.Target + ")");
  const latestOf = () => page.$eval(fastRow + ' [data-label="Latest run"]', (t) => t.textContent);
  const firstSeen = await until("a first firing on screen", async () => { const t = await latestOf(); return /^#\d+ (running|succeeded|queued)/.test(t) && t; }, 15000);
  const firstId = firstSeen.match(/#(\d+)/)[1];
  const later = await until("a later firing on screen", async () => { const t = await latestOf(); const m = t.match(/^#(\d+) (\w+)/); return m && m[1] !== firstId && t; }, 15000);
  check(await page.evaluate(() => window.notReloaded === true), "the latest run went from '" + firstSeen + "' to '" + later + "' live, without a reload");
  const latestId = later.match(/#(\d+)/)[1];
  const stored = await waitForRun(base, token, latestId);
  await until("the row to show the stored status", async () => (await latestOf()).endsWith(stored.status), 10000).catch(() => {});
  const shownStatus = await page.$eval(fastRow + " .latest-status", (s) => s.textContent);
  check(shownStatus === stored.status || Number((await latestOf()).match(/#(\d+)/)[1]) > Number(latestId),
    "the latest run's status is shown (" + shownStatus + ")");
  await call(base, token, "POST", org + "/recurring-jobs/" + fast.id + "/pause");
  await page.waitForFunction((sel) => document.querySelector(sel + " td.status").textContent === "paused", fastRow, { timeout: 16000 });
  check(true, "pausing elsewhere shows on the row");

  // Next run in the job's zone and in the viewer's.
  await call(base, token, "POST", org + "/jobs", { name: "Nightly", type: "sync_environments", base_environment: "main",
    target_environment: "staging", schedule: { kind: "daily", at: "02:30", timezone: "Europe/Berlin" } });
  const nightly = (await recurringJobs(base, token)).find((j) => j.name === "Nightly");
  const nightRow = '#recurring-list tr[data-job="' + nightly.job_id + '"]';
  await page.waitForSelector(nightRow, { timeout: 16000 });
  const jobZone = await page.textContent(nightRow + " .next-job-zone");
  const viewerZone = await page.textContent(nightRow + " .next-viewer-zone");
  check(/02:30:00 CET \(Europe\/Berlin\)$/.test(jobZone), "Next run in the job's zone: '" + jobZone + "'");
  check(/20:30:00 (EST|GMT-5) your time$/.test(viewerZone), "and in the viewer's (New York): '" + viewerZone + "'");
  check((await page.textContent("#recurring-zone")).includes("America/New_York"), "the tab names the viewer's zone");
  await shoot(page, "recurring");

  // Delete asks first.
  await page.click(nightRow + ' button:text("Delete")');
  await page.waitForSelector(nightRow + " .confirm");
  check((await page.textContent(nightRow + " .confirm")).includes("Nightly"), "Delete asks to confirm, naming the job");
  await shoot(page, "recurring-confirm-delete");
  check((await recurringJobs(base, token)).some((j) => j.job_id === nightly.job_id), "nothing is deleted before the answer");
  await page.click(nightRow + ' button:text("Keep it")');
  await page.waitForSelector(nightRow + ' button:text("Delete")');
  check((await recurringJobs(base, token)).some((j) => j.job_id === nightly.job_id), "Keep it keeps the job");

  // Edit the schedule.
  await page.click(nightRow + ' button:text("Edit schedule")');
  await page.waitForFunction((id) => location.hash === "#edit/" + id, nightly.job_id);
  await page.waitForFunction(() => document.querySelector("#create-title").textContent.includes("Nightly"));
  const form = await page.evaluate(() => { const f = document.querySelector("#job-form");
    return [f.when.value, f.kind.value, f.at.value, f.timezone.value, f.target_environment.value].join(" "); });
  check(form === "schedule daily 02:30 Europe/Berlin staging", "the edit form holds the job's schedule (" + form + ")");
  await page.fill("input[name=at]", "03:15");
  check((await page.textContent("#schedule-summary")).startsWith("every day at 03:15 Europe/Berlin — next: "), "the edit form says the new schedule in words");
  await shoot(page, "recurring-edit");
  await page.click("#job-form button[type=submit]");
  await page.waitForFunction(() => location.hash === "#recurring");
  const afterEdit = (await recurringJobs(base, token)).filter((j) => j.name === "Nightly");
  check(afterEdit.length === 1 && afterEdit[0].schedule.at === "03:15" && afterEdit[0].schedule.timezone === "Europe/Berlin",
    "saving left one Nightly job, at 03:15 Berlin time");
  const editedRow = '#recurring-list tr[data-job="' + afterEdit[0].job_id + '"]';
  await page.waitForSelector(editedRow);
  check((await page.textContent(editedRow + ' [data-label="Schedule"]')) === "every day at 03:15 Europe/Berlin", "the row shows the new schedule");

  // Delete, confirmed.
  await page.click(editedRow + ' button:text("Delete")');
  await page.click(editedRow + ' button:text("Yes, delete")');
  await page.waitForSelector(editedRow, { state: "detached" });
  check(!(await recurringJobs(base, token)).some((j) => j.name === "Nightly"), "Yes, delete deletes the job");

  // Environments: the tree, each status, and the run holding a locked one.
  for (let i = 0; i < 16; i++)
    await call(base, token, "PUT", org + "/environments/main/entries/e" + i,
      { content_type: "article", title: "Entry " + i, body: ("word" + i + " ").repeat(20000) });
  await page.click("nav button[data-tab=environments]");
  await page.waitForSelector('#env-tree li[data-env="main"] > ul > li[data-env="staging"] > ul > li[data-env="qa"]');
  check(true, "the tree nests main > staging > qa");
  const envStatus = (id) => page.textContent('li[data-env="' + id + '"] > span .env-status');
  check(await envStatus("staging") === "ready", "staging is ready");
  const long = (await call(base, token, "POST", org + "/jobs", { name: "Long sync", type: "sync_environments",
    base_environment: "main", target_environment: "staging" })).run;
  await page.waitForFunction(() => {
    const s = document.querySelector('li[data-env="staging"] > span .env-status');
    return s && s.textContent === "locked";
  }, null, { timeout: 10000 });
  const holder = await page.textContent('li[data-env="staging"] > span .env-run');
  check(holder === "held by run #" + long.id, "locked staging shows the run that holds it (" + holder + ")");
  check(await envStatus("main") === "ready" && await envStatus("qa") === "ready", "main and qa stay ready");
  await shoot(page, "environments-locked");
  await page.click("nav button[data-tab=create]");
  await page.waitForSelector('select[name=base_environment] option[value="main"]', { state: "attached" });
  await page.selectOption("select[name=base_environment]", "main");
  const targets = await page.$$eval("select[name=target_environment] option", (os) => os.map((o) => o.value));
  const hint = await page.textContent("#target-hint");
  // On a very slow machine the sync may end first: then say so, not pass quietly.
  const stillLocked = (await call(base, token, "GET", "/api/v1/orgs/acme/runs/" + long.id)).status === "running";
  if (!stillLocked) console.log("note: the sync ended before the form was checked; the locked-target checks were skipped");
  check(!stillLocked || (targets.length === 0 && hint.includes("'staging' is locked by run #" + long.id)),
    "while staging is locked it is not offered as a target, and the hint says why (" + hint + ")");
  await page.click("#job-form button[type=submit]");
  check(!stillLocked || (await page.textContent('[data-field="target_environment"]')).length > 0, "submitting then names the missing target");
  await shoot(page, "create-target-locked");
  check((await waitForRun(base, token, long.id)).status === "succeeded", "the long sync succeeded");
  await page.click("nav button[data-tab=environments]");
  await page.waitForFunction(() => document.querySelector('li[data-env="staging"] > span .env-status').textContent === "ready", null, { timeout: 16000 });
  check(await page.isHidden('li[data-env="staging"] > span .env-run'), "once the run ends staging is ready again, held by no run");
  await shoot(page, "environments");
  await page.click("nav button[data-tab=create]");
  await page.waitForSelector('select[name=target_environment] option[value="staging"]', { state: "attached" });
  check(true, "and it is offered as a target again");

  // Times elsewhere name their zone too.
  await page.click("nav button[data-tab=jobs]");
  await page.waitForSelector("#runs tr");
  const created = await page.textContent('#runs tr td[data-label="Created"]');
  check(/(EST|GMT-5)$/.test(created), "the Jobs tab's Created column names the zone (" + created + ")");
  await page.evaluate((id) => { location.hash = "runs/" + id; }, long.id);
  await page.waitForSelector("#s-status.succeeded");
  await page.click(".task > summary");
  const line = await page.textContent(".task .logs > div");
  check(/\d\d:\d\d:\d\d (EST|GMT-5) \[/.test(line), "log lines name the zone (" + line.slice(0, 40) + ")");
  check(page.errors.length === 0, "no script error on the page");
});
