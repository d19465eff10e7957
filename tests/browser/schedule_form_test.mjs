// The schedule form in real Chromium: only the chosen kind's fields show,
// the schedule is said back in words with its next three times in the
// chosen zone, and every invalid field is reported at once, in words.
//
//   node schedule_form_test.mjs DOWNHILL_BINARY ARTIFACT_DIR
import { call, check, createEnvironment, launch, run, setUp, shoot, signedInPage } from "./support.mjs";

const kindFields = { hourly: ["minute"], daily: ["at"], weekly: ["day", "at"], interval: ["every_seconds"], cron: ["expression"] };
const scheduleInputs = ["minute", "day", "at", "every_seconds", "expression"];

async function visibleInputs(page) {
  const shown = [];
  for (const name of scheduleInputs)
    if (await page.isVisible("#job-form [name=" + name + "]")) shown.push(name);
  return shown;
}

run(async () => {
  const { base, token } = await setUp();
  check((await createEnvironment(base, token, "staging")).status === "succeeded", "staging was created");
  await launch();
  for (const viewport of ["desktop", "mobile"]) {
    const page = await signedInPage(base, token, viewport, { timezoneId: "America/New_York" });
    await page.click("nav button[data-tab=create]");
    await page.waitForSelector('select[name=base_environment] option[value="main"]', { state: "attached" });
    check(!(await page.isVisible("#schedule-fields")), viewport + ": Run Now hides the schedule fields");
    await page.check("input[name=when][value=schedule]");
    for (const [kind, fields] of Object.entries(kindFields)) {
      await page.selectOption("select[name=kind]", kind);
      const shown = await visibleInputs(page);
      check(JSON.stringify(shown) === JSON.stringify(scheduleInputs.filter((f) => fields.includes(f))),
        viewport + ": the " + kind + " schedule shows only " + fields.join(", ") + " (shown: " + shown.join(", ") + ")");
    }

    // Said back in words, with the next three times in the chosen zone.
    await page.selectOption("select[name=kind]", "daily");
    await page.fill("input[name=at]", "02:30");
    await page.fill("input[name=timezone]", "Europe/Berlin");
    const sentence = await page.textContent("#schedule-summary");
    const [words, next] = sentence.split(" — next: ");
    check(words === "every day at 02:30 Europe/Berlin", viewport + ": the schedule is said in words ('" + words + "')");
    const times = (next || "").split("; ");
    check(times.length === 3 && times.every((t) => t.includes("02:30") && /CET|CEST/.test(t)),
      viewport + ": its next three times are at 02:30 Berlin time (" + next + ")");
    const days = times.map((t) => t.match(/\d+ \w+/)[0]);
    check(new Set(days).size === 3, viewport + ": on three different days (" + days.join(", ") + ")");
    await page.selectOption("select[name=kind]", "weekly");
    await page.selectOption("select[name=day]", "mon");
    const weekly = await page.textContent("#schedule-summary");
    check(weekly.startsWith("every Monday at 02:30 Europe/Berlin — next: Mon"), viewport + ": a weekly schedule names its day ('" + weekly + "')");
    await page.selectOption("select[name=kind]", "cron");
    await page.fill("input[name=expression]", "0 */6 * * *");
    await page.fill("input[name=timezone]", "UTC");
    const cron = await page.textContent("#schedule-summary");
    check(/^cron '0 \*\/6 \* \* \*' in UTC — next: .*(00|06|12|18):00 UTC; .*:00 UTC; .*:00 UTC$/.test(cron), viewport + ": a cron schedule shows its next times ('" + cron + "')");

    // Every invalid field at once, in words, with no API field names.
    await page.fill("input[name=name]", "");
    await page.selectOption("select[name=kind]", "hourly");
    await page.fill("input[name=minute]", "75");
    await page.fill("input[name=timezone]", "Mars/Olympus_Mons");
    await page.click("#job-form button[type=submit]");
    const errors = await page.$$eval("#job-form .error", (ps) => Object.fromEntries(ps.filter((p) => p.textContent).map((p) => [p.dataset.field, p.textContent])));
    check(JSON.stringify(Object.keys(errors).sort()) === '["minute","name","timezone"]',
      viewport + ": name, minute and time zone are reported together (" + Object.keys(errors).join(", ") + ")");
    check(Object.values(errors).every((m) => !/\b[a-z]+_[a-z_]+\b/.test(m.replace("Olympus_Mons", "")) && !/timezone|every_seconds/.test(m)),
      viewport + ": the messages use words, not API field names");
    check(await page.isVisible('[data-field="minute"]') && await page.isVisible('[data-field="timezone"]'),
      viewport + ": the messages are on screen");
    await shoot(page, "create-form-errors");
    await page.selectOption("select[name=kind]", "interval");
    await page.fill("input[name=every_seconds]", "0");
    await page.click("#job-form button[type=submit]");
    const intervalErrors = await page.$$eval("#job-form .error", (ps) => ps.filter((p) => p.textContent).map((p) => p.dataset.field).sort());
    check(JSON.stringify(intervalErrors) === '["every_seconds","name","timezone"]',
      viewport + ": switching kind drops the hidden field's error and reports the shown one (" + intervalErrors.join(", ") + ")");
    const jobsBefore = (await call(base, token, "GET", "/api/v1/orgs/acme/jobs")).jobs.length;
    check(jobsBefore === 1, viewport + ": nothing was submitted while the form had errors");

    // A Create Environment job cannot be scheduled: said before submitting.
    await page.selectOption("select[name=type]", "create_environment");
    await page.click("#job-form button[type=submit]");
    const createErrors = await page.$$eval("#job-form .error", (ps) => ps.filter((p) => p.textContent).map((p) => p.dataset.field).sort());
    check(createErrors.includes("new_environment") && createErrors.includes("schedule"),
      viewport + ": a scheduled Create reports the alias and the schedule (" + createErrors.join(", ") + ")");
    await page.selectOption("select[name=type]", "sync_environments");

    // Fixed, it is accepted and listed.
    await page.fill("input[name=name]", "Nightly " + viewport);
    await page.selectOption("select[name=kind]", "daily");
    await page.fill("input[name=at]", "02:30");
    await page.fill("input[name=timezone]", "Europe/Berlin");
    await shoot(page, "create-form-schedule");
    await page.click("#job-form button[type=submit]");
    await page.waitForFunction(() => location.hash === "#recurring");
    const listed = (await call(base, token, "GET", "/api/v1/orgs/acme/recurring-jobs")).recurring_jobs;
    const job = listed.find((j) => j.name === "Nightly " + viewport);
    check(job && job.schedule.at === "02:30" && job.schedule.timezone === "Europe/Berlin", viewport + ": the fixed form created the recurring job");
    // November in Berlin is CET (UTC+1): the preview's 02:30 is the server's 01:30Z.
    check(job.next_run_at.slice(11, 16) === "01:30", viewport + ": the server's next run agrees with the preview (" + job.next_run_at + ")");
    await call(base, token, "DELETE", "/api/v1/orgs/acme/recurring-jobs/" + job.job_id);
    check(page.errors.length === 0, viewport + ": no script error on the page");
    await page.context().close();
  }
});
