// The embedded DynamoDB engine (dynalite on LevelDB) on its own worker thread, so the server's HTTP and
// app work and the database use both cores while staying one process. Started by startEngineThread().
const { parentPort, workerData } = require("node:worker_threads");
const dynalite = require("dynalite");

const db = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
db.once("error", (e) => parentPort.postMessage({ error: e.message }));
db.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: db.address().port }));
parentPort.once("message", () => db.close(() => parentPort.close()));
