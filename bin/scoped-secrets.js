#!/usr/bin/env node
// Runs the TypeScript CLI through tsx. The CommonJS hook too, so `listen` also loads listener modules
// written in TypeScript outside an ESM package (a .ts file next to no "type": "module").
import { register as registerCjs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
registerCjs();
await import("../ops/main.ts");
