import { useEffect, useRef, useState } from "preact/hooks";
import type { Space } from "../api.ts";
import { useLoad, useSession, useTitle } from "../hooks.ts";
import { href } from "../router.ts";
import { Alert, Breadcrumbs, Empty, Loading, Notice, Time } from "../ui.tsx";
import { AuditLog } from "./audit.tsx";
import { DeleteScopeDialog, RenameDialog } from "./scope-actions.tsx";
import { ScopeForm } from "./scope-form.tsx";
import { SecretsPanel } from "./secrets.tsx";

type Tab = "spaces" | "secrets" | "audit";
const TITLES: Record<Tab, string> = { spaces: "Spaces", secrets: "Secrets", audit: "Audit log" };

/** An environment: its spaces, and Developer Settings → Secrets. */
export function EnvironmentPage({ environmentId, tab }: { environmentId: string; tab: Tab }) {
  const { api, role, leave } = useSession();
  const env = useLoad(() => api.getEnvironment(environmentId), [api, environmentId]);
  const name = env.data?.name ?? environmentId;
  const [acting, setActing] = useState<"rename" | "delete">();
  const [notice, setNotice] = useState<string>();
  useTitle(`${TITLES[tab]} · ${name}`);
  const link = (t: Tab, label: string) => (
    <a href={href("environments", environmentId, t)} aria-current={tab === t ? "page" : undefined}>
      {label}
    </a>
  );

  return (
    <>
      <Breadcrumbs
        items={[
          ["Environments", href("environments")],
          [name, href("environments", environmentId)],
          ...(tab === "spaces" ? [] : tab === "secrets" ? [["Developer Settings"] as [string]] : []),
          [TITLES[tab]],
        ]}
      />
      <div class="page-head page-head-row">
        <h1>
          {name} <code class="id-chip">{environmentId}</code>
        </h1>
        {role === "admin" && env.data ? (
          <div class="head-actions">
            <button type="button" class="btn btn-small" onClick={() => setActing("rename")}>
              Rename
            </button>
            <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setActing("delete")}>
              Delete environment
            </button>
          </div>
        ) : null}
      </div>
      <Notice message={notice} />
      <Alert message={env.error} />
      {acting === "rename" ? (
        <RenameDialog
          what="environment"
          id={environmentId}
          current={name}
          onClose={() => setActing(undefined)}
          onRename={async (newName) => {
            const renamed = await api.renameEnvironment(environmentId, newName);
            setNotice(`Renamed the environment to ${renamed.name}.`);
            env.reload();
          }}
        />
      ) : null}
      {acting === "delete" ? (
        <DeleteScopeDialog
          what="environment"
          id={environmentId}
          name={name}
          onClose={() => setActing(undefined)}
          onDelete={async () => {
            await api.deleteEnvironment(environmentId);
            leave(href("environments"), `Deleted environment ${name} (${environmentId}).`);
          }}
        />
      ) : null}
      <div class="with-sidebar">
        <nav class="sidenav" aria-label="Environment">
          {link("spaces", "Spaces")}
          <p class="sidenav-heading">Developer Settings</p>
          {link("secrets", "Secrets")}
          {role !== "agent" ? (
            <>
              <p class="sidenav-heading">Activity</p>
              {link("audit", "Audit log")}
            </>
          ) : null}
        </nav>
        <div class="with-sidebar-main">
          {tab === "spaces" ? <SpacesPanel environmentId={environmentId} /> : null}
          {tab === "secrets" ? <SecretsPanel environmentId={environmentId} environmentName={name} /> : null}
          {tab === "audit" ? <AuditLog environmentId={environmentId} /> : null}
        </div>
      </div>
    </>
  );
}

function SpacesPanel({ environmentId }: { environmentId: string }) {
  const { api, role } = useSession();
  const spaces = useLoad(() => api.listSpaces(environmentId), [api, environmentId]);
  const [acting, setActing] = useState<{ kind: "rename" | "delete"; space: Space }>();
  const [notice, setNotice] = useState<string>();
  const canManage = role === "admin" || role === "operator";
  // A deleted space's row (and the button that opened the dialog) goes with the reload: focus the list's heading.
  const heading = useRef<HTMLHeadingElement>(null);
  const focusHeading = useRef(false);
  useEffect(() => {
    if (!focusHeading.current || spaces.loading) return;
    focusHeading.current = false;
    heading.current?.focus();
  }, [spaces.data, spaces.loading]);
  return (
    <>
      {role !== "agent" ? (
        <ScopeForm
          what="space"
          idExample="us_spa_123"
          onCreate={async (input) => {
            const space = await api.createSpace({ environmentId, ...input });
            spaces.reload();
            return `Created space ${space.name} (${space.id}).`;
          }}
        />
      ) : null}
      <section class="card" aria-labelledby="spaces-title">
        <h2 class="card-title" id="spaces-title" ref={heading} tabIndex={-1}>
          Spaces
        </h2>
        <p class="muted card-intro">
          A space sees every secret of this environment and can override any of them with its own value.
        </p>
        <Notice message={notice} />
        {spaces.loading && !spaces.data ? <Loading what="Loading spaces" /> : null}
        <Alert message={spaces.error} />
        {spaces.data && spaces.data.length === 0 ? (
          <Empty title="No spaces yet">
            Create a space to give one customer or workspace its own overrides.
          </Empty>
        ) : null}
        {spaces.data && spaces.data.length > 0 ? (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Created</th>
                {canManage ? (
                  <th scope="col" class="actions-col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {spaces.data.map((s) => (
                <tr key={s.id} data-space={s.id}>
                  <td>
                    <a class="strong" href={href("environments", environmentId, "spaces", s.id)}>
                      {s.name}
                    </a>
                  </td>
                  <td>
                    <code>{s.id}</code>
                  </td>
                  <td>
                    <Time iso={s.createdAt} />
                  </td>
                  {canManage ? (
                    <td class="row-actions">
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Rename space ${s.name}`}
                        onClick={() => setActing({ kind: "rename", space: s })}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        class="btn btn-small btn-danger-quiet"
                        aria-label={`Delete space ${s.name}`}
                        onClick={() => setActing({ kind: "delete", space: s })}
                      >
                        Delete
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      {acting?.kind === "rename" ? (
        <RenameDialog
          what="space"
          id={acting.space.id}
          current={acting.space.name}
          onClose={() => setActing(undefined)}
          onRename={async (newName) => {
            const renamed = await api.renameSpace(acting.space.id, newName);
            setNotice(`Renamed space ${acting.space.name} to ${renamed.name}.`);
            spaces.reload();
          }}
        />
      ) : null}
      {acting?.kind === "delete" ? (
        <DeleteScopeDialog
          what="space"
          id={acting.space.id}
          name={acting.space.name}
          onClose={() => setActing(undefined)}
          onDelete={async () => {
            await api.deleteSpace(acting.space.id);
            setNotice(`Deleted space ${acting.space.name} (${acting.space.id}).`);
            focusHeading.current = true;
            spaces.reload();
          }}
        />
      ) : null}
    </>
  );
}
