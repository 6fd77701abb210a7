import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reapStale, recordChildren } from "../../emulator/processes.ts";

describe.skipIf(process.platform !== "linux")("leftovers of a killed start:cloud", () => {
  it("are ended by the next start: only recorded processes that are the emulator's own kinds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ss-reap-"));
    const file = join(dir, "pids.json");
    const spawnIdle = (marker: string) =>
      spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", marker], { stdio: "ignore" });
    const leftover = spawnIdle("DynamoDBLocal.jar");
    const unrelated = spawnIdle("something-else");
    try {
      recordChildren(file, [leftover.pid ?? 0, unrelated.pid ?? 0]);
      const exited = new Promise((r) => leftover.once("exit", r));
      expect(reapStale(file)).toBeUndefined();
      await exited;
      expect(leftover.signalCode).toBe("SIGKILL");
      expect(unrelated.exitCode).toBeNull();
      expect(existsSync(file)).toBe(false);
    } finally {
      leftover.kill("SIGKILL");
      unrelated.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
