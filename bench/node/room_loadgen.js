#!/usr/bin/env node
// Fan-out load generator for bench/room_bench.py: N subscribers and one publisher in one Node process.
//
//   node bench/node/room_loadgen.js --kind gateway|ws|socketio|colyseus --url URL [--tokens FILE]
//        [--subscribers 1000] [--rates 30,300] [--warmup 2] [--duration 10] [--drain 3] [--payload-bytes 100]
//
// Each kind is driven through its own client: `ws` for the RealtimeNet gateway (JSON-RPC room.join /
// room.publish) and for the raw Node ws broadcast server, `socket.io-client` for Socket.IO, and
// `colyseus.js` for Colyseus. The publisher is one extra member of the room; it sends, per phase, a
// fixed number of messages per second, each a JSON object {"seq":N,"t":<performance.now() ms>,"pad":..}
// of about --payload-bytes bytes. Subscribers (not the publisher) count deliveries and record the
// end-to-end latency (publisher and subscribers share this process's clock).
//
// Per rate: warm-up (sent, not measured), a measured window, then a drain (nothing sent) during which
// the window's messages may still arrive. A window message not received by a subscriber by the end of
// the drain counts as lost. Lines on stdout: CONNECTED {..}, then per phase MEASURE_START {..},
// MEASURE_END {..}, PHASE {..}, and finally RESULT {..}. Only loopback URLs are accepted.
'use strict';

const fs = require('fs');
const { performance } = require('perf_hooks');

function parseArgs(argv) {
  const o = { kind: '', url: '', tokens: '', subscribers: 1000, rates: [30], warmup: 2, duration: 10,
    drain: 3, payloadBytes: 100, connectTimeout: 120, concurrency: 50 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--kind') o.kind = v();
    else if (a === '--url') o.url = v();
    else if (a === '--tokens') o.tokens = v();
    else if (a === '--subscribers') o.subscribers = Math.min(Number(v()), 20000);
    else if (a === '--rates') o.rates = v().split(',').map(Number).map((r) => Math.min(r, 20000));
    else if (a === '--warmup') o.warmup = Number(v());
    else if (a === '--duration') o.duration = Math.min(Number(v()), 60);
    else if (a === '--drain') o.drain = Math.min(Number(v()), 30);
    else if (a === '--payload-bytes') o.payloadBytes = Number(v());
    else if (a === '--connect-timeout') o.connectTimeout = Number(v());
    else if (a === '--concurrency') o.concurrency = Number(v());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['gateway', 'ws', 'socketio', 'colyseus'].includes(o.kind)) throw new Error(`bad --kind ${o.kind}`);
  if (!/^(ws|http):\/\/(127\.\d+\.\d+\.\d+|localhost)[:/]/.test(o.url)) throw new Error('loopback URLs only');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const emit = (kw, body) => process.stdout.write(body === undefined ? `${kw}\n` : `${kw} ${JSON.stringify(body)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ----- shared counters --------------------------------------------------------------------------------

const st = {
  measuring: false, // arrivals count as window deliveries
  winFirst: Infinity, // seq range of the messages published inside the window
  winLast: -1,
  delivered: 0, // arrivals (any seq) while measuring
  received: new Uint32Array(1 << 20), // receipts per seq, by subscribers
  lat: new Float64Array(1 << 22), // latencies (ms) of window messages
  latN: 0,
  latSeen: 0,
  bad: 0,
  disconnects: 0,
  publishErrors: 0, // error responses to the publisher's room.publish (gateway), cumulative
  firstError: '',
  bytesInWindow: 0, // payload bytes of the deliveries counted in `delivered` (gateway and ws kinds only)
};

function record(seq, t) {
  const now = performance.now();
  if (st.measuring) st.delivered += 1;
  if (seq < st.received.length) st.received[seq] += 1;
  if (seq >= st.winFirst && seq <= st.winLast) {
    st.latSeen += 1;
    if (st.latN < st.lat.length) st.lat[st.latN++] = now - t;
    else { // reservoir sampling once the buffer is full
      const j = Math.floor(Math.random() * st.latSeen);
      if (j < st.lat.length) st.lat[j] = now - t;
    }
  }
}

const SEQ_T = /"seq":(\d+),"t":([0-9.]+)/;
function recordText(text) {
  const m = SEQ_T.exec(text);
  if (m === null) { st.bad += 1; return; }
  record(Number(m[1]), Number(m[2]));
}

function makeData(seq) {
  const base = { seq, t: performance.now(), pad: '' };
  const len = JSON.stringify(base).length;
  base.pad = 'x'.repeat(Math.max(0, opts.payloadBytes - len));
  return base;
}

// ----- per-kind clients ---------------------------------------------------------------------------------
// connect(index, isPublisher) resolves to { publish(seq) } once the client is in the room.

let tokens = [];
if (opts.kind === 'gateway') tokens = fs.readFileSync(opts.tokens, 'utf8').trim().split('\n');

function wsConnect(index, isPublisher) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const url = opts.kind === 'gateway' ? `${opts.url}?access_token=${tokens[index]}` : opts.url;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let stage = opts.kind === 'gateway' ? 'welcome' : 'ready';
    let nextId = 2;
    const timer = setTimeout(() => reject(new Error(`connect ${index} timed out`)), 30000);
    const client = {
      bytes: 0,
      publish(seq) {
        const data = JSON.stringify(makeData(seq));
        if (opts.kind === 'gateway') {
          ws.send(`{"jsonrpc":"2.0","id":${nextId++},"method":"room.publish","params":{"room":"arena","data":${data}}}`);
        } else { // the same envelope (and size) as the gateway's room.event, forwarded as-is
          ws.send(`{"jsonrpc":"2.0","method":"room.event","params":{"room":"arena","epoch":"0123456789abcdef",`
            + `"offset":${seq},"from":"p${index}","data":${data}}}`);
        }
      },
    };
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
    ws.on('close', () => { st.disconnects += 1; });
    ws.on('open', () => {
      if (stage === 'ready') { clearTimeout(timer); resolve(client); }
    });
    ws.on('message', (buf) => {
      if (stage === 'welcome') {
        stage = 'join';
        ws.send('{"jsonrpc":"2.0","id":1,"method":"room.join","params":{"room":"arena"}}');
        return;
      }
      if (stage === 'join') {
        const msg = JSON.parse(buf.toString());
        if (msg.id !== 1) return; // some other notification
        if (!msg.result) { clearTimeout(timer); reject(new Error(`join failed: ${buf}`)); return; }
        stage = 'ready';
        clearTimeout(timer);
        resolve(client);
        return;
      }
      client.bytes += buf.length;
      if (isPublisher) {
        if (opts.kind === 'gateway' && buf.includes('"error":') && !buf.includes('"method":"room.event"')) {
          st.publishErrors += 1;
          if (!st.firstError) st.firstError = buf.toString().slice(0, 300);
        }
        return;
      }
      const text = buf.toString();
      if (text.startsWith('{"jsonrpc":"2.0","method":"room.event"')) {
        if (st.measuring) st.bytesInWindow += buf.length;
        recordText(text);
      }
    });
  });
}

function socketioConnect(index, isPublisher) {
  const { io } = require('socket.io-client');
  return new Promise((resolve, reject) => {
    const socket = io(opts.url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30000 });
    socket.on('connect_error', (e) => reject(e));
    socket.on('disconnect', () => { st.disconnects += 1; });
    socket.on('connect', () => resolve({ publish(seq) { socket.emit('pub', makeData(seq)); } }));
    if (!isPublisher) socket.on('ev', (d) => { if (d && typeof d.seq === 'number') record(d.seq, d.t); else st.bad += 1; });
  });
}

let colyseusClient = null;
async function colyseusConnect(index, isPublisher) {
  const { Client } = require('colyseus.js');
  if (colyseusClient === null) colyseusClient = new Client(opts.url);
  const room = await colyseusClient.joinOrCreate('arena');
  room.onLeave(() => { st.disconnects += 1; });
  if (!isPublisher) room.onMessage('ev', (d) => { if (d && typeof d.seq === 'number') record(d.seq, d.t); else st.bad += 1; });
  else room.onMessage('ev', () => {});
  return { publish(seq) { room.send('pub', makeData(seq)); } };
}

const connectOne = { gateway: wsConnect, ws: wsConnect, socketio: socketioConnect, colyseus: colyseusConnect }[opts.kind];

async function connectAll() {
  const started = performance.now();
  const publisher = await connectOne(opts.subscribers, true); // first: creates the room where that matters
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < opts.subscribers) {
      const i = next++;
      await connectOne(i, false);
      done += 1;
    }
  }
  const workers = [];
  for (let w = 0; w < opts.concurrency; w += 1) workers.push(worker());
  await Promise.race([Promise.all(workers),
    sleep(opts.connectTimeout * 1000).then(() => { throw new Error(`only ${done} subscribers connected`); })]);
  emit('CONNECTED', { subscribers: done, seconds: Number(((performance.now() - started) / 1000).toFixed(3)) });
  return publisher;
}

// ----- phases ---------------------------------------------------------------------------------------------

function pct(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))];
}

async function runPhase(publisher, rate, seq0) {
  let seq = seq0;
  let sent = 0;
  let t0 = performance.now();
  let stop = false;
  // Open loop: every 2 ms, send what the schedule says is due (at most 1 s of backlog at once).
  const tick = () => {
    if (stop) return;
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    let n = Math.min(due - sent, rate);
    while (n-- > 0) {
      if (seq >= st.received.length - 1) { stop = true; return; }
      if (st.measuring && seq < st.winFirst) st.winFirst = seq;
      if (st.measuring) st.winLast = seq;
      publisher.publish(seq++);
      sent += 1;
    }
  };
  const timer = setInterval(tick, 2);
  await sleep(opts.warmup * 1000);
  // window
  st.winFirst = Infinity; st.winLast = -1; st.delivered = 0; st.latN = 0; st.latSeen = 0; st.bytesInWindow = 0;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  st.measuring = true;
  emit('MEASURE_START', { rate });
  await sleep(opts.duration * 1000);
  st.measuring = false;
  const w1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  emit('MEASURE_END', { rate });
  stop = true;
  clearInterval(timer);
  const winFirst = st.winFirst; const winLast = st.winLast;
  const delivered = st.delivered;
  const bytesPerDelivery = st.bytesInWindow && delivered ? st.bytesInWindow / delivered : null;
  // drain: wait until every window message reached every subscriber, or the drain time is up
  const windowMsgs = winLast >= winFirst ? winLast - winFirst + 1 : 0;
  const expected = windowMsgs * opts.subscribers;
  const receivedOf = () => { let s = 0; for (let q = winFirst; q <= winLast; q += 1) s += st.received[q]; return s; };
  const drainEnd = performance.now() + opts.drain * 1000;
  while (performance.now() < drainEnd && receivedOf() < expected) await sleep(50);
  const got = receivedOf();
  st.winFirst = Infinity; st.winLast = -1; // latencies of window messages are no longer recorded
  const lat = Array.from(st.lat.subarray(0, st.latN)).sort((a, b) => a - b);
  const window = (w1 - w0) / 1000;
  const loadgenCpu = (cpu.user + cpu.system) / 1e6;
  const result = {
    rate, window_s: Number(window.toFixed(4)), published: windowMsgs, expected_deliveries: expected,
    deliveries_in_window: delivered, deliveries_per_s: delivered / window,
    received_of_window_messages: got, lost: expected - got, loss_pct: expected ? (100 * (expected - got)) / expected : 0,
    p50_ms: pct(lat, 50), p99_ms: pct(lat, 99), max_ms: lat.length ? lat[lat.length - 1] : null,
    frame_payload_bytes: bytesPerDelivery, latency_samples: lat.length,
    publish_errors: st.publishErrors, first_publish_error: st.firstError, bad_frames: st.bad, disconnects: st.disconnects,
    loadgen_cpu_s: loadgenCpu, loadgen_cpu_pct: (100 * loadgenCpu) / window,
  };
  emit('PHASE', result);
  return { result, nextSeq: seq };
}

async function main() {
  const publisher = await connectAll();
  await sleep(500);
  const phases = [];
  let seq = 0;
  for (const rate of opts.rates) {
    const { result, nextSeq } = await runPhase(publisher, rate, seq);
    phases.push(result);
    seq = nextSeq;
    if (st.disconnects > 0) break;
  }
  emit('RESULT', { kind: opts.kind, subscribers: opts.subscribers, payload_bytes: opts.payloadBytes,
    message_bytes: JSON.stringify(makeData(0)).length, phases });
  process.exit(0);
}

main().catch((e) => { process.stderr.write(`${e.stack || e}\n`); process.exit(1); });
