#!/usr/bin/env node
// Alternative load generator (Node `ws` clients), kept to compare against bench/loadgen.py (picows):
// the benchmark uses whichever sustains more requests per load-generator CPU-second (docs/performance.md).
//
//   node bench/node/echo_loadgen.js --url ws://127.0.0.1:PORT/ [--clients 50] [--warmup 2] [--duration 10]
//        [--payload-bytes 1024] [--expect-welcome]
//
// Closed loop like bench/loadgen.py: each client sends a JSON-RPC sys.echo request with a ~1 KB `data`,
// waits for the answer, sends the next. Prints `RESULT {...}`. Loopback URLs only; bounded in time.
'use strict';

const WebSocket = require('ws');

function parseArgs(argv) {
  const o = { url: '', clients: 50, warmup: 2, duration: 10, payloadBytes: 1024, expectWelcome: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--url') o.url = argv[++i];
    else if (a === '--clients') o.clients = Math.min(Number(argv[++i]), 20000);
    else if (a === '--warmup') o.warmup = Number(argv[++i]);
    else if (a === '--duration') o.duration = Math.min(Number(argv[++i]), 120);
    else if (a === '--payload-bytes') o.payloadBytes = Number(argv[++i]);
    else if (a === '--expect-welcome') o.expectWelcome = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!/^ws:\/\/(127\.|localhost)/.test(o.url)) throw new Error('loopback URLs only');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const payload = JSON.stringify({ note: 'x'.repeat(Math.max(0, opts.payloadBytes - 11)) });
const prefix = '{"jsonrpc":"2.0","id":';
const suffix = `,"method":"sys.echo","params":{"data":${payload}}}`;

let running = false;
let measuring = false;
let answers = 0;
let bad = 0;
const latencies = [];

function client() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, { perMessageDeflate: false });
    let welcomed = !opts.expectWelcome;
    let nextId = 1;
    let sentAt = 0n;
    const sendNext = () => {
      sentAt = process.hrtime.bigint();
      ws.send(prefix + nextId + suffix);
      nextId += 1;
    };
    ws.on('open', () => { if (welcomed) resolve(sendNext); });
    ws.on('message', (data) => {
      if (!welcomed) { welcomed = true; resolve(sendNext); return; }
      const now = process.hrtime.bigint();
      const text = data.toString();
      if (!text.startsWith(`${prefix}${nextId - 1},`)) bad += 1;
      else if (measuring) { answers += 1; latencies.push(Number(now - sentAt)); }
      if (running) sendNext();
    });
    ws.on('error', reject);
  });
}

async function main() {
  const starters = [];
  for (let i = 0; i < opts.clients; i += 64) {
    const batch = [];
    for (let j = i; j < Math.min(i + 64, opts.clients); j += 1) batch.push(client());
    starters.push(...(await Promise.all(batch)));
  }
  running = true;
  starters.forEach((start) => start());
  await new Promise((r) => setTimeout(r, opts.warmup * 1000));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  measuring = true;
  await new Promise((r) => setTimeout(r, opts.duration * 1000));
  measuring = false;
  running = false;
  const window = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  latencies.sort((a, b) => a - b);
  const pct = (q) => latencies[Math.max(0, Math.ceil((q / 100) * latencies.length) - 1)] / 1e6;
  process.stdout.write(`RESULT ${JSON.stringify({
    clients: opts.clients, window_s: window, answers, rps: answers / window, p50_ms: pct(50), p99_ms: pct(99),
    bad_answers: bad, loadgen_cpu_s: cpuS, loadgen_cpu_pct: (100 * cpuS) / window,
  })}\n`);
  process.exit(0);
}

main().catch((err) => { console.error(err); process.exit(1); });
setTimeout(() => { console.error('timed out'); process.exit(1); }, (opts.warmup + opts.duration + 120) * 1000).unref();
