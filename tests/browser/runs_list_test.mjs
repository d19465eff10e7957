// Finding runs in real Chromium: "Load more" past the first page, filters by
// status, job name, environment and trigger, and the duration and
// created-by columns, on a desktop and a phone.
//
//   node runs_list_test.mjs DOWNHILL_BINARY ARTIFACT_DIR
import { call, check, createEnvironment, launch, run, setUp, shoot, signedInPage,
  until, waitForRun } from "./support.mjs";

const org = "/api/v1/orgs/acme";
const rowIds = (page) => page.$$eval("#runs tr", (rows) => rows.map((r) => r.dataset.run));

run(async () => {
  const { base, token } = await setUp();
  check((await createEnvironment(base, token, "staging")).status === "succeeded", "staging was created");
  check((await createEnvironment(base, token, "qa", "staging")).status === "succeeded", "qa was created under staging");
  // Empty environments sync in moments: enough runs for two pages.
  const started = Date.now();
  for (let i = 0; i < 56; i++) {
    const body = { name: (i % 2 ? "Copy " : "Refresh ") + i, type: "sync_environments",
      base_environment: i % 7 ? "main" : "staging", target_environment: i % 7 ? "staging" : "qa" };
    await waitForRun(base, token, (await call(base, token, "POST", org + "/jobs", body)).run.id);
  }
  console.log("56 syncs took " + (Date.now() - started) + " ms");
  // Two scheduled runs, by the scheduler.
  const recurring = (await call(base, token, "POST", org + "/jobs", { name: "Every second", type: "sync_environments",
    base_environment: "main", target_environment: "staging", schedule: { kind: "interval", every_seconds: 1 } })).job;
  await until("two scheduled runs", async () => (await call(base, token, "GET", org + "/runs?limit=5")).runs
    .filter((r) => r.job_id === recurring.id && r.status === "succeeded").length >= 2, 20000);
  await call(base, token, "POST", org + "/recurring-jobs/" + recurring.id + "/pause");
  const all = (await call(base, token, "GET", org + "/runs?limit=500")).runs;
  check(all.length > 50 && all.length < 100, all.length + " runs in all");
  const expect = (predicate) => all.filter(predicate).map((r) => r.id);

  await launch();
  for (const viewport of ["desktop", "mobile"]) {
    const page = await signedInPage(base, token, viewport);
    await page.waitForSelector("#runs tr");
    check((await rowIds(page)).length === 50, viewport + ": the first page shows 50 runs");
    check(await page.isVisible("#load-more"), viewport + ": Load more is offered");
    await page.click("#load-more");
    await page.waitForFunction((n) => document.querySelectorAll("#runs tr").length === n, all.length);
    const ids = await rowIds(page);
    check(JSON.stringify(ids) === JSON.stringify(all.map((r) => r.id)), viewport + ": Load more reached every run, newest first, once each");
    check(await page.isHidden("#load-more"), viewport + ": Load more is gone on the last page");

    // Duration and created-by columns.
    const cells = await page.$$eval("#runs tr", (rows) => rows.map((r) => ({ id: r.dataset.run,
      by: r.querySelector('[data-label="Created by"]').textContent, duration: r.querySelector('[data-label="Duration"]').textContent,
      created: r.querySelector('[data-label="Created"]').textContent })));
    check(cells.every((c) => c.by === all.find((r) => r.id === c.id).created_by), viewport + ": Created by matches each run (alice, scheduler)");
    check(cells.every((c) => /^(\d+h )?(\d+m )?\d+s( \d+ms)?$/.test(c.duration)), viewport + ": every finished run shows a duration (" + cells[0].duration + ")");
    check(cells.every((c) => /(UTC|GMT)/.test(c.created)), viewport + ": every Created time names its zone (" + cells[0].created + ")");

    // Filters, each against the same rule applied to the API's list.
    const filter = async (name, value, expected, what) => {
      if (name === "job") await page.fill("#filters [name=job]", value);
      else await page.selectOption("#filters [name=" + name + "]", value);
      const shown = await rowIds(page);
      check(shown.length > 0 && JSON.stringify(shown) === JSON.stringify(expected), viewport + ": " + what + " (" + shown.length + " runs)");
      if (name === "job") await page.fill("#filters [name=job]", "");
      else await page.selectOption("#filters [name=" + name + "]", "");
    };
    await filter("job", "copy", expect((r) => r.name.startsWith("Copy")), "the job-name filter keeps only 'Copy …' runs");
    await filter("environment", "qa", expect((r) => r.base_environment === "qa" || r.target_environment === "qa"), "the environment filter keeps runs from or into qa");
    await filter("trigger", "schedule", expect((r) => r.trigger === "schedule"), "the trigger filter keeps the scheduled runs");
    await filter("status", "succeeded", expect((r) => r.status === "succeeded"), "the status filter keeps succeeded runs");
    await page.selectOption("#filters [name=status]", "failed");
    check((await rowIds(page)).length === 0 && (await page.textContent("#runs-count")).startsWith("0 of the"), viewport + ": a filter nothing matches says so");
    await page.fill("#filters [name=job]", "Refresh");
    await page.selectOption("#filters [name=status]", "succeeded");
    await page.selectOption("#filters [name=environment]", "staging");
    const combined = await rowIds(page);
    check(JSON.stringify(combined) === JSON.stringify(expect((r) => r.name.startsWith("Refresh") && (r.base_environment === "staging" || r.target_environment === "staging"))),
      viewport + ": filters combine (" + combined.length + " runs)");
    await shoot(page, "jobs-filtered");
    for (const name of ["status", "environment"]) await page.selectOption("#filters [name=" + name + "]", "");
    await page.fill("#filters [name=job]", "");
    await shoot(page, "jobs-all-loaded");
    check(page.errors.length === 0, viewport + ": no script error on the page");
    await page.context().close();
  }
});
