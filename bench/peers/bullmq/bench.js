'use strict';
// The peer of downhill's throughput benchmark: the same two shapes, run on
// BullMQ over Redis, the job queue downhill's users would otherwise pick.
// A queue stands for an organization, a job for a run (README.md says how
// far the mapping goes).
//
//   node bench.js [--queues 64] [--seconds 20] [--serial-queues 1000]
//                 [--serial-jobs 5] [--clients 64] [--shape loop|serial|both]
//                 [--quick] [--redis-host 127.0.0.1] [--redis-port 6379]
//
// Normally started by run.sh, which brings up a throwaway Redis. Numbers are
// printed, never asserted.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { performance } = require('perf_hooks');
const { Queue, Worker, QueueEvents } = require('bullmq');
const IORedis = require('ioredis');

// A job that never finishes would hang a producer forever; fail loudly instead.
const JOB_TIMEOUT_MS = 60_000;
// How many queues are opened (connected) at once while setting up.
const OPEN_BATCH = 64;

const USAGE = `usage: node bench.js [options]
  --queues N         loop: queues, one producer and one worker each (default 64)
  --seconds N        loop: length of the window (default 20)
  --serial-queues N  serial: queues (default 1000)
  --serial-jobs N    serial: jobs per queue, one after the other (default 5)
  --clients N        serial: queues in flight at once (default 64)
  --shape S          loop, serial or both (default both)
  --quick            seconds-long sizes, as throughput_bench --quick: 4 queues
                     for 2 s; 20 queues x 2 jobs with 8 in flight
  --redis-host H     (default 127.0.0.1)
  --redis-port P     (default 6379)`;

function parseArgs(argv) {
  const numeric = {
    '--queues': 'queues',
    '--seconds': 'seconds',
    '--serial-queues': 'serialQueues',
    '--serial-jobs': 'serialJobs',
    '--clients': 'clients',
    '--redis-port': 'redisPort',
  };
  const given = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') {
      quick = true;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg in numeric && i + 1 < argv.length) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value <= 0) fail(`${arg} wants a positive integer`);
      given[numeric[arg]] = value;
    } else if (arg === '--shape' && i + 1 < argv.length) {
      given.shape = argv[++i];
      if (!['loop', 'serial', 'both'].includes(given.shape)) fail('--shape is loop, serial or both');
    } else if (arg === '--redis-host' && i + 1 < argv.length) {
      given.redisHost = argv[++i];
    } else {
      fail(`unknown or incomplete argument: ${arg}`);
    }
  }
  // --quick only changes defaults, so explicit flags win whatever their order.
  const defaults = {
    queues: quick ? 4 : 64,
    seconds: quick ? 2 : 20,
    serialQueues: quick ? 20 : 1000,
    serialJobs: quick ? 2 : 5,
    clients: quick ? 8 : 64,
    shape: 'both',
    redisHost: '127.0.0.1',
    redisPort: 6379,
  };
  return { ...defaults, ...given, quick };
}

function fail(message) {
  console.error(`bench.js: ${message}\n${USAGE}`);
  process.exit(2);
}

// ---- CPU accounting -------------------------------------------------------

function clockTicksPerSecond() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}
const CLOCK_TICKS = clockTicksPerSecond();

// utime + stime of a whole process (all its threads), in ms; null when the
// process is not on this machine (a remote Redis) or /proc is not readable.
function processCpuMs(pid) {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: the fields start after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

function cpuSnapshot(redisPid) {
  return {
    wallMs: performance.now(),
    nodeUs: process.cpuUsage(),
    redisMs: processCpuMs(redisPid),
  };
}

function cpuSince(before, redisPid) {
  const after = cpuSnapshot(redisPid);
  const node = process.cpuUsage(before.nodeUs);
  return {
    wallMs: after.wallMs - before.wallMs,
    nodeMs: (node.user + node.system) / 1000,
    redisMs: before.redisMs === null || after.redisMs === null ? null : after.redisMs - before.redisMs,
  };
}

// ---- queues ---------------------------------------------------------------

// The work of a job: none. Downhill's run does durable file work; this one
// returns at once, so what is measured is the queue's own cost.
async function processJob() {
  return 0;
}

class BenchQueue {
  constructor(name, options) {
    // Each class opens its own connections from the options, BullMQ's
    // default: a producer, a worker and a waiter would be separate programs.
    this.queue = new Queue(name, options);
    // One job at a time per queue, as downhill runs one environment job at a
    // time per organization.
    this.worker = new Worker(name, processJob, { ...options, concurrency: 1 });
    this.events = new QueueEvents(name, options);
    this.worker.on('error', (err) => noteError('worker', err));
    this.events.on('error', (err) => noteError('queue events', err));
    this.queue.on('error', (err) => noteError('queue', err));
  }

  async ready() {
    await Promise.all([this.queue.waitUntilReady(), this.worker.waitUntilReady(), this.events.waitUntilReady()]);
  }

  // Adds one job and waits until a worker has finished it.
  async runOne(data, latencies) {
    const start = performance.now();
    const job = await this.queue.add('run', data);
    const added = performance.now();
    await job.waitUntilFinished(this.events, JOB_TIMEOUT_MS);
    const finished = performance.now();
    if (latencies) {
      latencies.add.push(added - start);
      latencies.endToEnd.push(finished - start);
    }
  }

  async close() {
    await Promise.all([this.worker.close(), this.events.close(), this.queue.close()]);
  }
}

let errorCount = 0;
function noteError(where, err) {
  errorCount++;
  if (errorCount <= 5) console.error(`bench.js: ${where} error: ${err && err.message}`);
}

async function openQueues(names, options) {
  const opened = [];
  for (let i = 0; i < names.length; i += OPEN_BATCH) {
    const batch = names.slice(i, i + OPEN_BATCH).map((name) => new BenchQueue(name, options));
    await Promise.all(batch.map((q) => q.ready()));
    opened.push(...batch);
  }
  return opened;
}

async function closeQueues(queues) {
  for (let i = 0; i < queues.length; i += OPEN_BATCH) {
    await Promise.all(queues.slice(i, i + OPEN_BATCH).map((q) => q.close()));
  }
}

// ---- statistics -----------------------------------------------------------

// Nearest-rank percentile of an ascending array.
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

// ---- the two shapes -------------------------------------------------------

// loop: one producer per queue adds a job, waits for its end, and repeats
// until the window closes. A job in flight at the close is still counted,
// and the window is measured to the last one's end.
async function runLoop(opts, connection, prefix, redisPid) {
  const names = Array.from({ length: opts.queues }, (_, i) => `loop-${i}`);
  const queues = await openQueues(names, { connection, prefix });
  // One job per queue first: connections warm, Lua scripts loaded.
  await Promise.all(queues.map((q) => q.runOne({ warmup: true })));

  const latencies = { add: [], endToEnd: [] };
  const cpuStart = cpuSnapshot(redisPid);
  const deadline = performance.now() + opts.seconds * 1000;
  await Promise.all(
    queues.map(async (q, queueIndex) => {
      for (let seq = 0; performance.now() < deadline; seq++) {
        await q.runOne({ queue: queueIndex, seq }, latencies);
      }
    }),
  );
  const cpu = cpuSince(cpuStart, redisPid);
  await closeQueues(queues);

  return {
    shape: `loop: ${opts.queues} queues, ${opts.seconds} s`,
    jobs: latencies.endToEnd.length,
    cpu,
    add: summary(latencies.add),
    endToEnd: summary(latencies.endToEnd),
  };
}

// serial: every queue gets its jobs one after the other; up to --clients
// queues are worked at once. All queues (with their workers) are open before
// the clock starts, as a deployment with that many organizations would be.
async function runSerial(opts, connection, prefix, redisPid) {
  const names = Array.from({ length: opts.serialQueues }, (_, i) => `serial-${i}`);
  const queues = await openQueues(names, { connection, prefix });
  // Loads the Lua scripts (if the loop shape has not) without giving any
  // measured queue an extra job.
  const [warmup] = await openQueues(['serial-warmup'], { connection, prefix });
  await warmup.runOne({ warmup: true });
  await warmup.close();

  const latencies = { add: [], endToEnd: [] };
  const cpuStart = cpuSnapshot(redisPid);
  let nextQueue = 0;
  const lane = async () => {
    while (nextQueue < queues.length) {
      const queueIndex = nextQueue++;
      for (let seq = 0; seq < opts.serialJobs; seq++) {
        await queues[queueIndex].runOne({ queue: queueIndex, seq }, latencies);
      }
    }
  };
  const lanes = Math.min(opts.clients, queues.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  const cpu = cpuSince(cpuStart, redisPid);
  await closeQueues(queues);

  return {
    shape: `serial: ${opts.serialQueues} queues x ${opts.serialJobs} jobs, ${lanes} in flight`,
    jobs: latencies.endToEnd.length,
    cpu,
    add: summary(latencies.add),
    endToEnd: summary(latencies.endToEnd),
  };
}

// ---- report ---------------------------------------------------------------

function installedVersion(pkg) {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

function printTable(results, header) {
  const ms = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const us = (x) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(0));
  const rows = [
    ['jobs completed', (r) => String(r.jobs)],
    ['wall (s)', (r) => (r.cpu.wallMs / 1000).toFixed(2)],
    ['jobs/s', (r) => ((r.jobs * 1000) / r.cpu.wallMs).toFixed(0)],
    ['add p50 (ms)', (r) => ms(r.add.p50)],
    ['add p99 (ms)', (r) => ms(r.add.p99)],
    ['add max (ms)', (r) => ms(r.add.max)],
    ['end-to-end p50 (ms)', (r) => ms(r.endToEnd.p50)],
    ['end-to-end p99 (ms)', (r) => ms(r.endToEnd.p99)],
    ['CPU/job redis+node (us)', (r) => us(r.cpu.redisMs === null ? null : ((r.cpu.redisMs + r.cpu.nodeMs) * 1000) / r.jobs)],
    ['  of which redis (us)', (r) => us(r.cpu.redisMs === null ? null : (r.cpu.redisMs * 1000) / r.jobs)],
    ['  of which node (us)', (r) => us((r.cpu.nodeMs * 1000) / r.jobs)],
  ];
  console.log(header);
  for (const r of results) console.log(`  ${r.shape}`);
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const cells = rows.map(([, cell]) => results.map(cell));
  const colWidth = Math.max(8, ...cells.flat().map((c) => c.length), ...results.map((r) => r.shape.split(':')[0].length));
  const line = (label, values) => `${label.padEnd(labelWidth)}  ${values.map((v) => v.padStart(colWidth)).join('  ')}`;
  console.log('');
  console.log(line('', results.map((r) => r.shape.split(':')[0])));
  rows.forEach(([label], i) => console.log(line(label, cells[i])));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const connection = { host: opts.redisHost, port: opts.redisPort };
  // Every run gets its own key prefix, so a Redis that is reused never mixes
  // two runs' jobs.
  const prefix = `dh-peer-${process.pid}-${Date.now()}`;

  const admin = new IORedis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  const info = await admin.info('server');
  await admin.quit();
  const redisVersion = (/redis_version:(\S+)/.exec(info) || [])[1] || '?';
  let redisPid = Number((/process_id:(\d+)/.exec(info) || [])[1]) || null;
  // Only count a process that is this Redis on this machine.
  if (redisPid && !/redis/.test(safeRead(`/proc/${redisPid}/comm`))) redisPid = null;

  const results = [];
  if (opts.shape !== 'serial') results.push(await runLoop(opts, connection, prefix, redisPid));
  if (opts.shape !== 'loop') results.push(await runSerial(opts, connection, prefix, redisPid));

  const header =
    `BullMQ ${installedVersion('bullmq')} (ioredis ${installedVersion('ioredis')}) on Redis ${redisVersion}` +
    `, node ${process.version}, ${require('os').cpus().length} cores` +
    (redisPid ? '' : ' (Redis CPU not readable: n/a)');
  printTable(results, header);
  if (errorCount > 0) {
    console.error(`bench.js: ${errorCount} connection or worker errors during the run`);
    process.exitCode = 1;
  }
}

function safeRead(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

main()
  .catch((err) => {
    console.error(`bench.js: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 1;
  })
  // Lingering sockets or timers must not keep a finished benchmark alive.
  .finally(() => setImmediate(() => process.exit()));
