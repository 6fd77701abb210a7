import { startDynalite } from "../../support/engines.ts";
import { storeContract } from "./store-contract.ts";

storeContract("dynalite", startDynalite);
