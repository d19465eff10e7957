// Finding runs in real Chromium: "Load more" past the first page, filters by
// status, job name, environment and trigger (the server's: a filter finds a
// run beyond the first page, and "Load more" pages on within the filtered
// list), and the duration and created-by columns, on a desktop and a phone.
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
    const body = { name: i % 2 ? "Copy" : "Refresh", type: "sync_environments",
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

    // Filters, each against the same rule applied to the API's list. The
    // list reloads from the server's first page of matches at each change.
    const firstPage = all.slice(0, 50).map((r) => r.id);
    const shows = async (expected, what) => {
      const want = JSON.stringify(expected);
      await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll("#runs tr")].map((r) => r.dataset.run)) === w,
        want, { timeout: 30000 }).catch(() => {});
      const shown = await rowIds(page);
      check(JSON.stringify(shown) === want, viewport + ": " + what + " (" + shown.length + " runs)");
    };
    const set = async (name, value) => {
      if (name === "job") await page.fill("#filters [name=job]", value);
      else await page.selectOption("#filters [name=" + name + "]", value);
    };
    const filter = async (name, value, expected, what) => {
      check(expected.length > 0, viewport + ": " + what + ": some runs match");
      await set(name, value);
      // The filtered list may show the same rows as before (every run
      // succeeded, say): wait for the reload's count too, not the rows alone.
      await page.waitForFunction(() => document.querySelector("#runs-count").textContent.includes("matching run"),
        null, { timeout: 30000 }).catch(() => {});
      await shows(expected.slice(0, 50), what);
      check((await page.textContent("#runs-count")).includes("matching run"), viewport + ": " + what + ": the count says the runs match");
      if (expected.length > 50) {
        check(await page.isVisible("#load-more"), viewport + ": " + what + ": Load more is offered for older matches");
        await page.click("#load-more");
        await shows(expected, what + ", Load more continues the filtered list");
        check(await page.isHidden("#load-more"), viewport + ": " + what + ": Load more is gone after the last match");
      }
      await set(name, "");
    };
    await filter("job", "Copy", expect((r) => r.name === "Copy"), "the job-name filter keeps only the 'Copy' runs");
    const intoQa = expect((r) => r.base_environment === "qa" || r.target_environment === "qa");
    check(intoQa.some((id) => !firstPage.includes(id)), viewport + ": some runs from or into qa are older than the first page");
    await filter("environment", "qa", intoQa, "the environment filter finds runs from or into qa, also beyond the first page");
    await filter("trigger", "schedule", expect((r) => r.trigger === "schedule"), "the trigger filter keeps the scheduled runs");
    // The newest runs are scheduled: the manual ones page differently from
    // the whole list, and there are more than 50 of them.
    await filter("trigger", "manual", expect((r) => r.trigger === "manual"), "the trigger filter keeps the manual runs");
    await filter("status", "succeeded", expect((r) => r.status === "succeeded"), "the status filter keeps succeeded runs");
    await set("status", "failed");
    await page.waitForFunction(() => document.querySelector("#runs-count").textContent === "No runs match these filters.", null, { timeout: 30000 }).catch(() => {});
    check((await rowIds(page)).length === 0 && (await page.textContent("#runs-count")) === "No runs match these filters.", viewport + ": a filter nothing matches says so");
    check(await page.isHidden("#runs-empty"), viewport + ": and does not say there are no runs at all");
    await page.fill("#filters [name=job]", "Refresh");
    await page.selectOption("#filters [name=status]", "succeeded");
    await page.selectOption("#filters [name=environment]", "qa");
    const combined = expect((r) => r.name === "Refresh" && r.status === "succeeded" && (r.base_environment === "qa" || r.target_environment === "qa"));
    check(combined.length > 0 && combined.length < intoQa.length, viewport + ": the combined filters match fewer runs than one alone");
    await shows(combined, "filters combine");
    await shoot(page, "jobs-filtered");
    for (const name of ["status", "environment"]) await page.selectOption("#filters [name=" + name + "]", "");
    await page.fill("#filters [name=job]", "");
    await shows(firstPage, "clearing the filters shows the newest page of all runs again");
    check((await page.textContent("#runs-count")) === "50 runs shown; older runs: load more.", viewport + ": and counts them as before");
    await shoot(page, "jobs-all-loaded");
    check(page.errors.length === 0, viewport + ": no script error on the page");
    await page.context().close();
  }
});
