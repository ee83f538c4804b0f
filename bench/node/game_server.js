#!/usr/bin/env node
// The game of bench/game_bench.py on the two Node peers: rooms of players, each sending its input at 20 Hz,
// each receiving its room's state at 20 Hz.
//
//   node bench/node/game_server.js --kind ws|colyseus --port N [--tick-ms 50]
//
// An input is the player's new {x, y, rot, t} (client-authoritative movement, already quantised by the client:
// x and y to 0.01, rot to whole degrees, t the integer millisecond it was sent). The server applies it to its
// room's state as it arrives and, every --tick-ms, sends the room's changes to every member (the sender too):
//
// ws        raw Node `ws`, written as a game would write it: a socket joins the room and player named in its
//           URL (`/?room=g3&player=p61`); rooms are a Map of {members, players, changed}; one interval for all
//           rooms sends, per room with changes, the changed players as one JSON text frame
//           (`{"p61":{"x":..,"y":..,"rot":..,"t":..},..}`), `JSON.stringify` once per room, the same Buffer
//           to each member.
// colyseus  Colyseus 0.16 (@colyseus/core + ws-transport): room type `game` filtered by the `room` option
//           (`joinOrCreate('game', {room: 'g3'})`), state `players: MapSchema<Player>` keyed by session id,
//           Player {x, y, rot, t} of schema type "number", created in onJoin and removed in onLeave;
//           onMessage('input') writes the fields (the schema setters skip unchanged values); the room's own
//           patch loop (patchRate = --tick-ms, Colyseus's default 50 ms) encodes the changes once per room and
//           sends them to every client.
//
// Prints `READY {"event":"ready","port":N,"pid":P}`; SIGTERM stops it. Binds 127.0.0.1 only.
'use strict';

function parseArgs(argv) {
  const o = { kind: '', port: 0, tickMs: 50 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--kind') o.kind = argv[++i];
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--tick-ms') o.tickMs = Math.max(5, Number(argv[++i]));
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['ws', 'colyseus'].includes(o.kind)) throw new Error(`bad --kind ${o.kind}`);
  if (o.kind === 'colyseus' && !o.port) throw new Error('colyseus needs an explicit --port');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const FIELDS = ['x', 'y', 'rot', 't'];
const NAME = /^[A-Za-z0-9_-]{1,32}$/;

function ready(port) {
  process.stdout.write(`READY ${JSON.stringify({ event: 'ready', port, pid: process.pid })}\n`);
}

function validInput(input) {
  if (input === null || typeof input !== 'object') return false;
  for (const f of FIELDS) if (typeof input[f] !== 'number' || !Number.isFinite(input[f])) return false;
  return true;
}

function startWs() {
  const { WebSocketServer, WebSocket } = require('ws');
  const rooms = new Map(); // name -> {members: Set<ws>, players: Map<id, {x, y, rot, t}>, changed: Set<id>}
  const wss = new WebSocketServer({ host: '127.0.0.1', port: opts.port, perMessageDeflate: false,
    maxPayload: 64 * 1024, backlog: 4096 });
  wss.on('connection', (ws, req) => {
    const query = new URL(req.url, 'http://localhost').searchParams;
    const roomName = query.get('room') || '';
    const player = query.get('player') || '';
    if (!NAME.test(roomName) || !NAME.test(player)) { ws.close(1008, 'room and player required'); return; }
    let room = rooms.get(roomName);
    if (room === undefined) {
      room = { members: new Set(), players: new Map(), changed: new Set() };
      rooms.set(roomName, room);
    }
    room.members.add(ws);
    ws.on('message', (data) => {
      let input;
      try { input = JSON.parse(data); } catch (e) { return; } // not JSON: ignored
      if (!validInput(input)) return;
      room.players.set(player, { x: input.x, y: input.y, rot: input.rot, t: input.t });
      room.changed.add(player);
    });
    ws.on('close', () => {
      room.members.delete(ws);
      if (room.members.size === 0) rooms.delete(roomName);
    });
    ws.on('error', () => {});
  });
  setInterval(() => {
    for (const room of rooms.values()) {
      if (room.changed.size === 0) continue;
      const out = {};
      for (const id of room.changed) out[id] = room.players.get(id);
      room.changed.clear();
      const frame = Buffer.from(JSON.stringify(out)); // once per room, the same bytes to every member
      for (const peer of room.members) {
        if (peer.readyState === WebSocket.OPEN) peer.send(frame, { binary: false });
      }
    }
  }, opts.tickMs);
  wss.on('listening', () => ready(wss.address().port));
  return (done) => { for (const ws of wss.clients) ws.terminate(); wss.close(done); };
}

function startColyseus() {
  const { Server, Room } = require('@colyseus/core');
  const { WebSocketTransport } = require('@colyseus/ws-transport');
  const { Schema, MapSchema, defineTypes } = require('@colyseus/schema');

  class Player extends Schema {}
  defineTypes(Player, { x: 'number', y: 'number', rot: 'number', t: 'number' });
  class State extends Schema {
    constructor() {
      super();
      this.players = new MapSchema();
    }
  }
  defineTypes(State, { players: { map: Player } });

  class Game extends Room {
    onCreate() {
      this.maxClients = 1000;
      this.patchRate = opts.tickMs;
      this.state = new State();
      this.onMessage('input', (client, input) => {
        const p = this.state.players.get(client.sessionId);
        if (p === undefined || !validInput(input)) return;
        p.x = input.x;
        p.y = input.y;
        p.rot = input.rot;
        p.t = input.t;
      });
    }

    onJoin(client) {
      this.state.players.set(client.sessionId, new Player());
    }

    onLeave(client) {
      this.state.players.delete(client.sessionId);
    }
  }

  const gameServer = new Server({
    transport: new WebSocketTransport({ perMessageDeflate: false, maxPayload: 64 * 1024 }),
    greet: false,
  });
  gameServer.define('game', Game).filterBy(['room']);
  gameServer.listen(opts.port, '127.0.0.1').then(() => ready(opts.port));
  return (done) => { gameServer.gracefullyShutdown(false).finally(done); };
}

const stopServer = { ws: startWs, colyseus: startColyseus }[opts.kind]();

function stop() {
  stopServer(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
