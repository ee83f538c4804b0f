#!/usr/bin/env node
// Baseline for bench/gateway_bench.py: a raw Node `ws` server on 127.0.0.1.
//
//   node bench/node/raw_ws_server.js [--port N] [--mode echo|broadcast] [--welcome]
//
// echo       sends every text frame back unchanged on the socket it came from (the baseline).
// broadcast  sends every text frame to every open socket (for fan-out benchmarks).
// --welcome  sends one small text frame when a socket opens, like the gateway's session.welcome.
//
// Prints `READY {"event":"ready","port":N,"mode":...}` once listening; SIGTERM/SIGINT stop it.
'use strict';

const { WebSocketServer, WebSocket } = require('ws');

function parseArgs(argv) {
  const opts = { port: 0, mode: 'echo', welcome: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--port') opts.port = Number(argv[++i]);
    else if (arg === '--mode') opts.mode = argv[++i];
    else if (arg === '--welcome') opts.welcome = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!['echo', 'broadcast'].includes(opts.mode)) throw new Error(`unknown mode ${opts.mode}`);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const WELCOME = JSON.stringify({ jsonrpc: '2.0', method: 'session.welcome', params: {} });

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: opts.port,
  perMessageDeflate: false,
  maxPayload: 1 << 20,
  backlog: 4096,
});

wss.on('connection', (ws) => {
  if (opts.welcome) ws.send(WELCOME);
  if (opts.mode === 'echo') {
    ws.on('message', (data, isBinary) => {
      ws.send(data, { binary: isBinary });
    });
  } else {
    ws.on('message', (data, isBinary) => {
      for (const peer of wss.clients) {
        if (peer.readyState === WebSocket.OPEN) peer.send(data, { binary: isBinary });
      }
    });
  }
  ws.on('error', () => {});
});

wss.on('listening', () => {
  const { port } = wss.address();
  process.stdout.write(`READY ${JSON.stringify({ event: 'ready', port, mode: opts.mode, pid: process.pid })}\n`);
});

function stop() {
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
