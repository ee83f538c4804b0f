#!/usr/bin/env node
// Load generator for bench/entity_bench.py: one publisher and N subscribers of one room of moving entities.
//
//   node bench/node/entity_loadgen.js --kind gateway|ws|socketio|colyseus --url URL --ticks-file FILE
//        [--tokens FILE] [--encoding entities|merge_patch] [--subscribers 100] [--warmup-ticks 20]
//        [--tick-ms 50] [--drain 5] [--tolerance T]
//
// --ticks-file is a JSON list of ticks, each {entity id: {x, y, rot}} (bench/state_bench.py's movement()).
// The publisher sends tick k at t0 + k * tick-ms: to the gateway as one JSON-RPC `state.update`
// {room, base_version: the version its previous update was acked with, patch: {e: tick}}, waiting for that
// ack first (it is the only writer, so it never conflicts); to the others as one message of its own
// kind (see bench/node/entity_server.js). Subscribers are the real client libraries: `ws` (gateway: JSON-RPC
// room.join, then state.entities / state.delta / state.snapshot applied to the joined document; ws: JSON
// merged), socket.io-client (websocket transport only) and colyseus.js (its own schema decoder).
//
// Bytes: every data frame a subscriber's underlying `ws` socket delivers (a 'message' listener on the
// socket the client library uses) counts its payload length plus the server-to-client WebSocket frame
// header (2 bytes up to 125, 4 up to 65535, else 10). Control frames (ping/pong) are not counted.
// The measured window runs from the first tick after --warmup-ticks until every subscriber holds the
// publisher's last tick (or --drain seconds after the last tick, if some never do).
//
// Correctness: each subscriber's entity map must hold exactly the ids of the last tick, every field equal
// to the last tick's value quantised (x, y to 0.01, rot to 1: equal quanta), or, with --tolerance T, within
// T of the last tick's value (for a server that does not quantise: Colyseus's "number" itself sends a
// non-integer as float32 when that loses less than 1e-4, so there T = 1e-4 plus float32 rounding).
//
// Stdout lines: CONNECTED {..}, MEASURE_START {..}, MEASURE_END {..}, RESULT {..}. Loopback URLs only.
'use strict';

const fs = require('fs');
const { performance } = require('perf_hooks');

function parseArgs(argv) {
  const o = { kind: '', url: '', tokens: '', encoding: 'entities', subscribers: 100, ticksFile: '', warmupTicks: 20,
    tickMs: 50, drain: 5, tolerance: 0, room: 'arena-1', concurrency: 20, connectTimeout: 120 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--kind') o.kind = v();
    else if (a === '--url') o.url = v();
    else if (a === '--tokens') o.tokens = v();
    else if (a === '--encoding') o.encoding = v();
    else if (a === '--subscribers') o.subscribers = Math.min(Math.max(Number(v()), 1), 2000);
    else if (a === '--ticks-file') o.ticksFile = v();
    else if (a === '--warmup-ticks') o.warmupTicks = Math.max(Number(v()), 0);
    else if (a === '--tick-ms') o.tickMs = Math.max(Number(v()), 5);
    else if (a === '--drain') o.drain = Math.min(Number(v()), 30);
    else if (a === '--tolerance') o.tolerance = Math.max(Number(v()), 0);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['gateway', 'ws', 'socketio', 'colyseus'].includes(o.kind)) throw new Error(`bad --kind ${o.kind}`);
  if (!['entities', 'merge_patch'].includes(o.encoding)) throw new Error(`bad --encoding ${o.encoding}`);
  if (!/^(ws|http):\/\/(127\.\d+\.\d+\.\d+|localhost)[:/]/.test(o.url)) throw new Error('loopback URLs only');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const emit = (kw, body) => process.stdout.write(`${kw} ${JSON.stringify(body)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ticks = JSON.parse(fs.readFileSync(opts.ticksFile, 'utf8')).slice(0, 100000);
if (ticks.length <= opts.warmupTicks) throw new Error('no measured ticks');
const tickText = ticks.map((t) => JSON.stringify(t));

// ----- quantisation and the expected final state ----------------------------------------------------------

const STEPS = { x: [1, 2], y: [1, 2], rot: [1, 0] }; // m * 10^-d: the gateway's state.entities steps
const FIELDS = Object.keys(STEPS);
const quantum = (f, v) => Math.round((v * 10 ** STEPS[f][1]) / STEPS[f][0]);
const expected = ticks[ticks.length - 1];
const expectedIds = Object.keys(expected);

function match(f, got, want) {
  if (typeof got !== 'number') return false;
  return opts.tolerance ? Math.abs(got - want) <= opts.tolerance : quantum(f, got) === quantum(f, want);
}

// ----- shared counters ------------------------------------------------------------------------------------

const st = { measuring: false, disconnects: 0, gaps: 0, decodeErrors: 0, publishErrors: 0, firstError: '' };
const clients = []; // subscribers only

function newClient() {
  return { bytes: 0, messages: 0, get: () => undefined, size: () => 0 };
}

const header = (n) => (n < 126 ? 2 : n < 65536 ? 4 : 10);
function count(c, n) {
  if (!st.measuring) return;
  c.bytes += n + header(n);
  c.messages += 1;
}

// A 'message' listener on the `ws` socket a client library uses: what that socket delivered, as sent.
function countFrames(socket, c) {
  if (socket && typeof socket.on === 'function') {
    socket.on('message', (data) => count(c, data.byteLength));
  } else if (socket && typeof socket.addEventListener === 'function') {
    socket.addEventListener('message', (ev) => count(c, typeof ev.data === 'string' ? Buffer.byteLength(ev.data)
      : ev.data.byteLength));
  } else {
    throw new Error('cannot reach the client library\'s socket to count bytes');
  }
}

function socketPort(socket) {
  return socket && socket._socket ? socket._socket.localPort : null;
}

function error(msg) {
  if (!st.firstError) st.firstError = String(msg).slice(0, 300);
}

// ----- RFC 7396 merge patch and the state.entities decoder (Tools/realtimenet/state/entities.py) ---------

const { isObject, mergePatch, schemaOf, applyEntities } = require('./entities_codec');

// ----- per-kind clients -------------------------------------------------------------------------------------
// connect(index, isPublisher) resolves to a client {bytes, messages, get(id), size(), publish(k), port} once it
// is in the room; publish(k) sends tick k and resolves when the server took it (the gateway's ack).

let tokens = [];
if (opts.kind === 'gateway') tokens = fs.readFileSync(opts.tokens, 'utf8').trim().split('\n');

function gatewayConnect(index, isPublisher) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${opts.url}?access_token=${tokens[index]}`, { perMessageDeflate: false });
    const c = newClient();
    c.doc = {};
    c.version = 0;
    c.schema = {};
    c.acks = [];
    let nextId = 2;
    let stage = 'welcome';
    const pending = new Map(); // id -> [resolve, sent at]
    const timer = setTimeout(() => reject(new Error(`connect ${index} timed out`)), 30000);
    c.get = (id) => (isObject(c.doc.e) ? c.doc.e[id] : undefined);
    c.size = () => (isObject(c.doc.e) ? Object.keys(c.doc.e).length : 0);
    c.publish = (k) => new Promise((done) => {
      const attempt = (tries) => {
        const id = nextId++;
        pending.set(id, [(msg) => {
          if (msg.result) { c.version = msg.result.version; done(); return; }
          st.publishErrors += 1;
          error(`state.update: ${JSON.stringify(msg.error)}`);
          const current = msg.error && msg.error.data && msg.error.data.current_version;
          if (typeof current === 'number') c.version = current;
          if (tries < 3) attempt(tries + 1); else done();
        }, performance.now()]);
        ws.send(`{"jsonrpc":"2.0","id":${id},"method":"state.update","params":{"room":"${opts.room}",`
          + `"base_version":${c.version},"patch":{"e":${tickText[k]}}}}`);
      };
      attempt(0);
    });
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
    ws.on('close', () => { st.disconnects += 1; });
    ws.on('message', (buf) => {
      if (!isPublisher) count(c, buf.length);
      const msg = JSON.parse(buf);
      if (stage === 'welcome') {
        if (msg.method !== 'session.welcome') return;
        stage = 'join';
        const encoding = opts.encoding === 'entities' ? ',"state_encoding":"entities"' : '';
        ws.send(`{"jsonrpc":"2.0","id":1,"method":"room.join","params":{"room":"${opts.room}"${encoding}}}`);
        return;
      }
      if (msg.id !== undefined) {
        if (msg.id === 1) {
          clearTimeout(timer);
          if (!msg.result) { reject(new Error(`join failed: ${buf}`)); return; }
          c.doc = msg.result.state || {};
          c.version = msg.result.state_version;
          c.schema = schemaOf(msg.result.entities);
          c.port = socketPort(ws);
          stage = 'ready';
          resolve(c);
          return;
        }
        const p = pending.get(msg.id);
        if (p) {
          pending.delete(msg.id);
          if (st.measuring) c.acks.push(performance.now() - p[1]);
          p[0](msg);
        }
        return;
      }
      if (isPublisher || stage !== 'ready' || !msg.params || msg.params.room !== opts.room) return;
      const p = msg.params;
      if (msg.method === 'state.snapshot') {
        if (p.version > c.version) { c.doc = p.document; c.version = p.version; }
        return;
      }
      if (msg.method !== 'state.delta' && msg.method !== 'state.entities') return;
      if (p.from !== c.version) {
        if (p.to > c.version) { st.gaps += 1; error(`gap: at ${c.version}, got ${p.from}..${p.to}`); }
        return;
      }
      try {
        if (msg.method === 'state.entities') {
          applyEntities(c.doc, c.schema, p.entities);
          if (p.rest) c.doc = mergePatch(c.doc, p.rest);
        } else {
          c.doc = mergePatch(c.doc, p.patch);
        }
        c.version = p.to;
      } catch (e) {
        st.decodeErrors += 1;
        error(`${msg.method}: ${e.message}`);
      }
    });
  });
}

function wsConnect(index, isPublisher) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, { perMessageDeflate: false });
    const c = newClient();
    c.ents = {};
    c.get = (id) => c.ents[id];
    c.size = () => Object.keys(c.ents).length;
    c.publish = async (k) => { ws.send(tickText[k]); };
    ws.on('error', (e) => reject(e));
    ws.on('close', () => { st.disconnects += 1; });
    ws.on('open', () => { c.port = socketPort(ws); resolve(c); });
    ws.on('message', (buf) => {
      if (isPublisher) return;
      count(c, buf.length);
      c.ents = mergePatch(c.ents, JSON.parse(buf));
    });
  });
}

function socketioConnect(index, isPublisher) {
  const { io } = require('socket.io-client');
  return new Promise((resolve, reject) => {
    const socket = io(opts.url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30000 });
    const c = newClient();
    c.ents = {};
    c.get = (id) => c.ents[id];
    c.size = () => Object.keys(c.ents).length;
    c.publish = async (k) => { socket.emit('tick', ticks[k]); };
    socket.on('connect_error', (e) => reject(e));
    socket.on('disconnect', () => { st.disconnects += 1; });
    socket.on('connect', () => {
      const raw = socket.io.engine.transport.ws;
      if (!isPublisher) countFrames(raw, c);
      c.port = socketPort(raw);
      resolve(c);
    });
    if (!isPublisher) socket.on('state', (changed) => { c.ents = mergePatch(c.ents, changed); });
  });
}

let colyseusClient = null;
async function colyseusConnect(index, isPublisher) {
  const { Client } = require('colyseus.js');
  if (colyseusClient === null) colyseusClient = new Client(opts.url);
  const room = await colyseusClient.joinOrCreate('arena');
  const c = newClient();
  room.onLeave(() => { st.disconnects += 1; });
  const raw = room.connection.transport.ws;
  if (!isPublisher) countFrames(raw, c);
  c.port = socketPort(raw);
  c.get = (id) => room.state.entities.get(id);
  c.size = () => room.state.entities.size;
  c.publish = async (k) => { room.send('tick', ticks[k]); };
  return c;
}

const connectOne = { gateway: gatewayConnect, ws: wsConnect, socketio: socketioConnect,
  colyseus: colyseusConnect }[opts.kind];

// ----- run --------------------------------------------------------------------------------------------------

function check(c) {
  if (c.size() !== expectedIds.length) return `holds ${c.size()} entities, not ${expectedIds.length}`;
  for (const id of expectedIds) {
    const e = c.get(id);
    if (!e) return `missing ${id}`;
    for (const f of FIELDS) {
      if (!match(f, e[f], expected[id][f])) return `${id}.${f} = ${e[f]}, last tick ${expected[id][f]}`;
    }
  }
  return null;
}

function pct(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))];
}

async function main() {
  const started = performance.now();
  const publisher = await connectOne(opts.subscribers, true); // first: creates the room where that matters
  let next = 0;
  async function worker() {
    while (next < opts.subscribers) {
      const i = next++;
      clients.push(await connectOne(i, false));
    }
  }
  const workers = [];
  for (let w = 0; w < opts.concurrency; w += 1) workers.push(worker());
  await Promise.race([Promise.all(workers), sleep(opts.connectTimeout * 1000).then(() => {
    throw new Error(`only ${clients.length} subscribers connected`);
  })]);
  emit('CONNECTED', { subscribers: clients.length, publisher_port: publisher.port,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)) });
  await sleep(500);

  let late = 0;
  let maxLag = 0;
  let cpu0 = null;
  let w0 = 0;
  const t0 = performance.now() + 20;
  for (let k = 0; k < ticks.length; k += 1) {
    const wait = t0 + k * opts.tickMs - performance.now();
    if (wait > 1) await sleep(wait);
    const lag = performance.now() - (t0 + k * opts.tickMs);
    if (k === opts.warmupTicks) {
      st.measuring = true;
      cpu0 = process.cpuUsage();
      w0 = performance.now();
      emit('MEASURE_START', { tick: k });
    }
    if (st.measuring) {
      maxLag = Math.max(maxLag, lag);
      if (lag > opts.tickMs / 2) late += 1;
    }
    await publisher.publish(k);
  }
  const lastSent = performance.now();
  const drainEnd = lastSent + opts.drain * 1000;
  let waiting = clients.slice();
  while (waiting.length && performance.now() < drainEnd) {
    waiting = waiting.filter((c) => check(c) !== null);
    if (waiting.length) await sleep(5);
  }
  const w1 = performance.now();
  st.measuring = false;
  const cpu = process.cpuUsage(cpu0);
  emit('MEASURE_END', { converged: waiting.length === 0 });
  await sleep(1000); // the sockets stay open while the orchestrator reads the server's TCP counters

  const errors = clients.map(check).filter((e) => e !== null);
  const measuredTicks = ticks.length - opts.warmupTicks;
  const bytes = clients.reduce((s, c) => s + c.bytes, 0);
  const messages = clients.reduce((s, c) => s + c.messages, 0);
  const perClient = clients.map((c) => c.messages);
  const acks = (publisher.acks || []).sort((a, b) => a - b);
  const windowS = (w1 - w0) / 1000;
  const loadgenCpu = (cpu.user + cpu.system) / 1e6;
  emit('RESULT', {
    kind: opts.kind, encoding: opts.kind === 'gateway' ? opts.encoding : null, subscribers: clients.length,
    entities: expectedIds.length, ticks: ticks.length, warmup_ticks: opts.warmupTicks, measured_ticks: measuredTicks,
    tick_ms: opts.tickMs, window_s: windowS, converge_ms: w1 - lastSent,
    bytes, messages, bytes_per_tick: bytes / measuredTicks, bytes_per_client_per_tick: bytes / clients.length / measuredTicks,
    bytes_per_frame: messages ? bytes / messages : null, frames_per_client_per_tick: messages / clients.length / measuredTicks,
    messages_per_client_min: Math.min(...perClient), messages_per_client_max: Math.max(...perClient),
    correct_clients: clients.length - errors.length, first_mismatch: errors[0] || null, tolerance: opts.tolerance,
    final_version: opts.kind === 'gateway' ? publisher.version : null,
    clients_at_final_version: opts.kind === 'gateway' ? clients.filter((c) => c.version === publisher.version).length
      : null,
    gaps: st.gaps, decode_errors: st.decodeErrors, publish_errors: st.publishErrors, first_error: st.firstError,
    disconnects: st.disconnects, late_ticks: late, max_tick_lag_ms: maxLag,
    ack_p50_ms: pct(acks, 50), ack_p99_ms: pct(acks, 99),
    loadgen_cpu_s: loadgenCpu, loadgen_cpu_pct: (100 * loadgenCpu) / windowS,
  });
  process.exit(0);
}

main().catch((e) => { process.stderr.write(`${e.stack || e}\n`); process.exit(1); });
