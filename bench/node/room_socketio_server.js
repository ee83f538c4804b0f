#!/usr/bin/env node
// Fan-out baseline for bench/room_bench.py: a Socket.IO server on 127.0.0.1 with one room.
//
//   node bench/node/room_socketio_server.js --port N
//
// Every socket joins the room `arena` on connect; a `pub` event is re-emitted to the whole room with
// `io.to('arena').emit('ev', data)` (Socket.IO encodes the packet once for all members). WebSocket
// transport only, no per-message deflate. Prints `READY {"event":"ready","port":N}`; SIGTERM stops it.
'use strict';

const http = require('http');
const { Server } = require('socket.io');

let port = 0;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  if (argv[i] === '--port') port = Number(argv[++i]);
  else throw new Error(`unknown argument ${argv[i]}`);
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  maxHttpBufferSize: 1 << 20,
});

io.on('connection', (socket) => {
  socket.join('arena');
  socket.on('pub', (data) => {
    io.to('arena').emit('ev', data);
  });
});

httpServer.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => {
  const addr = httpServer.address();
  process.stdout.write(`READY ${JSON.stringify({ event: 'ready', port: addr.port, pid: process.pid })}\n`);
});

function stop() {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
