// biome-ignore-all format lint/correctness/noUnusedVariables: the listener example of DESIGN §1, verbatim
export default function flatfileEventListener(listener) {
  listener.on("**", async (event) => {
    const tok = await event.secrets("SLACK_TOKEN");
    const other = await event.secrets("MY_CREDENTIAL", { environmentId: "us_env_123", spaceId: "us_spa_123" });
  });
}
