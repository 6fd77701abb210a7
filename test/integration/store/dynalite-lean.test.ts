import { startDynalite } from "../../support/engines.ts";
import { storeContract } from "./store-contract.ts";

// The same contract over LeanDocClient, the call path the server and the Lambda functions use.
storeContract("dynalite", startDynalite, "lean");
