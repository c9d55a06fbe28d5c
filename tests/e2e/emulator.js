// Starts the telegram-test-api emulator for the end-to-end tests.
// Usage: node emulator.js PORT  — prints "ready" once it listens; stops when stdin closes
// (the test process ended or died) or on SIGTERM/SIGINT.
'use strict';

const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node emulator.js PORT\n');
  process.exit(2);
}

const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 60 });
let stopping = false;

async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}

server.start().then(
  () => process.stdout.write('ready\n'),
  (error) => {
    process.stderr.write(`emulator failed to start: ${error}\n`);
    process.exit(1);
  },
);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
