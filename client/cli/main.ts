#!/usr/bin/env node
import { main } from "./program.ts";

/** `scoped-secrets …`: the package's bin (compiled to dist/cli/main.js). */
await main();
