// Access in real Chromium, on a desktop (1280x800) and a phone (390x844):
// every view is screenshotted, fits the phone without sideways scrolling
// and keeps its buttons on screen, and has its own title; rows open with
// the keyboard and show a visible focus; dark mode follows
// prefers-color-scheme; sign out; a favicon.
//
//   node access_test.mjs DOWNHILL_BINARY ARTIFACT_DIR
import { call, check, createEnvironment, launch, run, setUp, shoot, signedInPage,
  viewports, waitForRun } from "./support.mjs";

const org = "/api/v1/orgs/acme";

// Nothing wider than the viewport, and every visible control inside it.
async function fits(page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const wide = document.documentElement.scrollWidth > width;
    const off = [...document.querySelectorAll("button, input, select, a, tr[tabindex]")]
      .filter((e) => e.offsetParent !== null)
      .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -0.5 || r.right > width + 0.5); })
      .map((e) => e.outerHTML.slice(0, 80));
    return { wide, scrollWidth: document.documentElement.scrollWidth, off };
  });
}

async function tabTo(page, selector, what) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
  }
  throw new Error("Tab never reached " + what);
}

const focusRing = (page) => page.evaluate(() => {
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 ? s.outlineStyle + " " + s.outlineWidth : "";
});

run(async () => {
  const { base, token } = await setUp();
  check((await createEnvironment(base, token, "staging")).status === "succeeded", "staging was created");
  const done = await waitForRun(base, token, (await call(base, token, "POST", org + "/jobs", { name: "Synchronize Main with Staging",
    type: "sync_environments", base_environment: "main", target_environment: "staging" })).run.id);
  await call(base, token, "POST", org + "/jobs", { name: "Nightly", type: "sync_environments", base_environment: "main",
    target_environment: "staging", schedule: { kind: "daily", at: "02:30", timezone: "Europe/Berlin" } });
  await launch();

  for (const viewport of ["desktop", "mobile"]) {
    const page = await signedInPage(base, token, viewport, { timezoneId: "Europe/London" });
    const views = [
      ["jobs", "#jobs", "#runs tr", "Jobs"],
      ["create", "#create", 'select[name=base_environment] option[value="main"]', "Create New Job"],
      ["recurring", "#recurring", "#recurring-list tr", "Recurring Jobs"],
      ["environments", "#environments", "#env-tree li", "Environments"],
      ["job-details", "#runs/" + done.id, "#s-status.succeeded", "Run #" + done.id],
      ["not-found", "#runs/424242", "#notfound:not([hidden])", "Not found"],
    ];
    const titles = new Set();
    for (const [name, hash, ready, title] of views) {
      await page.evaluate((h) => { location.hash = h; }, hash);
      await page.waitForSelector(ready, { state: "attached" });
      if (name === "create") await page.check("input[name=when][value=schedule]");
      const t = await page.title();
      check(t.startsWith(title) && t.endsWith("· downhill"), viewport + ": the " + name + " view has its title ('" + t + "')");
      titles.add(t);
      const fit = await fits(page);
      check(!fit.wide && fit.off.length === 0, viewport + ": the " + name + " view fits " + viewports[viewport].width + " px (scroll width "
        + fit.scrollWidth + (fit.off.length ? "; off screen: " + fit.off.join(" | ") : "") + ")");
      await shoot(page, name);
    }
    check(titles.size === views.length, viewport + ": every view's title differs");

    // A favicon, that the browser can draw.
    const icon = await page.evaluate(() => new Promise((resolve) => {
      const link = document.querySelector("link[rel=icon]");
      if (!link) return resolve(0);
      const img = new Image();
      img.onload = () => resolve(img.naturalWidth);
      img.onerror = () => resolve(0);
      img.src = link.href;
    }));
    check(icon > 0, viewport + ": the page has a favicon that loads");

    // Sign out, and stay out after a reload.
    await page.click("#sign-out");
    await page.waitForSelector("#login:not([hidden])");
    check(await page.isHidden("#tabs") && (await page.evaluate(() => localStorage.getItem("downhill-token"))) === null,
      viewport + ": Sign out forgets the token and hides the tabs");
    await page.reload();
    await page.waitForSelector("#login:not([hidden])");
    check((await page.title()).startsWith("Sign in"), viewport + ": after a reload the page still asks to sign in");
    const fit = await fits(page);
    check(!fit.wide && fit.off.length === 0, viewport + ": the sign-in view fits");
    await shoot(page, "login");
    await page.context().close();
  }

  // Keyboard: rows take focus with Tab, show it, and open with Enter.
  const page = await signedInPage(base, token, "desktop");
  await page.waitForSelector("#runs tr");
  await page.focus("#filters [name=trigger]");
  await tabTo(page, "#runs tr", "a run row");
  const ring = await focusRing(page);
  check(ring !== "", "a focused run row shows a focus ring (" + ring + ")");
  const focused = await page.evaluate(() => document.activeElement.dataset.run);
  await page.keyboard.press("Enter");
  await page.waitForFunction((id) => location.hash === "#runs/" + id, focused);
  check(true, "Enter on the focused row opened run #" + focused);
  await page.evaluate(() => { location.hash = "recurring"; });
  await page.waitForSelector("#recurring-list tr");
  await page.focus("nav button[data-tab=environments]");
  await tabTo(page, "#recurring-list button", "a Recurring tab button");
  check((await focusRing(page)) !== "", "a focused button shows a focus ring");

  // Dark mode follows the system setting; light stays light.
  const shade = async (scheme) => {
    const context = await page.context().browser().newContext({ viewport: viewports.desktop, colorScheme: scheme });
    const p = await context.newPage();
    await p.goto(base + "/");
    const rgb = await p.evaluate(() => getComputedStyle(document.body).backgroundColor.match(/\d+/g).slice(0, 3).map(Number));
    const text = await p.evaluate(() => getComputedStyle(document.body).color.match(/\d+/g).slice(0, 3).map(Number));
    p.viewportName = "desktop";
    if (scheme === "dark") await shoot(p, "login-dark");
    await context.close();
    return { bg: rgb.reduce((a, b) => a + b) / 3, fg: text.reduce((a, b) => a + b) / 3 };
  };
  const dark = await shade("dark"), light = await shade("light");
  check(dark.bg < 60 && dark.fg > 180, "prefers-color-scheme: dark gives a dark page with light text (" + JSON.stringify(dark) + ")");
  check(light.bg > 200 && light.fg < 80, "prefers-color-scheme: light gives a light page (" + JSON.stringify(light) + ")");
  // The dark screens too.
  const darkPage = await signedInPage(base, token, "mobile", { colorScheme: "dark" });
  await darkPage.evaluate((id) => { location.hash = "runs/" + id; }, done.id);
  await darkPage.waitForSelector("#s-status.succeeded");
  await shoot(darkPage, "job-details-dark");
  check(page.errors.length === 0 && darkPage.errors.length === 0, "no script error on the pages");
});
