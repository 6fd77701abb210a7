import {
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditRepository } from "../../lambdas/store/audit-repository.ts";
import { cli } from "../client/helpers.ts";
import { type ChildServer, startChildServer } from "./support/child-server.ts";
import { localTarget, type SecurityTarget } from "./support/target.ts";
import { createSecret, createToken, secretValue, type WorldToken } from "./support/world.ts";

// Issue 13: one regression test per finding (1, 3, 4, 5, 7, 8, 9, 10). Each failed on the base commit 08dc8a3.

let t: SecurityTarget;
let admin: string;
const raw = () => {
  if (!t.raw) throw new Error("this suite needs raw table access");
  return t.raw;
};

beforeAll(async () => {
  t = await localTarget("round2");
  admin = t.adminToken;
  for (const id of ["r2_a", "r2_b", "_"])
    expect((await t.call("POST", "/v1/environments", { token: admin, body: { name: id, id } })).status).toBe(
      201,
    );
  for (const [environmentId, id] of [
    ["r2_a", "r2_a1"],
    ["r2_a", "r2_a2"],
    ["r2_b", "r2_b1"],
  ] as const)
    expect(
      (await t.call("POST", "/v1/spaces", { token: admin, body: { environmentId, name: id, id } })).status,
    ).toBe(201);
});
afterAll(async () => {
  t.tally.print();
  await t?.stop();
});

/** Listening TCP sockets (inodes) of a process, from /proc: what `ss -ltnp` shows for the pid. */
function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "";
      }
    })();
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m?.[1]) inodes.add(m[1]);
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols[1] local address:port (hex), cols[3] state (0A = LISTEN), cols[9] inode
      if (cols[3] === "0A" && cols[9] && inodes.has(cols[9]))
        ports.push(Number.parseInt(cols[1]?.split(":")[1] ?? "0", 16));
    }
  }
  return ports;
}

describe.skipIf(process.platform !== "linux")(
  "finding 1: the store is reachable by the server process only",
  () => {
    let child: ChildServer;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "ss-r2-child-"));
      child = await startChildServer(dataDir);
    });
    afterAll(async () => {
      child?.child.kill("SIGTERM");
      await child?.exited;
    });

    it("the server process listens on exactly one TCP socket, its HTTP port", async () => {
      const port = Number(new URL(child.url).port);
      expect((await fetch(`${child.url}/v1/health`)).status).toBe(200);
      expect(listeningTcpPorts(child.child.pid as number)).toEqual([port]);
    });

    it("the engine's unix socket is mode 0600 in a 0700 directory inside DATA_DIR", () => {
      const run = join(dataDir, "run");
      expect(statSync(run).mode & 0o777).toBe(0o700);
      const sockets = readdirSync(run).filter((f) => f.endsWith(".sock"));
      expect(sockets).toHaveLength(1);
      const st = statSync(join(run, sockets[0] as string));
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
    });
  },
);

describe("finding 3: a whole item copied to another scope is never served there", () => {
  let agentB: WorldToken;
  let agentA1: WorldToken;
  let operatorB: WorldToken;
  beforeAll(async () => {
    await createSecret(t.call, admin, { environmentId: "r2_a" }, "COPIED", secretValue("r2_a.COPIED"));
    await createSecret(t.call, admin, { environmentId: "r2_a", spaceId: "r2_a2" }, "SPACE_COPIED");
    agentB = await createToken(t.call, admin, { label: "agent b", role: "agent", environmentId: "r2_b" });
    operatorB = await createToken(t.call, admin, { label: "op b", role: "operator", environmentId: "r2_b" });
    agentA1 = await createToken(t.call, admin, {
      label: "agent a1",
      role: "agent",
      environmentId: "r2_a",
      spaceId: "r2_a1",
    });
    const { dynamo, table } = raw();
    const copy = async (from: { pk: string; sk: string }, toPk: string) => {
      const item = (await dynamo.doc.send(new GetCommand({ TableName: table, Key: from }))).Item;
      expect(item).toBeDefined();
      await dynamo.doc.send(new PutCommand({ TableName: table, Item: { ...item, pk: toPk } }));
    };
    // Every byte of the item moves (fields, envelope, wrapped key); only its partition changes.
    await copy({ pk: "SCOPE#r2_a", sk: "SECRET#COPIED" }, "SCOPE#r2_b");
    await copy({ pk: "SCOPE#r2_a#r2_a2", sk: "SECRET#SPACE_COPIED" }, "SCOPE#r2_a#r2_a1");
  });

  it("to another environment: the agent's read by name is an integrity failure, not the value", async () => {
    const res = await t.call("GET", "/v1/secrets?environmentId=r2_b&name=COPIED", { token: agentB.token });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain("r2_a.COPIED");
    expect(res.body.errors[0].message).toMatch(/integrity/);
  });

  it("to another environment: the list marks the row and carries no value; an operator sees it marked too", async () => {
    for (const token of [agentB.token, operatorB.token, admin]) {
      const res = await t.call("GET", "/v1/secrets?environmentId=r2_b", { token });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain("r2_a.COPIED");
      const row = res.body.data.find((s: { name: string }) => s.name === "COPIED");
      expect(row.error.code).toBe("integrity");
      expect(row.value).toBeUndefined();
      expect(row.environmentId).toBe("r2_b");
    }
  });

  it("to a sibling space: a space-bound agent never receives the sibling's value", async () => {
    const one = await t.call("GET", "/v1/secrets?environmentId=r2_a&spaceId=r2_a1&name=SPACE_COPIED", {
      token: agentA1.token,
    });
    expect(one.status).toBe(500);
    const all = await t.call("GET", "/v1/secrets?environmentId=r2_a&spaceId=r2_a1", { token: agentA1.token });
    expect(all.status).toBe(200);
    const row = all.body.data.find((s: { name: string }) => s.name === "SPACE_COPIED");
    expect(row.value).toBeUndefined();
    expect(row.error.code).toBe("integrity");
  });

  it("the original is still served where it belongs", async () => {
    const res = await t.call("GET", "/v1/secrets?environmentId=r2_a&name=COPIED", { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.data[0].value).toMatch(/^r2_a\.COPIED:/);
  });
});

describe("finding 4: no environment id reaches the global audit partition", () => {
  it("an operator of environment `_` reads none of the events outside any environment", async () => {
    await createToken(t.call, admin, { label: "global admin event", role: "admin" });
    const op = await createToken(t.call, admin, { label: "op _", role: "operator", environmentId: "_" });
    const mine = await t.call("GET", "/v1/audit?environmentId=_&limit=1000", { token: op.token });
    expect(mine.status).toBe(200);
    expect(mine.text).not.toContain("global admin event");
    const global = await t.call("GET", "/v1/audit?limit=1000", { token: admin });
    expect(global.text).toContain("global admin event");
  });
});

describe("finding 7: an audit event is never overwritten", () => {
  it("a second PutItem of the same event id is refused and the first one stands", async () => {
    const { dynamo, table } = raw();
    const audit = new AuditRepository(dynamo.doc, table);
    const event = {
      id: "evt_r2_same",
      at: "2026-01-01T00:00:00.000Z",
      environmentId: "r2_a",
      actor: { tokenId: "tok_x", name: "x" },
      action: "secret.update",
      target: { type: "secret", id: "sec_x", name: "X", environmentId: "r2_a" },
      outcome: "success" as const,
      detail: "first",
    };
    await audit.appendAudit(event, 1);
    await expect(audit.appendAudit({ ...event, detail: "forged" }, 1)).rejects.toMatchObject({
      code: "conflict",
    });
    const page = await audit.listAudit({ environmentId: "r2_a" }, { limit: 1000 });
    expect(page.items.filter((e) => e.id === "evt_r2_same").map((e) => e.detail)).toEqual(["first"]);
  });
});

/** A raw request with any Host header (fetch will not send one of its own choosing). */
function withHost(url: string, host: string | undefined, path = "/v1/health") {
  const u = new URL(url);
  return new Promise<{ status: number; text: string; type: string }>((ok, fail) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method: "GET", setHost: false, headers: host ? { host } : {} },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => {
          text += d.toString("utf8");
        });
        res.on("end", () =>
          ok({ status: res.statusCode ?? 0, text, type: String(res.headers["content-type"]) }),
        );
      },
    );
    req.on("error", fail);
    req.end();
  });
}

describe("finding 8: caching headers and the Host check", () => {
  it("every /v1 response that can carry a value or token says Cache-Control: no-store", async () => {
    const s = await createSecret(t.call, admin, { environmentId: "r2_a" }, "NO_STORE");
    const paths: Array<[string, string, unknown?]> = [
      ["GET", "/v1/secrets?environmentId=r2_a"],
      ["GET", "/v1/secrets?environmentId=r2_a&name=NO_STORE"],
      ["GET", `/v1/secrets/${s.id}`],
      ["GET", `/v1/secrets/${s.id}/versions`],
      ["POST", `/v1/secrets/${s.id}/rollback`, { version: 1 }],
      ["POST", "/v1/secrets", { name: "NO_STORE", value: "v2", environmentId: "r2_a" }],
      ["GET", "/v1/tokens"],
      ["GET", "/v1/audit?environmentId=r2_a"],
      ["GET", "/v1/environments"],
      ["GET", "/v1/secrets?environmentId=nope"],
    ];
    for (const [method, path, body] of paths) {
      const res = await t.call(method, path, { token: admin, body });
      expect(res.headers.get("cache-control"), `${method} ${path}`).toBe("no-store");
    }
    expect((await t.call("GET", "/v1/secrets?environmentId=r2_a")).headers.get("cache-control")).toBe(
      "no-store",
    );
  });

  it("answers loopback names and the configured HOST, with or without a port", async () => {
    const port = new URL(t.url).port;
    for (const host of [
      "127.0.0.1",
      `127.0.0.1:${port}`,
      "localhost",
      `localhost:${port}`,
      `[::1]:${port}`,
      "LOCALHOST",
    ])
      expect((await withHost(t.url, host)).status, host).toBe(200);
  });

  it("refuses any other Host with 421 and a JSON error (DNS rebinding)", async () => {
    const port = new URL(t.url).port;
    for (const host of [
      `evil.example:${port}`,
      "evil.example",
      "127.0.0.1.evil.example",
      "localhost.evil.example",
    ]) {
      const res = await withHost(t.url, host, "/v1/secrets?environmentId=r2_a");
      expect(res.status, host).toBe(421);
      expect(res.type).toMatch(/application\/json/);
      expect(JSON.parse(res.text).errors[0].key).toBe("Host");
    }
    // No Host at all: node's HTTP server itself refuses an HTTP/1.1 request without one.
    expect((await withHost(t.url, undefined)).status).toBe(400);
  });
});

describe("finding 9: existence and sibling activity do not leak", () => {
  it("GET /v1/spaces/{id}: a missing space and another environment's space cost the same reads", async () => {
    const op = await createToken(t.call, admin, { label: "op a", role: "operator", environmentId: "r2_a" });
    const local = t.local;
    if (!local) return;
    const counts: string[] = [];
    local.dynamo.raw.middlewareStack.add(
      (next, context) => async (args) => {
        counts.push((context as { commandName?: string }).commandName ?? "?");
        return next(args);
      },
      { step: "initialize", name: "r2ReadCounter" },
    );
    const reads = async (path: string) => {
      counts.length = 0;
      const res = await t.call("GET", path, { token: op.token });
      return { status: res.status, body: res.text.replaceAll(/r2_b1|r2_nope/g, "ID"), calls: [...counts] };
    };
    // Warm the principal cache so token reads do not count.
    await reads("/v1/spaces/r2_a1");
    const missing = await reads("/v1/spaces/r2_nope");
    const elsewhere = await reads("/v1/spaces/r2_b1");
    local.dynamo.raw.middlewareStack.remove("r2ReadCounter");
    expect(missing.status).toBe(404);
    expect(elsewhere).toEqual(missing);
  });

  it("a space-bound reader's audit pages hold only its space: full pages, cursors from its own events", async () => {
    const opA1 = await createToken(t.call, admin, {
      label: "op a1",
      role: "operator",
      environmentId: "r2_a",
      spaceId: "r2_a1",
    });
    // Interleave activity: one own event, then a burst in the sibling space, repeatedly.
    for (let i = 0; i < 4; i++) {
      await createSecret(t.call, admin, { environmentId: "r2_a", spaceId: "r2_a1" }, `OWN_${i}`);
      for (let j = 0; j < 3; j++)
        await createSecret(t.call, admin, { environmentId: "r2_a", spaceId: "r2_a2" }, `SIB_${i}_${j}`);
    }
    const seen: Array<{ target: { spaceId?: string }; at: string; id: string }> = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const res = await t.call(
        "GET",
        `/v1/audit?environmentId=r2_a&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { token: opA1.token },
      );
      expect(res.status).toBe(200);
      sizes.push(res.body.data.length);
      seen.push(...res.body.data);
      cursor = res.body.cursor;
      if (cursor) {
        const position = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { sk: string };
        const last = res.body.data.at(-1);
        expect(position.sk).toBe(`${last.at}#${last.id}`);
      }
    } while (cursor);
    expect(seen.every((e) => e.target.spaceId === "r2_a1")).toBe(true);
    expect(seen.filter((e) => /OWN_/.test(JSON.stringify(e))).length).toBeGreaterThanOrEqual(4);
    // Only the last page may be short.
    expect(sizes.slice(0, -1).every((n) => n === 2)).toBe(true);
  });
});

describe("finding 5: a token does not outlive its scope; a re-created scope starts with no history", () => {
  it("deleting an environment revokes its tokens; re-creating the id brings back no token, version or event", async () => {
    const env = "r2_gone";
    expect(
      (await t.call("POST", "/v1/environments", { token: admin, body: { name: env, id: env } })).status,
    ).toBe(201);
    const agent = await createToken(t.call, admin, { label: "old agent", role: "agent", environmentId: env });
    const op = await createToken(t.call, admin, { label: "old op", role: "operator", environmentId: env });
    const old = await createSecret(
      t.call,
      admin,
      { environmentId: env },
      "TENANT",
      secretValue("old-tenant"),
    );
    expect(
      (await t.call("GET", `/v1/secrets?environmentId=${env}&name=TENANT`, { token: agent.token })).status,
    ).toBe(200);
    expect((await t.call("DELETE", `/v1/secrets/${old.id}`, { token: admin })).status).toBe(200);
    expect((await t.call("DELETE", `/v1/environments/${env}`, { token: admin })).status).toBe(200);
    expect((await t.call("GET", `/v1/secrets?environmentId=${env}`, { token: agent.token })).status).toBe(
      401,
    );

    expect(
      (await t.call("POST", "/v1/environments", { token: admin, body: { name: env, id: env } })).status,
    ).toBe(201);
    for (const tok of [agent, op])
      expect((await t.call("GET", `/v1/secrets?environmentId=${env}`, { token: tok.token })).status).toBe(
        401,
      );
    // The old secret's id and history are gone: nothing to list or roll back to.
    expect((await t.call("GET", `/v1/secrets/${old.id}/versions`, { token: admin })).status).toBe(404);
    expect(
      (await t.call("POST", `/v1/secrets/${old.id}/rollback`, { token: admin, body: { version: 1 } })).status,
    ).toBe(404);
    const fresh = await t.call("POST", "/v1/secrets", {
      token: admin,
      body: { name: "TENANT", value: "new tenant", environmentId: env },
    });
    expect(fresh.status).toBe(201);
    expect(fresh.body.data.version).toBe(1);
    expect(fresh.body.data.id).not.toBe(old.id);
    const versions = await t.call("GET", `/v1/secrets/${fresh.body.data.id}/versions`, { token: admin });
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([1]);
    const rollback = await t.call("POST", `/v1/secrets/${fresh.body.data.id}/rollback`, {
      token: admin,
      body: { version: 1 },
    });
    expect(rollback.text).not.toContain("old-tenant");
    // The new environment's audit log starts at its creation.
    const audit = await t.call("GET", `/v1/audit?environmentId=${env}&limit=1000`, { token: admin });
    expect(audit.text).not.toContain(old.id);
    expect(audit.text).not.toContain("environment.delete");
  });

  it("deleting a space revokes its tokens; the re-created space has no history", async () => {
    const agent = await createToken(t.call, admin, {
      label: "space agent",
      role: "agent",
      environmentId: "r2_b",
      spaceId: "r2_b1",
    });
    const s = await createSecret(
      t.call,
      admin,
      { environmentId: "r2_b", spaceId: "r2_b1" },
      "OVR",
      secretValue("old-space"),
    );
    expect((await t.call("DELETE", `/v1/secrets/${s.id}`, { token: admin })).status).toBe(200);
    expect((await t.call("DELETE", "/v1/spaces/r2_b1", { token: admin })).status).toBe(200);
    expect(
      (
        await t.call("POST", "/v1/spaces", {
          token: admin,
          body: { environmentId: "r2_b", name: "again", id: "r2_b1" },
        })
      ).status,
    ).toBe(201);
    expect(
      (await t.call("GET", "/v1/secrets?environmentId=r2_b&spaceId=r2_b1", { token: agent.token })).status,
    ).toBe(401);
    expect((await t.call("GET", `/v1/secrets/${s.id}/versions`, { token: admin })).status).toBe(404);
    const again = await t.call("POST", "/v1/secrets", {
      token: admin,
      body: { name: "OVR", value: "new", environmentId: "r2_b", spaceId: "r2_b1" },
    });
    expect(again.body.data.version).toBe(1);
  });
});

describe("finding 5, backstop: a token its scope's deletion missed dies when the id is created again", () => {
  it("an environment removed behind the API's back, then re-created: the old token is refused", async () => {
    expect(
      (await t.call("POST", "/v1/environments", { token: admin, body: { name: "bs", id: "r2_bs" } })).status,
    ).toBe(201);
    const agent = await createToken(t.call, admin, {
      label: "missed",
      role: "agent",
      environmentId: "r2_bs",
    });
    const { dynamo, table } = raw();
    // As if the deletion's revocation had failed: only the environment's item goes.
    await dynamo.doc.send(new DeleteCommand({ TableName: table, Key: { pk: "ENV#r2_bs", sk: "META" } }));
    await new Promise((r) => setTimeout(r, 5));
    expect(
      (await t.call("POST", "/v1/environments", { token: admin, body: { name: "bs", id: "r2_bs" } })).status,
    ).toBe(201);
    expect((await t.call("GET", "/v1/secrets?environmentId=r2_bs", { token: agent.token })).status).toBe(401);
    const fresh = await createToken(t.call, admin, { label: "fresh", role: "agent", environmentId: "r2_bs" });
    expect((await t.call("GET", "/v1/secrets?environmentId=r2_bs", { token: fresh.token })).status).toBe(200);
  });
});

describe("finding 10: export -o writes a new 0600 file and never follows a symlink", () => {
  const dir = mkdtempSync(join(tmpdir(), "ss-r2-export-"));
  const run = (args: string[]) => cli({ url: t.url, adminToken: admin }, args);

  it("replaces an existing file instead of writing into it: a hard link to the old file gets nothing", async () => {
    await createSecret(t.call, admin, { environmentId: "r2_a" }, "EXPORTED", secretValue("exported"));
    const target = join(dir, "out.env");
    const other = join(dir, "someone-elses-link");
    writeFileSync(target, "OLD=1\n", { mode: 0o644 });
    linkSync(target, other);
    const r = await run(["export", "-e", "r2_a", "-o", target]);
    expect(r.code).toBe(0);
    expect(readFileSync(target, "utf8")).toContain("exported:");
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readFileSync(other, "utf8")).toBe("OLD=1\n");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a symlink at the target and leaves what it points to untouched", async () => {
    const pointee = join(dir, "pointee");
    writeFileSync(pointee, "KEEP=1\n", { mode: 0o644 });
    const link = join(dir, "link.env");
    symlinkSync(pointee, link);
    const r = await run(["export", "-e", "r2_a", "-o", link]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/symbolic link/);
    expect(readFileSync(pointee, "utf8")).toBe("KEEP=1\n");
    expect(statSync(pointee).mode & 0o777).toBe(0o644);
  });
});
