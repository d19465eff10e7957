// The downhill dashboard: plain JavaScript on the public API (docs/api.md).
"use strict";

const state = { token: localStorage.getItem("downhill-token") || "", org: "",
                user: "", envs: [], socket: null, ticker: null };
const $ = (sel) => document.querySelector(sel);

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { "Authorization": "Bearer " + state.token,
               "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const error = (data && data.error) || { code: "http_" + res.status, message: res.statusText };
    throw error;
  }
  return data;
}

const orgPath = () => "/api/v1/orgs/" + encodeURIComponent(state.org);
const fmtTime = (t) => (t ? new Date(t).toLocaleString() : "—");
function fmtElapsed(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + r + "s" + (s < 10 ? " " + (ms % 1000) + "ms" : "");
}
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c));
  return node;
}

// -- navigation ---------------------------------------------------------------

function show(tab) {
  for (const id of ["login", "jobs", "create", "recurring", "details"]) $("#" + id).hidden = id !== tab;
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === tab);
  if (state.socket && tab !== "details") { state.socket.close(); state.socket = null; }
  clearInterval(state.ticker);
}

async function route() {
  if (!state.token) return show("login");
  const hash = location.hash.slice(1) || "jobs";
  if (hash.startsWith("runs/")) return openRun(hash.slice(5));
  show(hash);
  if (hash === "jobs") return loadRuns();
  if (hash === "create") return loadForm();
  if (hash === "recurring") return loadRecurring();
}

// -- sign in ----------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    const me = await api("GET", "/api/v1/me");
    if (!me.org) throw { message: "This is the admin token: sign in with a user's token." };
    state.org = me.org; state.user = me.user;
    localStorage.setItem("downhill-token", token);
    $("#who").textContent = me.user + " @ " + me.org;
    $("#tabs").hidden = false;
    followOrganization();
    route();
  } catch (e) {
    state.token = "";
    localStorage.removeItem("downhill-token");
    $("#login-error").textContent = e.message || "This token was not accepted.";
    show("login");
  }
}

// -- Jobs tab ---------------------------------------------------------------

async function loadRuns() {
  const { runs } = await api("GET", orgPath() + "/runs?limit=100");
  const body = $("#runs");
  body.replaceChildren(...runs.map((r) => el("tr", { onclick: () => (location.hash = "runs/" + r.id) },
    el("td", {}, "#" + r.id), el("td", {}, r.name), el("td", {}, r.type === "sync_environments" ? "Sync Environments" : "Create Environment"),
    el("td", {}, r.base_environment + " → " + r.target_environment),
    el("td", { class: "status " + r.status }, r.status), el("td", {}, r.trigger), el("td", {}, fmtTime(r.created_at)))));
  $("#runs-empty").hidden = runs.length > 0;
}

// -- Create New Job ---------------------------------------------------------

async function loadForm() {
  state.envs = (await api("GET", orgPath() + "/environments")).environments;
  const base = $("[name=base_environment]");
  const keep = base.value;
  base.replaceChildren(...state.envs.filter((e) => e.status !== "creating").map((e) => el("option", { value: e.id }, e.display_name + " (" + e.id + ")")));
  if (keep) base.value = keep;
  updateForm();
}

function updateForm() {
  const form = $("#job-form");
  const type = form.type.value;
  $("#sync-fields").hidden = type !== "sync_environments";
  $("#create-fields").hidden = type !== "create_environment";
  const base = form.base_environment.value;
  // A sync copies from a parent into its direct child only: offer exactly
  // the base's children, and say why when there are none.
  const children = state.envs.filter((e) => e.parent === base);
  form.target_environment.replaceChildren(...children.map((e) => el("option", { value: e.id }, e.display_name + " (" + e.id + ")")));
  $("#target-hint").textContent = children.length
    ? "Only direct children of '" + base + "' are offered: data flows downhill, from parent to child, and main is never a target."
    : "'" + base + "' has no child environments, so there is nothing to sync into. Create one first, or pick another base.";
  const scheduled = form.when.value === "schedule";
  $("#schedule-fields").hidden = !scheduled;
  for (const label of document.querySelectorAll("[data-kind]"))
    label.hidden = !label.dataset.kind.split(" ").includes(form.kind.value);
}

function scheduleOf(form) {
  if (form.when.value === "now") return { kind: "now" };
  const kind = form.kind.value;
  const s = { kind, timezone: form.timezone.value || "UTC" };
  if (kind === "hourly") s.minute = Number(form.minute.value);
  if (kind === "daily" || kind === "weekly") s.at = form.at.value;
  if (kind === "weekly") s.day = form.day.value;
  if (kind === "interval") s.every_seconds = Number(form.every_seconds.value);
  if (kind === "cron") s.expression = form.expression.value;
  return s;
}

const fieldOfCode = { unknown_environment: "base_environment", same_environment: "target_environment",
  main_as_target: "target_environment", not_parent_child: "target_environment", child_to_parent: "target_environment",
  name_taken: "new_environment", invalid_schedule: "schedule", job_in_progress: "form" };

async function submitJob(event) {
  event.preventDefault();
  const form = event.target;
  for (const p of form.querySelectorAll(".error")) p.textContent = "";
  const body = { name: form.name.value, type: form.type.value, base_environment: form.base_environment.value, schedule: scheduleOf(form) };
  if (body.type === "sync_environments") body.target_environment = form.target_environment.value;
  else { body.new_environment = form.new_environment.value; if (form.display_name.value) body.display_name = form.display_name.value; }
  try {
    const res = await api("POST", orgPath() + "/jobs", body);
    // Run Now opens the run; a recurring job has no run yet: its tab lists it.
    location.hash = res.run ? "runs/" + res.run.id : "recurring";
  } catch (e) {
    const field = e.field || fieldOfCode[e.code] || "form";
    const target = form.querySelector('[data-field="' + field + '"]') || form.querySelector('[data-field="form"]');
    target.textContent = e.message + (e.run_id ? " (run #" + e.run_id + ")" : "");
  }
}

// -- Job Details --------------------------------------------------------------

const phaseLabels = { clone: "Database clone", snapshot: "Creating snapshot", restore: "Restoring snapshot" };

function renderSummary(run) {
  state.run = run;
  $("#run-title").textContent = run.name + " — run #" + run.id;
  const status = $("#s-status");
  status.textContent = run.status; status.className = "status " + run.status;
  $("#s-logs").textContent = run.total_logs;
  $("#s-errors").textContent = run.total_errors;
  $("#s-warnings").textContent = run.total_warnings;
  $("#s-created-by").textContent = run.created_by;
  state.elapsedBase = { ms: run.elapsed_ms, at: Date.now(), running: run.status === "running" };
  tick();
  for (const task of run.tasks) setProgress(task.name, task.phase, task.percent, task.status);
}

function tick() {
  const e = state.elapsedBase;
  if (e) $("#s-elapsed").textContent = fmtElapsed(e.ms + (e.running ? Date.now() - e.at : 0));
}

function taskBox(name) {
  let box = document.querySelector('.task[data-name="' + name + '"]');
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
  if (status) box.querySelector(".task-status").textContent = "— " + status;
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
  const box = taskBox(log.task || "Sync Database Data");
  const pre = box.querySelector(".logs");
  pre.append(el("div", { class: log.level }, "#" + log.seq + " " + new Date(log.at).toLocaleTimeString() + " [" + log.level + "] " + log.message));
  pre.scrollTop = pre.scrollHeight;
}

async function openRun(id) {
  show("details");
  $("#tasks").replaceChildren();
  const run = await api("GET", orgPath() + "/runs/" + id);
  renderSummary(run);
  state.ticker = setInterval(tick, 250);
  // Stored logs, then live frames; reconnect with the last line seen.
  let lastSeq = 0;
  const connect = () => {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(proto + "//" + location.host + orgPath() + "/runs/" + id + "/events?after=" + lastSeq + "&token=" + encodeURIComponent(state.token));
    state.socket = socket;
    socket.onmessage = (m) => {
      const frame = JSON.parse(m.data);
      if (frame.type === "run") renderSummary(frame.run);
      else if (frame.type === "progress") setProgress(frame.task, frame.phase, frame.percent);
      else if (frame.type === "log" && frame.seq > lastSeq) { lastSeq = frame.seq; addLog(frame); }
    };
    socket.onclose = () => {
      if (state.socket === socket && state.run && ["running", "queued"].includes(state.run.status)) setTimeout(connect, 1000);
    };
  };
  connect();
}

// -- Recurring Jobs -----------------------------------------------------------

function describeSchedule(s) {
  const tz = s.timezone && s.timezone !== "UTC" ? " (" + s.timezone + ")" : "";
  switch (s.kind) {
    case "hourly": return "hourly at minute " + s.minute + tz;
    case "daily": return "daily at " + s.at + tz;
    case "weekly": return "weekly on " + s.day + " at " + s.at + tz;
    case "interval": return "every " + s.every_seconds + " s";
    case "cron": return "cron " + s.expression + tz;
    default: return s.kind;
  }
}

async function loadRecurring() {
  const { recurring_jobs } = await api("GET", orgPath() + "/recurring-jobs");
  const act = (job, verb) => async (e) => {
    e.stopPropagation();
    if (verb === "delete") await api("DELETE", orgPath() + "/recurring-jobs/" + job.job_id);
    else await api("POST", orgPath() + "/recurring-jobs/" + job.job_id + "/" + verb);
    loadRecurring();
  };
  $("#recurring-list").replaceChildren(...recurring_jobs.map((job) => el("tr", {
      // A job with no runs has no details page; otherwise its latest run's.
      onclick: () => { if (job.latest_run_id) location.hash = "runs/" + job.latest_run_id; } },
    el("td", {}, job.name), el("td", {}, describeSchedule(job.schedule)),
    el("td", { class: "status" }, job.state), el("td", {}, fmtTime(job.next_run_at)),
    el("td", {}, job.latest_run_id ? "#" + job.latest_run_id : "no runs yet"),
    el("td", {}, job.state === "active" ? el("button", { class: "action secondary", onclick: act(job, "pause") }, "Pause")
                                        : el("button", { class: "action", onclick: act(job, "resume") }, "Resume"),
      " ", el("button", { class: "action secondary", onclick: act(job, "delete") }, "Delete")))));
  $("#recurring-empty").hidden = recurring_jobs.length > 0;
}

// -- wiring -------------------------------------------------------------------

$("#login-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#token").value.trim()); });
$("#job-form").addEventListener("submit", submitJob);
$("#job-form").addEventListener("change", updateForm);
for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => (location.hash = b.dataset.tab));
window.addEventListener("hashchange", route);
// The Jobs tab follows the organization's event stream: any run frame (a run
// started, changed status or ended) refreshes the listing. A slow poll
// covers the moments the stream is reconnecting.
let orgSocket = null;
let refresh = null;
function followOrganization() {
  if (!state.token || !state.org || orgSocket) return;
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  orgSocket = new WebSocket(proto + "//" + location.host + orgPath() + "/events?token=" + encodeURIComponent(state.token));
  orgSocket.onmessage = (m) => {
    if (JSON.parse(m.data).type !== "run" || $("#jobs").hidden || refresh) return;
    refresh = setTimeout(() => { refresh = null; loadRuns().catch(() => {}); }, 200);
  };
  orgSocket.onclose = () => { orgSocket = null; setTimeout(followOrganization, 2000); };
}
setInterval(() => {
  followOrganization();
  if (!$("#jobs").hidden) loadRuns().catch(() => {});
}, 15000);
if (state.token) signIn(state.token); else show("login");
