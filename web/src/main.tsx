import { render } from "preact";
import { App } from "./app.tsx";

interface RuntimeConfig {
  /** Base URL of the API; "" means the origin that served this page. */
  apiUrl: string;
}

/** config.json is written at build time (local) or at deploy time (CDK), so one bundle serves both. */
async function loadConfig(): Promise<RuntimeConfig> {
  try {
    const res = await fetch("./config.json", { cache: "no-store" });
    const body = (await res.json()) as Partial<RuntimeConfig>;
    return { apiUrl: typeof body.apiUrl === "string" ? body.apiUrl.replace(/\/+$/, "") : "" };
  } catch {
    return { apiUrl: "" };
  }
}

const root = document.getElementById("app");
if (root) {
  loadConfig().then((config) => {
    root.textContent = "";
    render(<App apiUrl={config.apiUrl} />, root);
  });
}
