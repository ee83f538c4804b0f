#!/usr/bin/env node
// Entity-state baselines for bench/entity_bench.py: one room of moving entities, broadcast at 20 Hz.
//
//   node bench/node/entity_server.js --kind ws|socketio|colyseus --port N
//        [--tick-ms 50] [--colyseus-type number|float32] [--no-quantize]
//
// One publisher (any client) sends, per game tick, one message holding every entity's new {x, y, rot}
// (full-precision doubles). The server keeps the authoritative entity map and, every --tick-ms, sends
// what changed to every connected client (the publisher included):
//
// ws        raw Node `ws`: the changed entities as one JSON text frame, `JSON.stringify` once, the same
//           Buffer written to every socket (the hand-written baseline). Publisher frame: the JSON object.
// socketio  Socket.IO 4.8, WebSocket transport only: `io.to('arena').emit('state', changedEntities)`
//           (encoded once by the adapter). Publisher: `socket.emit('tick', updates)`.
// colyseus  Colyseus 0.16 (@colyseus/core + ws-transport): a Room whose @colyseus/schema state is
//           `entities: MapSchema<Entity>`, Entity {x, y, rot} of type --colyseus-type ("number": varint for
//           integers, float64 otherwise; "float32": 4 bytes). onMessage('tick') writes into the schema; the
//           room's own patch loop (patchRate = --tick-ms, Colyseus's default 50 ms) encodes the changes
//           once and sends them to every client. Publisher: `room.send('tick', updates)` (msgpack).
//
// Quantisation (the gateway's `state.entities` steps: x and y to 0.01, rot to 1 degree), unless
// --no-quantize: q = round(v * 10^d / m), value = q * m / 10^d (the gateway's formula, the same double);
// a field whose quantised value did not change is not written, and an entity none of whose fields
// changed is not sent. ws and socket.io send every field of a changed entity.
//
// Prints `READY {"event":"ready","port":N,"pid":P}`; SIGTERM stops it. Binds 127.0.0.1 only.
'use strict';

const http = require('http');

function parseArgs(argv) {
  const o = { kind: '', port: 0, tickMs: 50, colyseusType: 'number', quantize: true };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--kind') o.kind = argv[++i];
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--tick-ms') o.tickMs = Math.max(5, Number(argv[++i]));
    else if (a === '--colyseus-type') o.colyseusType = argv[++i];
    else if (a === '--no-quantize') o.quantize = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['ws', 'socketio', 'colyseus'].includes(o.kind)) throw new Error(`bad --kind ${o.kind}`);
  if (!['number', 'float32'].includes(o.colyseusType)) throw new Error(`bad --colyseus-type ${o.colyseusType}`);
  if (o.kind === 'colyseus' && !o.port) throw new Error('colyseus needs an explicit --port');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const FIELDS = ['x', 'y', 'rot'];
// step m * 10^-d per field: x, y 0.01 (m 1, d 2), rot 1 (m 1, d 0)
const STEPS = { x: [1, 2], y: [1, 2], rot: [1, 0] };

function quantize(field, value) {
  if (!opts.quantize || typeof value !== 'number') return value;
  const [m, d] = STEPS[field];
  const q = Math.round((value * 10 ** d) / m);
  return d === 0 ? q * m : (q * m) / 10 ** d;
}

function ready(port) {
  process.stdout.write(`READY ${JSON.stringify({ event: 'ready', port, pid: process.pid })}\n`);
}

// ----- ws and socket.io: the entity map and the tick's changed set ----------------------------------------

class World {
  constructor() {
    this.entities = new Map(); // id -> {x, y, rot}
    this.changed = new Set();
  }

  apply(updates) {
    if (updates === null || typeof updates !== 'object') return;
    for (const id of Object.keys(updates)) {
      const u = updates[id];
      if (u === null || typeof u !== 'object') continue;
      let e = this.entities.get(id);
      if (e === undefined) { e = {}; this.entities.set(id, e); }
      for (const f of FIELDS) {
        if (!(f in u)) continue;
        const v = quantize(f, u[f]);
        if (e[f] !== v) { e[f] = v; this.changed.add(id); }
      }
    }
  }

  flush() {
    if (this.changed.size === 0) return null;
    const out = {};
    for (const id of this.changed) out[id] = this.entities.get(id);
    this.changed.clear();
    return out;
  }
}

function startWs() {
  const { WebSocketServer, WebSocket } = require('ws');
  const world = new World();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: opts.port, perMessageDeflate: false,
    maxPayload: 1 << 20, backlog: 4096 });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      try { world.apply(JSON.parse(data)); } catch (e) { /* not JSON: ignored */ }
    });
    ws.on('error', () => {});
  });
  setInterval(() => {
    const changed = world.flush();
    if (changed === null) return;
    const frame = Buffer.from(JSON.stringify(changed)); // once, the same bytes to every socket
    for (const peer of wss.clients) {
      if (peer.readyState === WebSocket.OPEN) peer.send(frame, { binary: false });
    }
  }, opts.tickMs);
  wss.on('listening', () => ready(wss.address().port));
  return (done) => { for (const ws of wss.clients) ws.terminate(); wss.close(done); };
}

function startSocketio() {
  const { Server } = require('socket.io');
  const world = new World();
  const httpServer = http.createServer();
  const io = new Server(httpServer, { transports: ['websocket'], perMessageDeflate: false, serveClient: false,
    maxHttpBufferSize: 1 << 20 });
  io.on('connection', (socket) => {
    socket.join('arena');
    socket.on('tick', (updates) => world.apply(updates));
  });
  setInterval(() => {
    const changed = world.flush();
    if (changed !== null) io.to('arena').emit('state', changed);
  }, opts.tickMs);
  httpServer.listen({ host: '127.0.0.1', port: opts.port, backlog: 4096 }, () => ready(httpServer.address().port));
  return (done) => io.close(done);
}

function startColyseus() {
  const { Server, Room } = require('@colyseus/core');
  const { WebSocketTransport } = require('@colyseus/ws-transport');
  const { Schema, MapSchema, defineTypes } = require('@colyseus/schema');

  class Entity extends Schema {}
  defineTypes(Entity, { x: opts.colyseusType, y: opts.colyseusType, rot: opts.colyseusType });
  class State extends Schema {
    constructor() {
      super();
      this.entities = new MapSchema();
    }
  }
  defineTypes(State, { entities: { map: Entity } });

  class Arena extends Room {
    onCreate() {
      this.maxClients = 100000;
      this.autoDispose = false;
      this.patchRate = opts.tickMs;
      this.state = new State();
      this.onMessage('tick', (client, updates) => {
        if (updates === null || typeof updates !== 'object') return;
        const entities = this.state.entities;
        for (const id of Object.keys(updates)) {
          const u = updates[id];
          let e = entities.get(id);
          if (e === undefined) {
            e = new Entity();
            for (const f of FIELDS) e[f] = quantize(f, u[f]);
            entities.set(id, e);
            continue;
          }
          // the schema setters skip a value equal to the held one, so an unchanged field is not sent
          for (const f of FIELDS) if (f in u) e[f] = quantize(f, u[f]);
        }
      });
    }
  }

  const gameServer = new Server({
    transport: new WebSocketTransport({ perMessageDeflate: false, maxPayload: 1 << 20 }),
    greet: false,
  });
  gameServer.define('arena', Arena);
  gameServer.listen(opts.port, '127.0.0.1').then(() => ready(opts.port));
  return (done) => { gameServer.gracefullyShutdown(false).finally(done); };
}

const stopServer = { ws: startWs, socketio: startSocketio, colyseus: startColyseus }[opts.kind]();

function stop() {
  stopServer(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
