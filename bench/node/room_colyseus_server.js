#!/usr/bin/env node
// Fan-out baseline for bench/room_bench.py: a Colyseus 0.16 server (@colyseus/core + ws-transport).
//
//   node bench/node/room_colyseus_server.js --port N
//
// One room type `arena` (no schema state); its onMessage('pub') handler re-sends the message to every
// client with `this.broadcast('ev', message)` (Colyseus encodes it once, msgpack). Clients join with
// colyseus.js `joinOrCreate('arena')` (HTTP seat reservation, then the WebSocket).
// Prints `READY {"event":"ready","port":N}`; SIGTERM stops it. Binds 127.0.0.1 only.
'use strict';

const { Server, Room } = require('@colyseus/core');
const { WebSocketTransport } = require('@colyseus/ws-transport');

let port = 0;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  if (argv[i] === '--port') port = Number(argv[++i]);
  else throw new Error(`unknown argument ${argv[i]}`);
}
if (!port) throw new Error('--port is required');

class Arena extends Room {
  onCreate() {
    this.maxClients = 100000;
    this.autoDispose = false;
    this.onMessage('pub', (client, message) => {
      this.broadcast('ev', message);
    });
  }
}

const gameServer = new Server({
  transport: new WebSocketTransport({ perMessageDeflate: false, maxPayload: 1 << 20 }),
  greet: false,
});
gameServer.define('arena', Arena);

gameServer.listen(port, '127.0.0.1').then(() => {
  process.stdout.write(`READY ${JSON.stringify({ event: 'ready', port, pid: process.pid })}\n`);
});

function stop() {
  gameServer.gracefullyShutdown(false).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
