// The downhill dashboard: plain JavaScript on the public API (docs/api.md).
"use strict";

const state = { token: localStorage.getItem("downhill-token") || "", org: "",
                user: "", envs: [], socket: null, ticker: null, nav: 0,
                runs: [], runsNext: null, runsQuery: "", editing: null, down: false };
const $ = (sel) => document.querySelector(sel);
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

// -- the API, and noticing when it is down ------------------------------------

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { "Authorization": "Bearer " + state.token,
                 "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    serverDown();
    throw { code: "unreachable", message: "The server cannot be reached." };
  }
  if (res.status === 502 || res.status === 504) {
    serverDown();
    throw { code: "unreachable", message: "The server cannot be reached." };
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!res.ok) {
    const error = (data && data.error) || { code: "http_" + res.status, message: res.statusText };
    throw error;
  }
  return data;
}

// While the server is away a banner says so, and /healthz is polled; once it
// answers, the banner goes and the current view loads again by itself.
let healthTimer = null;
function serverDown() {
  if (state.down) return;
  state.down = true;
  $("#banner").hidden = false;
  healthTimer = setInterval(async () => {
    try {
      const res = await fetch("/healthz", { cache: "no-store" });
      if (!res.ok) return;
    } catch (e) { return; }
    clearInterval(healthTimer);
    state.down = false;
    $("#banner").hidden = true;
    followOrganization();
    route();
  }, 1000);
}

// A dropped event stream is the first sign of a server that went away.
async function probe() {
  try { await fetch("/healthz", { cache: "no-store" }); } catch (e) { serverDown(); }
}

const orgPath = () => "/api/v1/orgs/" + encodeURIComponent(state.org);

// -- time: every time says its zone ---------------------------------------------

const formatters = new Map();
function formatter(zone, options) {
  const key = zone + JSON.stringify(options);
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat("en-GB", { ...options, timeZone: zone }));
  return formatters.get(key);
}
const dateTime = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" };
const shortDateTime = { weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
function fmtTime(t, zone = viewerZone) {
  return t ? formatter(zone, dateTime).format(new Date(t)) : "—";
}
function fmtClock(t) {
  return formatter(viewerZone, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" }).format(new Date(t));
}
function validZone(zone) {
  try { new Intl.DateTimeFormat("en", { timeZone: zone }); return true; } catch (e) { return false; }
}
function fmtElapsed(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + r + "s" + (s < 10 ? " " + (ms % 1000) + "ms" : "");
}
// Elapsed time from the run's own timestamps, so the live count and the one
// after a reload are the same number.
function elapsedOf(run, now = Date.now()) {
  if (!run.started_at) return 0;
  return (run.finished_at ? Date.parse(run.finished_at) : now) - Date.parse(run.started_at);
}
const finished = (status) => !["queued", "running"].includes(status);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}
function td(label, ...children) { return el("td", { "data-label": label }, ...children); }
// A row that opens with a click, Enter or Space.
function openableRow(attrs, open, ...cells) {
  const row = el("tr", { ...attrs, tabindex: "0", onclick: open,
    onkeydown: (e) => { if (e.target === e.currentTarget && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); open(); } } }, ...cells);
  return row;
}
function button(label, cls, action) {
  return el("button", { class: "action small " + cls, type: "button",
    onclick: (e) => { e.stopPropagation(); action(e); }, onkeydown: (e) => e.stopPropagation() }, label);
}
const typeName = (type) => (type === "sync_environments" ? "Sync Environments" : "Create Environment");

// -- navigation ---------------------------------------------------------------

const views = ["login", "jobs", "create", "recurring", "environments", "details", "notfound"];
const titles = { login: "Sign in", jobs: "Jobs", create: "Create New Job", recurring: "Recurring Jobs",
                 environments: "Environments", details: "Run", notfound: "Not found" };
function setTitle(text) { document.title = text + " · downhill"; }

function show(view) {
  for (const id of views) $("#" + id).hidden = id !== view;
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === view);
  if (state.socket) { const s = state.socket; state.socket = null; s.close(); }
  clearInterval(state.ticker);
  state.run = null;
  setTitle(titles[view]);
}

async function route() {
  const nav = ++state.nav;
  if (!state.token) return show("login");
  const hash = location.hash.slice(1) || "jobs";
  try {
    if (hash.startsWith("runs/")) return await openRun(hash.slice(5), nav);
    if (hash.startsWith("edit/")) { show("create"); return await loadForm(hash.slice(5)); }
    if (!titles[hash] || hash === "login" || hash === "details" || hash === "notfound")
      return showNotFound("There is no page called '" + hash + "'.");
    show(hash);
    if (hash === "jobs") return await loadRuns();
    if (hash === "create") return await loadForm(null);
    if (hash === "recurring") return await loadRecurring();
    if (hash === "environments") return await loadEnvironments();
  } catch (e) {
    if (e.code !== "unreachable") console.warn(e.message || e);
  }
}

function showNotFound(text) {
  show("notfound");
  $("#notfound-text").textContent = text;
}

// -- sign in and out ------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    const me = await api("GET", "/api/v1/me");
    if (!me.org) throw { message: "This is the admin token: sign in with a user's token." };
    state.org = me.org; state.user = me.user;
    localStorage.setItem("downhill-token", token);
    $("#who").textContent = me.user + " @ " + me.org;
    $("#tabs").hidden = false;
    $("#sign-out").hidden = false;
    followOrganization();
    route();
  } catch (e) {
    if (e.code === "unreachable") return;
    state.token = "";
    localStorage.removeItem("downhill-token");
    $("#login-error").textContent = e.message || "This token was not accepted.";
    show("login");
  }
}

function signOut() {
  state.token = ""; state.org = ""; state.user = ""; state.runs = []; state.runsNext = null;
  localStorage.removeItem("downhill-token");
  if (orgSocket) { const s = orgSocket; orgSocket = null; s.onclose = null; s.close(); }
  $("#who").textContent = "";
  $("#tabs").hidden = true;
  $("#sign-out").hidden = true;
  $("#token").value = "";
  $("#login-error").textContent = "";
  history.replaceState(null, "", location.pathname);
  show("login");
}

// -- acting on runs -------------------------------------------------------------

// Cancel, then say the run's state once it has one (a queued run ends at
// once; a running one at its next safe point).
async function cancelRun(run, report) {
  try {
    const res = await api("POST", orgPath() + "/runs/" + run.id + "/cancel");
    report("Run #" + run.id + " is " + res.status + ".");
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const now = await api("GET", orgPath() + "/runs/" + run.id);
      if (finished(now.status)) { report("Run #" + run.id + " is " + now.status + "."); return now; }
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (e) {
    report(e.code === "not_running" ? "Run #" + run.id + " has already ended." : e.message);
  }
  return null;
}

// The API has no re-run route: a re-run submits the same job again, now.
function jobBodyOf(source) {
  const body = { name: source.name, type: source.type, base_environment: source.base_environment, schedule: { kind: "now" } };
  if (source.type === "sync_environments") body.target_environment = source.target_environment;
  else {
    body.new_environment = source.new_environment || source.target_environment;
    if (source.display_name) body.display_name = source.display_name;
  }
  return body;
}
async function runNow(source, report) {
  try {
    const res = await api("POST", orgPath() + "/jobs", jobBodyOf(source));
    location.hash = "runs/" + res.run.id;
  } catch (e) {
    report(inWords(e.message) + (e.run_id ? " (run #" + e.run_id + ")" : ""));
  }
}

// -- Jobs tab ---------------------------------------------------------------

const pageSize = 50;

// The filters are the server's (GET .../runs?status=&name=&environment=&
// trigger=): the list holds the matching runs, newest first, and "load
// more" pages on within them, so an older match is found too.
function filterOf() {
  const f = $("#filters");
  return { status: f.status.value, name: f.job.value.trim(), environment: f.environment.value, trigger: f.trigger.value };
}

function filterQuery(f) {
  return Object.entries(f).filter(([, v]) => v).map(([k, v]) => "&" + k + "=" + encodeURIComponent(v)).join("");
}

let runsLoads = 0;  // the newest list request: an older answer is dropped

async function loadRuns() {
  const query = filterQuery(filterOf());
  // New filters start from the first page; a refresh reloads as many rows
  // as are shown, so "load more" survives it.
  if (query !== state.runsQuery) { state.runs = []; state.runsNext = null; }
  const limit = Math.min(500, Math.max(1, Math.ceil(state.runs.length / pageSize)) * pageSize);
  const load = ++runsLoads;
  const [page] = await Promise.all([api("GET", orgPath() + "/runs?limit=" + limit + query), loadEnvs()]);
  if (load !== runsLoads) return;
  state.runs = page.runs; state.runsNext = page.next; state.runsQuery = query;
  renderRuns();
}

async function loadMoreRuns() {
  if (!state.runsNext) return;
  const query = state.runsQuery, load = runsLoads;
  const page = await api("GET", orgPath() + "/runs?limit=" + pageSize + "&before=" + encodeURIComponent(state.runsNext) + query);
  if (load !== runsLoads || query !== state.runsQuery) return;
  const seen = new Set(state.runs.map((r) => r.id));
  state.runs.push(...page.runs.filter((r) => !seen.has(r.id)));
  state.runsNext = page.next;
  renderRuns();
}

let filterTyping = null;
function filtersChanged(event) {
  clearTimeout(filterTyping);
  const reload = () => loadRuns().catch((e) => { $("#runs-message").textContent = e.message; });
  // Typing a name waits for a pause; a choice in a list reloads at once.
  if (event && event.target && event.target.name === "job") filterTyping = setTimeout(reload, 300);
  else reload();
}

function renderRuns() {
  const envSelect = $("#filters").environment;
  const keep = envSelect.value;
  const names = new Set(state.envs.map((e) => e.id));
  for (const r of state.runs) { names.add(r.base_environment); names.add(r.target_environment); }
  if (keep) names.add(keep);
  envSelect.replaceChildren(el("option", { value: "" }, "any"), ...[...names].sort().map((n) => el("option", { value: n }, n)));
  envSelect.value = keep;
  const shown = state.runs;
  const report = (text) => { $("#runs-message").textContent = text; };
  $("#runs").replaceChildren(...shown.map((r) => openableRow({ "data-run": r.id, "aria-label": "Run #" + r.id + ", " + r.name + ", " + r.status },
    () => (location.hash = "runs/" + r.id),
    td("Run", "#" + r.id), td("Name", r.name), td("Type", typeName(r.type)),
    td("Base → Target", r.base_environment + " → " + r.target_environment),
    el("td", { class: "status " + r.status, "data-label": "Status" }, r.status),
    td("Trigger", r.trigger), td("Created by", r.created_by), td("Created", fmtTime(r.created_at)),
    td("Duration", r.started_at ? fmtElapsed(elapsedOf(r)) : "not started"),
    el("td", { class: "row-actions" }, finished(r.status)
      ? button("Re-run", "", () => runNow(r, report))
      : button("Cancel", "danger", () => cancelRun(r, report).then(() => loadRuns()))))));
  const filtering = state.runsQuery !== "";
  $("#runs-count").textContent = filtering
    ? (shown.length === 0 ? "No runs match these filters."
      : shown.length + (shown.length === 1 ? " matching run" : " matching runs") + (state.runsNext ? " shown; older matches: load more." : "."))
    : state.runs.length + " runs" + (state.runsNext ? " shown; older runs: load more." : ".");
  $("#runs-empty").hidden = filtering || state.runs.length > 0;
  $("#load-more").hidden = !state.runsNext;
}

// -- Create New Job (and editing a recurring job's schedule) ----------------

async function loadEnvs() {
  state.envs = (await api("GET", orgPath() + "/environments")).environments;
  return state.envs;
}

async function loadForm(editId) {
  const form = $("#job-form");
  const [job] = await Promise.all([editId ? api("GET", orgPath() + "/jobs/" + encodeURIComponent(editId)).catch((e) => e) : null, loadEnvs()]);
  if (editId && (!job || job.code)) return showNotFound("There is no recurring job #" + editId + ".");
  const editing = state.editing = job && job.schedule && job.schedule.kind !== "now" ? job : null;
  if (editId && !editing) return showNotFound("Job #" + editId + " is not a recurring job.");
  $("#create-title").textContent = editing ? "Edit the schedule of '" + editing.name + "'" : "Create New Job";
  setTitle(editing ? "Edit schedule" : "Create New Job");
  $("#edit-hint").hidden = !editing;
  $("#edit-hint").textContent = "The API cannot change a job in place: saving creates this job again on the new schedule and deletes the old one. Its past runs stay listed.";
  $("#job-submit").textContent = editing ? "Save schedule" : "Create Job";
  const base = form.base_environment;
  const keep = base.value;
  base.replaceChildren(...state.envs.filter((e) => e.status !== "creating").map((e) => el("option", { value: e.id }, e.display_name + " (" + e.id + ")")));
  if (keep) base.value = keep;
  if (editing) {
    form.name.value = editing.name;
    form.type.value = editing.type;
    base.value = editing.base_environment;
    form.when.value = "schedule";
    const s = editing.schedule;
    form.kind.value = s.kind;
    if (s.minute !== undefined) form.minute.value = s.minute;
    if (s.at) form.at.value = s.at;
    if (s.day) form.day.value = s.day;
    if (s.every_seconds) form.every_seconds.value = s.every_seconds;
    if (s.expression) form.expression.value = s.expression;
    form.timezone.value = s.timezone || "UTC";
  }
  for (const p of form.querySelectorAll(".error")) p.textContent = "";
  updateForm();
  if (editing) form.target_environment.value = editing.target_environment;
}

function updateForm() {
  const form = $("#job-form");
  const type = form.type.value;
  $("#sync-fields").hidden = type !== "sync_environments";
  $("#create-fields").hidden = type !== "create_environment";
  const base = form.base_environment.value;
  // A sync copies from a parent into its direct child only: offer exactly
  // the base's children that are ready, and say why when there are none.
  const children = state.envs.filter((e) => e.parent === base);
  const ready = children.filter((e) => e.status === "ready");
  const busy = children.filter((e) => e.status !== "ready");
  const keep = form.target_environment.value;
  form.target_environment.replaceChildren(...ready.map((e) => el("option", { value: e.id }, e.display_name + " (" + e.id + ")")));
  if (ready.some((e) => e.id === keep)) form.target_environment.value = keep;
  const busyText = busy.map((e) => "'" + e.id + "' is " + e.status + (e.run_id ? " by run #" + e.run_id : "") + " and is offered again once it is ready.").join(" ");
  $("#target-hint").textContent = (ready.length
    ? "Only direct children of '" + base + "' are offered: data flows downhill, from parent to child, and main is never a target."
    : children.length ? "No child of '" + base + "' is ready to be written."
      : "'" + base + "' has no child environments, so there is nothing to sync into. Create one first, or pick another base.") + (busyText ? " " + busyText : "");
  const scheduled = form.when.value === "schedule";
  $("#schedule-fields").hidden = !scheduled;
  for (const label of document.querySelectorAll("[data-kind]"))
    label.hidden = !label.dataset.kind.split(" ").includes(form.kind.value);
  for (const p of document.querySelectorAll("#schedule-fields [data-field]"))
    if (!["timezone"].includes(p.dataset.field) && !isShownField(form, p.dataset.field)) p.textContent = "";
  $("#schedule-summary").textContent = scheduled ? scheduleSentence(form) : "";
}

function isShownField(form, field) {
  const input = form.elements[field];
  return input && !input.closest("label").hidden;
}

function scheduleOf(form) {
  if (form.when.value === "now") return { kind: "now" };
  const kind = form.kind.value;
  const s = { kind, timezone: form.timezone.value.trim() || "UTC" };
  if (kind === "hourly") s.minute = Number(form.minute.value);
  if (kind === "daily" || kind === "weekly") s.at = form.at.value.trim();
  if (kind === "weekly") s.day = form.day.value;
  if (kind === "interval") s.every_seconds = Number(form.every_seconds.value);
  if (kind === "cron") s.expression = form.expression.value.trim();
  return s;
}

// Every problem of the form at once, each in words, under its own field.
function formProblems(form) {
  const p = {};
  const name = form.name.value.trim();
  if (!name) p.name = "Give the job a name, for example 'Synchronize Main with Staging'.";
  else if (name.length > 200) p.name = "The name is too long: keep it to 200 characters.";
  if (!form.base_environment.value) p.base_environment = "Pick the environment to copy from.";
  const type = form.type.value;
  if (type === "sync_environments" && !form.target_environment.value)
    p.target_environment = "Pick the environment to copy into. The base has no child that is ready to be written.";
  if (type === "create_environment") {
    if (!/^[a-z0-9-]{1,63}$/.test(form.new_environment.value))
      p.new_environment = "The alias is the new environment's id: 1 to 63 lowercase letters, digits and dashes, for example 'staging-2'.";
    if (form.display_name.value.length > 100) p.display_name = "The display name is too long: keep it to 100 characters.";
  }
  if (form.when.value !== "schedule") return p;
  if (type === "create_environment")
    p.schedule = "A Create Environment job can only run now: on a schedule it would create the environment once and then fail every time after.";
  Object.assign(p, scheduleProblems(form));
  return p;
}

function scheduleProblems(form) {
  const p = {};
  const kind = form.kind.value;
  const whole = (v) => /^\d+$/.test(String(v).trim());
  if (kind === "hourly" && !(whole(form.minute.value) && Number(form.minute.value) <= 59))
    p.minute = "Pick the minute past each hour: a whole number from 0 to 59.";
  if ((kind === "daily" || kind === "weekly") && !/^([01]\d|2[0-3]):[0-5]\d$/.test(form.at.value.trim()))
    p.at = "Write the time of day as HH:MM on a 24-hour clock, for example 02:30.";
  if (kind === "interval" && !(whole(form.every_seconds.value) && Number(form.every_seconds.value) >= 1))
    p.every_seconds = "Give the time between runs as a whole number of seconds, at least 1.";
  if (kind === "cron" && !parseCron(form.expression.value))
    p.expression = "A cron expression has five fields: minute, hour, day of month, month and day of week, for example '*/15 * * * *'.";
  if (!validZone(form.timezone.value.trim() || "UTC"))
    p.timezone = "'" + form.timezone.value.trim() + "' is not a time zone: use a name like Europe/Berlin, America/New_York or UTC.";
  return p;
}

// The server's messages can name API fields; the form speaks in its labels.
const fieldWords = { base_environment: "base environment", target_environment: "target environment",
  new_environment: "alias", display_name: "display name", every_seconds: "seconds between runs",
  expression: "cron expression", timezone: "time zone", schedule: "schedule" };
function inWords(message) {
  return String(message || "").replace(/\b(base_environment|target_environment|new_environment|display_name|every_seconds)\b/g, (w) => fieldWords[w]);
}

const fieldOfCode = { unknown_environment: "base_environment", same_environment: "target_environment",
  main_as_target: "target_environment", not_parent_child: "target_environment", child_to_parent: "target_environment",
  name_taken: "new_environment", invalid_schedule: "schedule", job_in_progress: "form" };

async function submitJob(event) {
  event.preventDefault();
  const form = event.target;
  for (const p of form.querySelectorAll(".error")) p.textContent = "";
  const problems = formProblems(form);
  for (const [field, message] of Object.entries(problems))
    (form.querySelector('[data-field="' + field + '"]') || form.querySelector('[data-field="form"]')).textContent = message;
  if (Object.keys(problems).length) {
    const first = form.querySelector(".error:not(:empty)");
    if (first) first.scrollIntoView({ block: "center" });
    return;
  }
  const body = { name: form.name.value.trim(), type: form.type.value, base_environment: form.base_environment.value, schedule: scheduleOf(form) };
  if (body.type === "sync_environments") body.target_environment = form.target_environment.value;
  else { body.new_environment = form.new_environment.value; if (form.display_name.value) body.display_name = form.display_name.value; }
  try {
    const res = await api("POST", orgPath() + "/jobs", body);
    if (state.editing && res.job.id !== state.editing.id) {
      await api("DELETE", orgPath() + "/recurring-jobs/" + state.editing.id);
      state.editing = null;
    }
    // Run Now opens the run; a recurring job has no run yet: its tab lists it.
    location.hash = res.run ? "runs/" + res.run.id : "recurring";
  } catch (e) {
    const field = e.field || fieldOfCode[e.code] || "form";
    const slot = form.querySelector('[data-field="' + field + '"]') || form.querySelector('[data-field="form"]');
    slot.textContent = inWords(e.message) + (e.run_id ? " (run #" + e.run_id + ")" : "");
  }
}

// -- schedules in words, with their next times ----------------------------------

const dayNames = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" };
const dayIndex = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

function describeSchedule(s) {
  const zone = s.timezone || "UTC";
  switch (s.kind) {
    case "hourly": return "every hour at minute " + String(s.minute).padStart(2, "0") + " " + zone;
    case "daily": return "every day at " + s.at + " " + zone;
    case "weekly": return "every " + (dayNames[s.day] || s.day) + " at " + s.at + " " + zone;
    case "interval": return "every " + s.every_seconds + " seconds" + (s.every_seconds >= 60 ? " (" + fmtElapsed(s.every_seconds * 1000).trim() + ")" : "");
    case "cron": return "cron '" + s.expression + "' in " + zone;
    default: return s.kind;
  }
}

function scheduleSentence(form) {
  const problems = scheduleProblems(form);
  if (Object.keys(problems).length) return "Fix the fields marked in red to see when this runs.";
  const s = scheduleOf(form);
  const next = nextTimes(s, Date.now(), 3);
  if (!next.length) return describeSchedule(s) + " — no time in the coming year matches.";
  return describeSchedule(s) + " — next: " + next.map((t) => formatter(s.timezone, shortDateTime).format(new Date(t))).join("; ");
}

// Wall-clock fields of an instant in a zone.
function wallOf(ms, zone) {
  const parts = {};
  for (const p of formatter(zone, { hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", weekday: "short" })
    .formatToParts(new Date(ms))) parts[p.type] = p.value;
  return { y: +parts.year, mo: +parts.month, d: +parts.day, h: +parts.hour % 24, mi: +parts.minute,
           wd: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday) };
}
// The instant a wall-clock time in a zone names (a skipped time maps past the jump).
function instantOf(y, mo, d, h, mi, zone) {
  const want = Date.UTC(y, mo - 1, d, h, mi);
  let guess = want;
  for (let i = 0; i < 3; i++) {
    const w = wallOf(guess, zone);
    guess += want - Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
  }
  return guess;
}

function cronField(text, min, max, names) {
  const values = new Set();
  for (let part of text.split(",")) {
    let step = 1;
    const slash = part.indexOf("/");
    if (slash >= 0) { step = Number(part.slice(slash + 1)); part = part.slice(0, slash); if (!(step >= 1)) return null; }
    let lo = min, hi = max;
    const value = (v) => (names && names[v.toLowerCase()] !== undefined ? names[v.toLowerCase()] : /^\d+$/.test(v) ? Number(v) : NaN);
    if (part !== "*") {
      const [a, b] = part.split("-");
      lo = value(a); hi = b === undefined ? (slash >= 0 ? max : lo) : value(b);
      if (!(lo >= min && hi <= max && lo <= hi)) return null;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}
function parseCron(expression) {
  const f = String(expression).trim().split(/\s+/);
  if (f.length !== 5) return null;
  const months = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
  const c = { minute: cronField(f[0], 0, 59), hour: cronField(f[1], 0, 23), dom: cronField(f[2], 1, 31),
              month: cronField(f[3], 1, 12, months), dow: cronField(f[4], 0, 7, dayIndex),
              domAny: f[2] === "*", dowAny: f[4] === "*" };
  if (!c.minute || !c.hour || !c.dom || !c.month || !c.dow) return null;
  if (c.dow.has(7)) c.dow.add(0);
  return c;
}

function nextTimes(s, now, count) {
  if (s.kind === "interval") return [1, 2, 3].slice(0, count).map((k) => now + k * s.every_seconds * 1000);
  const zone = s.timezone || "UTC";
  let rule;
  const all = (n, from = 0) => new Set(Array.from({ length: n }, (_, i) => i + from));
  if (s.kind === "hourly") rule = { minute: new Set([s.minute]), hour: all(24), day: () => true };
  else if (s.kind === "daily" || s.kind === "weekly") {
    const [h, m] = s.at.split(":").map(Number);
    rule = { minute: new Set([m]), hour: new Set([h]), day: (w) => s.kind === "daily" || w.wd === dayIndex[s.day] };
  } else if (s.kind === "cron") {
    const c = parseCron(s.expression);
    if (!c) return [];
    rule = { minute: c.minute, hour: c.hour, day: (w) => {
      if (!c.month.has(w.mo)) return false;
      const dom = c.dom.has(w.d), dow = c.dow.has(w.wd);
      return c.domAny && c.dowAny ? true : c.domAny ? dow : c.dowAny ? dom : dom || dow;
    } };
  } else return [];
  const out = [];
  const today = wallOf(now, zone);
  const minutes = [...rule.minute].sort((a, b) => a - b), hours = [...rule.hour].sort((a, b) => a - b);
  for (let i = 0; i < 400 && out.length < count; i++) {
    const date = new Date(Date.UTC(today.y, today.mo - 1, today.d + i));
    const w = { y: date.getUTCFullYear(), mo: date.getUTCMonth() + 1, d: date.getUTCDate(), wd: date.getUTCDay() };
    if (!rule.day(w)) continue;
    for (const h of hours) for (const m of minutes) {
      const t = instantOf(w.y, w.mo, w.d, h, m, zone);
      if (t > now && out.length < count && !out.includes(t)) out.push(t);
    }
  }
  return out;
}

// -- Job Details --------------------------------------------------------------

const phaseLabels = { clone: "Database clone", snapshot: "Creating snapshot", restore: "Restoring snapshot" };
// A cancelled or interrupted run's unfinished tasks are cancelled, whatever
// the last frame said of them.
function taskStatusOf(run, task) {
  if (["cancelled", "interrupted"].includes(run.status) && !["succeeded", "failed"].includes(task.status)) return "cancelled";
  return task.status;
}

function renderSummary(run) {
  state.run = run;
  $("#run-title").textContent = run.name + " — run #" + run.id;
  setTitle("Run #" + run.id + " · " + run.name);
  const status = $("#s-status");
  status.textContent = run.status; status.className = "status " + run.status;
  renderCounts();
  $("#s-created-by").textContent = run.created_by;
  $("#s-times").textContent = "Created " + fmtTime(run.created_at)
    + (run.started_at ? " · started " + fmtTime(run.started_at) : " · not started")
    + (run.finished_at ? " · finished " + fmtTime(run.finished_at) : "");
  $("#run-cancel").hidden = finished(run.status);
  $("#run-rerun").hidden = !finished(run.status);
  tick();
  for (const task of run.tasks) setProgress(task.name, task.phase, task.percent, taskStatusOf(run, task));
}

// Totals from the summary, or from the log lines seen so far when those are
// ahead (the summary is written in batches; log frames arrive at once).
function renderCounts() {
  const run = state.run, seen = state.logsSeen;
  if (!run || !seen) return;
  $("#s-logs").textContent = Math.max(run.total_logs, seen.total);
  $("#s-errors").textContent = Math.max(run.total_errors, seen.error);
  $("#s-warnings").textContent = Math.max(run.total_warnings, seen.warning);
}

function tick() {
  if (state.run) $("#s-elapsed").textContent = fmtElapsed(elapsedOf(state.run));
}

function taskBox(name) {
  let box = [...document.querySelectorAll("#tasks .task")].find((b) => b.dataset.name === name);
  if (box) return box;
  const phases = name === "Sync Indexed Data" ? ["snapshot", "restore"] : ["clone"];
  box = el("details", { class: "task", "data-name": name },
    el("summary", {}, name, " ", el("span", { class: "task-status" })),
    el("div", { class: "bars" }, ...phases.map((p) => el("div", { class: "bar", "data-phase": p },
      el("span", { class: "label" }, phaseLabels[p]), el("progress", { max: "100", value: "0" }), el("span", { class: "pct" }, "0%")))),
    el("pre", { class: "logs" }));
  $("#tasks").append(box);
  return box;
}

function setProgress(name, phase, percent, status) {
  const box = taskBox(name);
  if (status) { box.querySelector(".task-status").textContent = "— " + status; box.dataset.status = status; }
  const order = ["snapshot", "restore"];
  for (const bar of box.querySelectorAll(".bar")) {
    const p = bar.dataset.phase;
    let value = p === phase ? percent : Number(bar.querySelector("progress").value);
    // A later phase has begun: the earlier one is complete.
    if (phase && order.indexOf(p) >= 0 && order.indexOf(p) < order.indexOf(phase)) value = 100;
    if (status === "succeeded") value = 100;
    bar.querySelector("progress").value = value;
    bar.querySelector(".pct").textContent = value + "%";
  }
}

function addLog(log) {
  const seen = state.logsSeen;
  seen.total = Math.max(seen.total, log.seq);
  if (log.level === "error" || log.level === "warning") seen[log.level]++;
  renderCounts();
  const box = taskBox(log.task || "Sync Database Data");
  const pre = box.querySelector(".logs");
  pre.append(el("div", { class: log.level }, "#" + log.seq + " " + fmtClock(log.at) + " [" + log.level + "] " + log.message));
  pre.scrollTop = pre.scrollHeight;
}

async function openRun(id, nav) {
  show("details");
  // Nothing of the run shown before stays on screen while this one loads.
  $("#tasks").replaceChildren();
  $("#run-title").textContent = "Run #" + id;
  for (const dd of document.querySelectorAll("dl.summary dd")) dd.textContent = "…";
  $("#s-times").textContent = "";
  $("#run-action-result").textContent = "";
  $("#run-cancel").hidden = true; $("#run-rerun").hidden = true;
  let run;
  try {
    run = await api("GET", orgPath() + "/runs/" + encodeURIComponent(id));
  } catch (e) {
    if (nav !== state.nav) return;
    if (e.code === "not_found") return showNotFound("Run #" + id + " does not exist in " + state.org + ". It may be a mistyped link.");
    throw e;
  }
  if (nav !== state.nav) return;
  state.logsSeen = { total: 0, error: 0, warning: 0 };
  renderSummary(run);
  state.ticker = setInterval(tick, 250);
  // Stored logs, then live frames; reconnect with the last line seen.
  let lastSeq = 0;
  const connect = () => {
    if (nav !== state.nav) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(proto + "//" + location.host + orgPath() + "/runs/" + encodeURIComponent(id) + "/events?after=" + lastSeq + "&token=" + encodeURIComponent(state.token));
    state.socket = socket;
    socket.onmessage = (m) => {
      if (state.socket !== socket) return;
      const frame = JSON.parse(m.data);
      if (frame.type === "run") {
        renderSummary(frame.run);
        // The live end frame's finished_at can differ from the stored one
        // by some milliseconds; the stored run is what a reload shows.
        if (finished(frame.run.status))
          api("GET", orgPath() + "/runs/" + encodeURIComponent(id)).then((stored) => {
            if (state.socket === socket && finished(stored.status)) renderSummary(stored);
          }).catch(() => {});
      }
      else if (frame.type === "progress") setProgress(frame.task, frame.phase, frame.percent);
      else if (frame.type === "log" && frame.seq > lastSeq) { lastSeq = frame.seq; addLog(frame); }
    };
    socket.onclose = () => {
      if (state.socket !== socket) return;
      if (state.run && !finished(state.run.status)) { probe(); setTimeout(connect, 1000); }
    };
  };
  connect();
}

// -- Recurring Jobs -----------------------------------------------------------

let recurringTimer = null;
async function loadRecurring() {
  const [{ recurring_jobs }] = await Promise.all([api("GET", orgPath() + "/recurring-jobs?limit=100"), loadEnvs()]);
  // Each job's latest run, a few requests at a time.
  const ids = [...new Set(recurring_jobs.map((j) => j.latest_run_id).filter(Boolean))];
  const latest = {};
  for (let i = 0; i < ids.length; i += 8)
    await Promise.all(ids.slice(i, i + 8).map((id) => api("GET", orgPath() + "/runs/" + id).then((r) => (latest[id] = r)).catch(() => {})));
  if ($("#recurring").hidden) return;
  $("#recurring-zone").textContent = "Next runs are shown in each job's own zone and in yours (" + viewerZone + ").";
  const report = (text) => { $("#recurring-message").textContent = text; };
  const act = (job, verb) => async () => {
    try {
      if (verb === "delete") await api("DELETE", orgPath() + "/recurring-jobs/" + job.job_id);
      else await api("POST", orgPath() + "/recurring-jobs/" + job.job_id + "/" + verb);
      report("");
    } catch (e) { report(inWords(e.message)); }
    loadRecurring();
  };
  // Delete asks first, in place: the row's buttons become the question.
  const confirmDelete = (job) => (e) => {
    const cell = e.target.closest("td");
    cell.replaceChildren(el("span", { class: "confirm" }, "Delete '" + job.name + "'? "),
      button("Yes, delete", "danger confirm-delete", act(job, "delete")),
      button("Keep it", "secondary", () => loadRecurring()));
    cell.querySelector(".confirm-delete").focus();
  };
  $("#recurring-list").replaceChildren(...recurring_jobs.map((job) => {
    const run = latest[job.latest_run_id];
    const zone = job.schedule.timezone || "UTC";
    // A job with no runs has no details page; otherwise its latest run's.
    const open = () => { if (job.latest_run_id) location.hash = "runs/" + job.latest_run_id; };
    return openableRow({ "data-job": job.job_id, "aria-label": job.name + ", " + job.state }, open,
      td("Name", job.name), td("Base", job.base_environment), td("Target", job.target_environment || job.new_environment || "—"),
      td("Schedule", describeSchedule(job.schedule)),
      el("td", { class: "status", "data-label": "State" }, job.state),
      td("Next run", job.next_run_at
        ? el("span", { class: "next-job-zone" }, fmtTime(job.next_run_at, zone) + (zone === viewerZone ? "" : " (" + zone + ")"))
        : "paused",
        job.next_run_at && zone !== viewerZone ? el("br") : null,
        job.next_run_at && zone !== viewerZone ? el("span", { class: "next-viewer-zone zone" }, fmtTime(job.next_run_at) + " your time") : null),
      td("Latest run", job.latest_run_id ? el("span", {}, "#" + job.latest_run_id + " ",
        el("span", { class: "status latest-status " + (run ? run.status : "") }, run ? run.status : "")) : "no runs yet"),
      el("td", { class: "row-actions" },
        button("Run now", "", () => runNow(job, report)),
        job.state === "active" ? button("Pause", "secondary", act(job, "pause")) : button("Resume", "", act(job, "resume")),
        button("Edit schedule", "secondary", () => (location.hash = "edit/" + job.job_id)),
        button("Delete", "danger", confirmDelete(job))));
  }));
  $("#recurring-empty").hidden = recurring_jobs.length > 0;
  // Catch up right after the soonest firing, even if no event says so.
  clearTimeout(recurringTimer);
  const soonest = Math.min(...recurring_jobs.filter((j) => j.next_run_at).map((j) => Date.parse(j.next_run_at)));
  if (Number.isFinite(soonest))
    recurringTimer = setTimeout(() => { if (!$("#recurring").hidden) loadRecurring().catch(() => {}); }, Math.min(Math.max(soonest - Date.now() + 1000, 1000), 600000));
}

// -- Environments ---------------------------------------------------------------

async function loadEnvironments() {
  const envs = await loadEnvs();
  const ids = new Set(envs.map((e) => e.id));
  const node = (env) => {
    const kids = envs.filter((e) => e.parent === env.id);
    return el("li", { "data-env": env.id },
      el("span", {}, el("strong", {}, env.display_name), " (" + env.id + ")",
        el("span", { class: "status env-status " + env.status }, env.status),
        env.run_id ? el("a", { href: "#runs/" + env.run_id, class: "env-run" }, "held by run #" + env.run_id) : null,
        el("span", { class: "zone" }, "created " + fmtTime(env.created_at))),
      kids.length ? el("ul", {}, ...kids.map(node)) : null);
  };
  $("#env-tree").replaceChildren(...envs.filter((e) => !e.parent || !ids.has(e.parent)).map(node));
}

// -- wiring -------------------------------------------------------------------

$("#login-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#token").value.trim()); });
$("#sign-out").addEventListener("click", signOut);
$("#job-form").addEventListener("submit", submitJob);
$("#job-form").addEventListener("change", updateForm);
$("#job-form").addEventListener("input", () => { if (!$("#schedule-fields").hidden) $("#schedule-summary").textContent = scheduleSentence($("#job-form")); });
$("#filters").addEventListener("input", filtersChanged);
$("#filters").addEventListener("submit", (e) => e.preventDefault());
$("#load-more").addEventListener("click", () => loadMoreRuns().catch((e) => { $("#runs-message").textContent = e.message; }));
$("#run-cancel").addEventListener("click", () => {
  const run = state.run;
  const here = () => state.run && state.run.id === run.id;
  // A queued run that is cancelled never starts, and its stream may say
  // nothing more: show the stored end.
  if (run) cancelRun(run, (text) => { if (here()) $("#run-action-result").textContent = text; })
    .then((ended) => { if (ended && here()) renderSummary(ended); });
});
$("#run-rerun").addEventListener("click", () => { if (state.run) runNow(state.run, (text) => { $("#run-action-result").textContent = text; }); });
for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => (location.hash = b.dataset.tab));
try { $("#zones").replaceChildren(...Intl.supportedValuesOf("timeZone").map((z) => el("option", { value: z }))); } catch (e) { /* older browsers: free text */ }
window.addEventListener("hashchange", route);
// The open list views follow the organization's event stream: any run frame
// (a run started, changed status or ended) refreshes them. A slow poll
// covers the moments the stream is reconnecting.
let orgSocket = null;
let refresh = null;
function refreshVisible() {
  if (state.down) return;
  if (!$("#jobs").hidden) loadRuns().catch(() => {});
  // An open delete question is not swept away by a refresh.
  if (!$("#recurring").hidden && !$("#recurring-list .confirm")) loadRecurring().catch(() => {});
  if (!$("#environments").hidden) loadEnvironments().catch(() => {});
}
function followOrganization() {
  if (!state.token || !state.org || orgSocket) return;
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = orgSocket = new WebSocket(proto + "//" + location.host + orgPath() + "/events?token=" + encodeURIComponent(state.token));
  socket.onmessage = (m) => {
    if (JSON.parse(m.data).type !== "run" || refresh) return;
    refresh = setTimeout(() => { refresh = null; refreshVisible(); }, 200);
  };
  socket.onclose = () => {
    if (orgSocket !== socket) return;
    orgSocket = null;
    probe();
    setTimeout(followOrganization, 2000);
  };
}
setInterval(() => { followOrganization(); refreshVisible(); }, 15000);
if (state.token) signIn(state.token); else show("login");
