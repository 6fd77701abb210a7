import { main } from "../client/cli/program.ts";
import { registerOps } from "./cli.ts";

/** The root `npx scoped-secrets` (bin/scoped-secrets.js runs this through tsx). */
await main(registerOps);
