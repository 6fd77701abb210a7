// The embedded DynamoDB engine (dynalite on LevelDB) on its own worker thread, so the server's HTTP and
// app work and the database use both cores while staying one process. Started by startEngineThread().
// It listens on a unix socket (a named pipe on Windows) in a private directory, never on a TCP port:
// dynalite checks no credentials, so only this process may reach it.
const { chmodSync } = require("node:fs");
const { parentPort, workerData } = require("node:worker_threads");
const dynalite = require("dynalite");

const db = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
db.once("error", (e) => parentPort.postMessage({ error: e.message }));
db.listen(workerData.socketPath, () => {
  if (process.platform !== "win32") chmodSync(workerData.socketPath, 0o600);
  parentPort.postMessage({ socketPath: workerData.socketPath });
});
parentPort.once("message", () => db.close(() => parentPort.close()));
