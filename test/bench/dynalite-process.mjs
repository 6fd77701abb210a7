// dynalite in its own process, persisted to the directory given (LevelDB on disk, as the local server uses).
// Prints {"port":n} once listening; exits when its stdin closes.
import dynalite from "dynalite";

const path = process.argv[2];
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => server.close(() => process.exit(0)));
