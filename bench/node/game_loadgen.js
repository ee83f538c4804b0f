#!/usr/bin/env node
// Load generator for bench/game_bench.py: --rooms rooms of --room-size players, every player sending its input
// at --hz and receiving its room's state, all in this one Node process.
//
//   node bench/node/game_loadgen.js --kind gateway|ws|colyseus --url URL [--tokens FILE] [--rooms 50]
//        [--room-size 20] [--hz 20] [--warmup 3] [--ramp 1.5] [--duration 10] [--drain 5] [--seed 1]
//        [--tolerance T] [--base-version newest|document] [--input notification|request]
//
// A player's input is its new {x, y, rot, t}: a seeded smooth random walk, quantised here as the gateway
// quantises (x and y to 0.01, rot to whole degrees) and `t`, the integer millisecond (since this process's
// start) at which the input was sent. Each player sends at --hz from its own random phase (one scheduler for
// all players, 1 ms slots); players start moving one by one over the first --ramp seconds of the warm-up, as
// players arriving in a game do (every player has joined before). Per kind:
//
// gateway   `ws`: JSON-RPC `room.join {room, state_encoding: "entities"}`, then per input `state.update {room,
//           base_version, patch: {players: {<me>: input}}}`: by default a notification (no id: fire and forget,
//           as a game sends movement and as the Colyseus and ws clients here send theirs; a refused input then
//           shows in the gateway's realtimenet_state_rejections_total, which game_bench reads); with
//           --input request, a request whose answer is counted (an error answer is an input lost).
//           base_version is the newest version this client knows: the document's it holds or the one its
//           previous input was answered with, whichever is newer (--base-version newest); with --base-version
//           document it is the document's alone (a player's own earlier changes are no conflict, so both
//           hold). `state.entities` applied
//           with the decoder of bench/node/entities_codec.js, `state.delta` as a merge patch. A message whose
//           `from` is not the version held (a gap) makes the client reload with `state.get`: a resync.
// ws        `ws` to bench/node/game_server.js --kind ws: `/?room=..&player=..`, the input as a JSON text frame,
//           each tick's frame merged into the room's players.
// colyseus  colyseus.js `joinOrCreate('game', {room})`, `room.send('input', input)`, its own schema decoder
//           (`room.state.players`, keyed by session id), read at each onStateChange.
//
// Latency: whenever a client sees another player's `t` change, it records now - t (input to peer, one clock:
// everything runs in this process; t is rounded to the millisecond, so each sample is within 0.5 ms) in a
// histogram of 0.1 ms buckets. Bytes: every data frame a client's `ws` socket delivered (payload + the 2- or
// 4-byte server frame header). Both are recorded inside the measured window only.
//
// Phases: connect every client (rooms are filled in order, the first member of each room alone, so Colyseus
// creates exactly one room per name), --warmup seconds of inputs, the measured window (--duration s), then the
// inputs stop and every client must come to hold every player of its room at that player's last input (equal
// quanta; --tolerance T allows |x - x'| <= T for x and y, for Colyseus's float32) within --drain seconds.
//
// Stdout lines: CONNECTED {..}, MEASURE_START {..}, MEASURE_END {..}, RESULT {..}. Loopback URLs only; every
// loop is bounded in count and time.
'use strict';

const fs = require('fs');
const { performance, monitorEventLoopDelay } = require('perf_hooks');
const { isObject, mergePatch, schemaOf, applyEntities } = require('./entities_codec');

function parseArgs(argv) {
  const o = { kind: '', url: '', tokens: '', rooms: 50, roomSize: 20, hz: 20, warmup: 3, ramp: 1.5, duration: 10, drain: 5,
    seed: 1, tolerance: 0, concurrency: 50, connectTimeout: 0, baseVersion: 'newest', input: 'notification' };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--kind') o.kind = v();
    else if (a === '--url') o.url = v();
    else if (a === '--tokens') o.tokens = v();
    else if (a === '--rooms') o.rooms = Math.min(Math.max(Number(v()), 1), 2000);
    else if (a === '--room-size') o.roomSize = Math.min(Math.max(Number(v()), 2), 200);
    else if (a === '--hz') o.hz = Math.min(Math.max(Number(v()), 1), 100);
    else if (a === '--warmup') o.warmup = Math.min(Math.max(Number(v()), 0), 60);
    else if (a === '--ramp') o.ramp = Math.min(Math.max(Number(v()), 0), 60);
    else if (a === '--duration') o.duration = Math.min(Math.max(Number(v()), 1), 120);
    else if (a === '--drain') o.drain = Math.min(Math.max(Number(v()), 0.5), 30);
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--tolerance') o.tolerance = Math.max(Number(v()), 0);
    else if (a === '--base-version') o.baseVersion = v();
    else if (a === '--input') o.input = v();
    else if (a === '--concurrency') o.concurrency = Math.min(Math.max(Number(v()), 1), 500);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['gateway', 'ws', 'colyseus'].includes(o.kind)) throw new Error(`bad --kind ${o.kind}`);
  if (!['newest', 'document'].includes(o.baseVersion)) throw new Error(`bad --base-version ${o.baseVersion}`);
  if (!['notification', 'request'].includes(o.input)) throw new Error(`bad --input ${o.input}`);
  if (!/^(ws|http):\/\/(127\.\d+\.\d+\.\d+|localhost)[:/]/.test(o.url)) throw new Error('loopback URLs only');
  if (o.rooms * o.roomSize > 20000) throw new Error('at most 20000 players');
  if (o.ramp > o.warmup) throw new Error('--ramp must fit in --warmup');
  o.connectTimeout = 30 + 0.02 * o.rooms * o.roomSize; // seconds
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const emit = (kw, body) => process.stdout.write(`${kw} ${JSON.stringify(body)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const EPOCH = performance.now();
const nowMs = () => performance.now() - EPOCH; // the clock `t` is written in
const PERIOD = 1000 / opts.hz;
const PLAYERS = opts.rooms * opts.roomSize;
const HEADER = (n) => (n < 126 ? 2 : n < 65536 ? 4 : 10);

// ----- shared counters ----------------------------------------------------------------------------------------

const HIST_BUCKET_MS = 0.1;
const HIST_SIZE = 100001; // 0 .. 10 s in 0.1 ms buckets; the last one holds everything slower
const st = {
  measuring: false,
  hist: new Uint32Array(HIST_SIZE), samples: 0, latSum: 0, latMax: 0,
  bytes: 0, frames: 0, stateBytes: 0, stateFrames: 0,
  inputs: 0, inputErrors: 0, errorCodes: {}, gaps: 0, resyncs: 0, deltaFallbacks: 0, decodeErrors: 0,
  disconnects: 0, firstError: '',
  lateSends: 0, maxSendLagMs: 0,
};

function error(msg) {
  if (!st.firstError) st.firstError = String(msg).slice(0, 300);
}

function countFrame(n, isState) {
  if (!st.measuring) return;
  st.bytes += n + HEADER(n);
  st.frames += 1;
  if (isState) { st.stateBytes += n + HEADER(n); st.stateFrames += 1; }
}

function sample(t) {
  if (!st.measuring) return;
  const ms = nowMs() - t;
  const i = ms <= 0 ? 0 : Math.min(HIST_SIZE - 1, Math.floor(ms / HIST_BUCKET_MS));
  st.hist[i] += 1;
  st.samples += 1;
  st.latSum += ms;
  if (ms > st.latMax) st.latMax = ms;
}

function percentile(q) { // nearest rank over the histogram: the bucket's upper edge
  if (st.samples === 0) return null;
  const rank = Math.max(1, Math.ceil((q / 100) * st.samples));
  let seen = 0;
  for (let i = 0; i < HIST_SIZE; i += 1) {
    seen += st.hist[i];
    if (seen >= rank) return (i + 1) * HIST_BUCKET_MS;
  }
  return null;
}

// ----- the players' movement -----------------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Walker { // a smooth random walk in a 100 x 100 field, about 1-2 units a second
  constructor(seed) {
    this.rnd = mulberry32(seed);
    this.x = this.rnd() * 100;
    this.y = this.rnd() * 100;
    this.heading = this.rnd() * 2 * Math.PI;
    this.speed = 1 + this.rnd();
  }

  next() {
    this.heading += (this.rnd() - 0.5) * 0.3;
    this.x += (Math.cos(this.heading) * this.speed) / opts.hz;
    this.y += (Math.sin(this.heading) * this.speed) / opts.hz;
    if (this.x < 0 || this.x > 100) { this.heading = Math.PI - this.heading; this.x = Math.min(Math.max(this.x, 0), 100); }
    if (this.y < 0 || this.y > 100) { this.heading = -this.heading; this.y = Math.min(Math.max(this.y, 0), 100); }
    let rot = Math.round((this.heading * 180) / Math.PI) % 360;
    if (rot < 0) rot += 360;
    return { x: Math.round(this.x * 100) / 100, y: Math.round(this.y * 100) / 100, rot, t: Math.round(nowMs()) };
  }
}

// ----- clients ---------------------------------------------------------------------------------------------------
// Each client: {id (its key in the room's players), room, last (its last input sent), players() -> the room's
// players as this client holds them ({id: {x, y, rot, t}}), send(input)}. `seen` maps a player id to the last
// `t` this client saw of it.

let tokens = [];
if (opts.kind === 'gateway') tokens = fs.readFileSync(opts.tokens, 'utf8').trim().split('\n');
if (opts.kind === 'gateway' && tokens.length < PLAYERS) throw new Error(`${tokens.length} tokens for ${PLAYERS} players`);

function observe(c, id, entity) {
  if (id === c.id || entity === undefined) return;
  const t = entity.t;
  if (typeof t === 'number' && c.seen.get(id) !== t) {
    c.seen.set(id, t);
    sample(t);
  }
}

const RESPONSE_PREFIX = '{"jsonrpc":"2.0","id":';

function gatewayConnect(index, roomName) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${opts.url}?access_token=${tokens[index]}`, { perMessageDeflate: false });
    const c = { id: `p${index}`, room: roomName, last: null, seen: new Map(), doc: {}, version: 0, schema: {},
      stage: 'welcome', nextId: 3, acked: 0 };
    const timer = setTimeout(() => { reject(new Error(`join ${index} timed out`)); ws.terminate(); }, 30000);
    c.players = () => (isObject(c.doc.players) ? c.doc.players : {});
    const moved = (collection, id, e) => { if (collection === 'players') observe(c, id, e); };
    const observeRest = (rest) => {
      if (rest && isObject(rest.players)) for (const id of Object.keys(rest.players)) observe(c, id, c.doc.players[id]);
    };
    c.send = (input) => {
      const base = opts.baseVersion === 'newest' ? Math.max(c.version, c.acked) : c.version;
      const id = opts.input === 'request' ? `"id":${c.nextId++},` : '';
      ws.send(`{"jsonrpc":"2.0",${id}"method":"state.update","params":{"room":"${roomName}",`
        + `"base_version":${base},"patch":{"players":{"${c.id}":${JSON.stringify(input)}}}}}`);
    };
    const resync = () => {
      st.resyncs += 1;
      c.stage = 'resync';
      ws.send(`{"jsonrpc":"2.0","id":2,"method":"state.get","params":{"room":"${roomName}"}}`);
    };
    ws.on('error', (e) => { clearTimeout(timer); error(`socket: ${e.message}`); reject(e); });
    ws.on('close', (code) => { st.disconnects += 1; error(`closed ${code}`); });
    ws.on('message', (buf) => {
      const text = buf.toString();
      if (text.startsWith(RESPONSE_PREFIX)) {
        countFrame(buf.length, false);
        // an input's answer: only an error needs reading (ids 1 and 2 are the join and the resync)
        const idEnd = text.indexOf(',', RESPONSE_PREFIX.length);
        const id = Number(text.slice(RESPONSE_PREFIX.length, idEnd));
        if (id > 2) {
          if (text.includes('"error":')) {
            st.inputErrors += 1;
            const msg = JSON.parse(text);
            const key = String((msg.error && msg.error.code) || 'unknown');
            st.errorCodes[key] = (st.errorCodes[key] || 0) + 1;
            error(`state.update: ${JSON.stringify(msg.error)}`);
            return;
          }
          const at = text.lastIndexOf('"version":');
          const version = at < 0 ? NaN : parseInt(text.slice(at + 10), 10);
          if (version > c.acked) c.acked = version;
          return;
        }
        const msg = JSON.parse(text);
        if (id === 1) {
          clearTimeout(timer);
          if (!msg.result) { reject(new Error(`join failed: ${text.slice(0, 200)}`)); return; }
          c.doc = msg.result.state || {};
          c.version = msg.result.state_version;
          c.schema = schemaOf(msg.result.entities);
          if (!c.schema.players) { reject(new Error('the room type declares no `players` entity collection')); return; }
          c.stage = 'ready';
          resolve(c);
        } else if (id === 2) {
          c.stage = 'ready'; // a failed reload leaves the old version: the next message is a gap again
          if (!msg.result) { error(`state.get: ${text.slice(0, 200)}`); return; }
          c.doc = msg.result.document || {};
          c.version = msg.result.version;
          for (const [pid, e] of Object.entries(c.players())) observe(c, pid, e);
        }
        return;
      }
      const msg = JSON.parse(text);
      if (c.stage === 'welcome') {
        if (msg.method !== 'session.welcome') return;
        c.stage = 'join';
        ws.send(`{"jsonrpc":"2.0","id":1,"method":"room.join","params":{"room":"${roomName}",`
          + '"state_encoding":"entities"}}');
        return;
      }
      const p = msg.params;
      const isState = msg.method === 'state.entities' || msg.method === 'state.delta';
      countFrame(buf.length, isState);
      if (!isState || c.stage !== 'ready' || !p || p.room !== roomName) return;
      if (p.to <= c.version) return;
      if (p.from !== c.version) {
        st.gaps += 1;
        error(`gap: at ${c.version}, got ${p.from}..${p.to}`);
        resync();
        return;
      }
      try {
        if (msg.method === 'state.entities') {
          applyEntities(c.doc, c.schema, p.entities, moved);
          if (p.rest) { c.doc = mergePatch(c.doc, p.rest); observeRest(p.rest); }
        } else {
          if (st.measuring) st.deltaFallbacks += 1;
          c.doc = mergePatch(c.doc, p.patch);
          observeRest(p.patch);
        }
        c.version = p.to;
      } catch (e) {
        st.decodeErrors += 1;
        error(`${msg.method}: ${e.message}`);
        resync();
      }
    });
  });
}

function wsConnect(index, roomName) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const id = `p${index}`;
    const ws = new WebSocket(`${opts.url}?room=${roomName}&player=${id}`, { perMessageDeflate: false });
    const c = { id, room: roomName, last: null, seen: new Map(), ents: {} };
    c.players = () => c.ents;
    c.send = (input) => ws.send(JSON.stringify(input));
    ws.on('error', (e) => { error(`socket: ${e.message}`); reject(e); });
    ws.on('close', (code) => { st.disconnects += 1; error(`closed ${code}`); });
    ws.on('open', () => resolve(c));
    ws.on('message', (buf) => {
      countFrame(buf.length, true);
      const changed = JSON.parse(buf);
      for (const pid of Object.keys(changed)) {
        c.ents[pid] = changed[pid];
        observe(c, pid, changed[pid]);
      }
    });
  });
}

let colyseusClient = null;
async function colyseusConnect(index, roomName) {
  const { Client } = require('colyseus.js');
  if (colyseusClient === null) colyseusClient = new Client(opts.url);
  const room = await colyseusClient.joinOrCreate('game', { room: roomName });
  const c = { id: room.sessionId, room: roomName, last: null, seen: new Map(), roomId: room.roomId };
  c.players = () => {
    const out = {};
    room.state.players.forEach((p, pid) => { out[pid] = p; });
    return out;
  };
  c.send = (input) => room.send('input', input);
  room.onLeave((code) => { st.disconnects += 1; error(`left ${code}`); });
  room.onError((code, message) => { error(`room error ${code} ${message}`); });
  room.onStateChange((state) => { state.players.forEach((p, pid) => observe(c, pid, p)); });
  const raw = room.connection.transport.ws;
  if (!raw || typeof raw.on !== 'function') throw new Error('cannot reach colyseus.js\'s ws socket to count bytes');
  raw.on('message', (data) => countFrame(data.byteLength, true));
  return c;
}

const connectOne = { gateway: gatewayConnect, ws: wsConnect, colyseus: colyseusConnect }[opts.kind];

// ----- the run ----------------------------------------------------------------------------------------------------

function matches(held, want) {
  if (!held) return false;
  if (held.t !== want.t || held.rot !== want.rot) return false;
  if (opts.tolerance) return Math.abs(held.x - want.x) <= opts.tolerance && Math.abs(held.y - want.y) <= opts.tolerance;
  return Math.round(held.x * 100) === Math.round(want.x * 100) && Math.round(held.y * 100) === Math.round(want.y * 100);
}

function mismatch(c, members) { // why client c does not hold its room's last inputs, or null
  const held = c.players();
  for (const m of members) {
    if (m.last === null) continue; // sent nothing (a warm-up shorter than a period)
    if (!matches(held[m.id], m.last)) {
      return `${c.id} holds ${m.id} = ${JSON.stringify(held[m.id])}, last ${JSON.stringify(m.last)}`;
    }
  }
  return null;
}

async function main() {
  const started = performance.now();
  const rooms = Array.from({ length: opts.rooms }, () => []); // per room its clients
  const all = [];
  const join = async (r, k) => {
    const c = await connectOne(r * opts.roomSize + k, `g${r}`);
    rooms[r].push(c);
    all.push(c);
  };
  // The first member of each room alone (it creates the room), then the others --concurrency at a time.
  const rest = [];
  for (let k = 1; k < opts.roomSize; k += 1) for (let r = 0; r < opts.rooms; r += 1) rest.push([r, k]);
  let next = 0;
  const worker = async () => {
    while (next < rest.length) {
      const [r, k] = rest[next++];
      await join(r, k);
    }
  };
  await Promise.race([
    (async () => {
      for (let r = 0; r < opts.rooms; r += 1) await join(r, 0);
      await Promise.all(Array.from({ length: opts.concurrency }, worker));
    })(),
    sleep(opts.connectTimeout * 1000).then(() => { throw new Error(`only ${all.length} of ${PLAYERS} players joined`); }),
  ]);
  if (opts.kind === 'colyseus') { // one Colyseus room per name, or the figures are not per room of --room-size
    for (const members of rooms) {
      if (new Set(members.map((c) => c.roomId)).size !== 1) throw new Error(`room ${members[0].room} was split`);
    }
  }
  const connectS = Number(((performance.now() - started) / 1000).toFixed(3));
  emit('CONNECTED', { players: all.length, rooms: opts.rooms, seconds: connectS });

  // Inputs: each player has one of PERIOD 1-ms slots (its phase). Slot number i (counting from t0) is due at
  // t0 + i ms and holds the players of slot i % PERIOD, so each player sends once per period. A scheduler more
  // than a period behind skips the missed slots (those players skip an input): counted as late sends.
  const slots = Array.from({ length: Math.max(1, Math.round(PERIOD)) }, () => []);
  const phaseRnd = mulberry32(opts.seed * 7919 + 1);
  all.forEach((c, i) => {
    c.walker = new Walker(opts.seed * 100003 + i);
    c.startSlot = Math.floor(phaseRnd() * opts.ramp * 1000); // the slot number from which it sends
    slots[Math.floor(phaseRnd() * slots.length)].push(c);
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let sending = true;
  const t0 = performance.now();
  let slotIndex = 0; // slots handed out so far
  const sender = (async () => {
    while (sending) {
      const due = Math.floor(performance.now() - t0); // the slot of this millisecond
      for (let n = 0; slotIndex <= due && n < slots.length && sending; n += 1, slotIndex += 1) {
        const lag = performance.now() - (t0 + slotIndex);
        if (st.measuring) {
          if (lag > st.maxSendLagMs) st.maxSendLagMs = lag;
          if (lag > 10) st.lateSends += slots[slotIndex % slots.length].length;
        }
        for (const c of slots[slotIndex % slots.length]) {
          if (slotIndex < c.startSlot) continue;
          c.last = c.walker.next();
          c.send(c.last);
          if (st.measuring) st.inputs += 1;
        }
      }
      if (slotIndex <= due) {
        if (st.measuring) for (let i = slotIndex; i <= due; i += 1) st.lateSends += slots[i % slots.length].length;
        slotIndex = due + 1;
      }
      await sleep(1);
    }
  })();

  await sleep(opts.warmup * 1000);
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  loopDelay.enable();
  st.measuring = true;
  emit('MEASURE_START', { players: all.length });
  await sleep(opts.duration * 1000);
  st.measuring = false;
  loopDelay.disable();
  const w1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  sending = false;
  await sender;
  emit('MEASURE_END', { window_s: (w1 - w0) / 1000 });

  // Drain: every client must hold every player of its room at that player's last input.
  const drainStart = performance.now();
  let waiting = all.slice();
  while (waiting.length && performance.now() - drainStart < opts.drain * 1000) {
    waiting = waiting.filter((c) => mismatch(c, rooms[Number(c.room.slice(1))]) !== null);
    if (waiting.length) await sleep(20);
  }
  const convergeMs = performance.now() - drainStart;
  const firstMismatch = waiting.length ? mismatch(waiting[0], rooms[Number(waiting[0].room.slice(1))]) : null;
  const windowS = (w1 - w0) / 1000;
  const loadgenCpu = (cpu.user + cpu.system) / 1e6;
  emit('RESULT', {
    kind: opts.kind, players: all.length, rooms: opts.rooms, room_size: opts.roomSize, hz: opts.hz,
    window_s: windowS, inputs: st.inputs, inputs_per_player_s: st.inputs / all.length / windowS,
    latency_samples: st.samples, latency_p50_ms: percentile(50), latency_p90_ms: percentile(90),
    latency_p99_ms: percentile(99), latency_p999_ms: percentile(99.9), latency_max_ms: st.latMax,
    latency_mean_ms: st.samples ? st.latSum / st.samples : null, latency_resolution_ms: HIST_BUCKET_MS,
    bytes: st.bytes, frames: st.frames, state_bytes: st.stateBytes, state_frames: st.stateFrames,
    bytes_per_player_s: st.bytes / all.length / windowS, state_frames_per_player_s: st.stateFrames / all.length / windowS,
    input_errors: st.inputErrors, error_codes: st.errorCodes, gaps: st.gaps, resyncs: st.resyncs,
    delta_fallbacks: st.deltaFallbacks, decode_errors: st.decodeErrors, disconnects: st.disconnects,
    first_error: st.firstError, converged_clients: all.length - waiting.length, converge_ms: convergeMs,
    first_mismatch: firstMismatch, tolerance: opts.tolerance,
    late_sends: st.lateSends, max_send_lag_ms: st.maxSendLagMs,
    loadgen_loop_delay_p99_ms: loopDelay.percentile(99) / 1e6, loadgen_loop_delay_max_ms: loopDelay.max / 1e6,
    loadgen_cpu_s: loadgenCpu, loadgen_cpu_pct: (100 * loadgenCpu) / windowS,
  });
  await sleep(200);
  process.exit(0);
}

main().catch((e) => { process.stderr.write(`${e.stack || e}\n`); process.exit(1); });
