import { useState } from "preact/hooks";
import { useLoad, useSession, useTitle } from "../hooks.ts";
import { href } from "../router.ts";
import { Alert, Breadcrumbs, Notice } from "../ui.tsx";
import { DeleteScopeDialog, RenameDialog } from "./scope-actions.tsx";
import { SecretsPanel } from "./secrets.tsx";

/** A space: its effective secrets (inherited, overridden, its own). */
export function SpacePage({ environmentId, spaceId }: { environmentId: string; spaceId: string }) {
  const { api, role, leave } = useSession();
  const [acting, setActing] = useState<"rename" | "delete">();
  const [notice, setNotice] = useState<string>();
  // The list works for every role (GET /v1/spaces/{id} is for managers only).
  const names = useLoad(async () => {
    const [env, spaces] = await Promise.all([
      api.getEnvironment(environmentId),
      api.listSpaces(environmentId),
    ]);
    return { env: env.name, space: spaces.find((s) => s.id === spaceId)?.name };
  }, [api, environmentId, spaceId]);
  const envName = names.data?.env ?? environmentId;
  const spaceName = names.data?.space ?? spaceId;
  useTitle(`Secrets · ${spaceName}`);

  return (
    <>
      <Breadcrumbs
        items={[
          ["Environments", href("environments")],
          [envName, href("environments", environmentId)],
          ["Spaces", href("environments", environmentId, "spaces")],
          [spaceName, href("environments", environmentId, "spaces", spaceId)],
          ["Secrets"],
        ]}
      />
      <div class="page-head page-head-row">
        <div>
          <h1>
            {spaceName} <code class="id-chip">{spaceId}</code>
          </h1>
          <p class="muted">
            Space in <a href={href("environments", environmentId, "secrets")}>{envName}</a>: it inherits the
            environment’s secrets unless it overrides them.
          </p>
        </div>
        {(role === "admin" || role === "operator") && names.data?.space !== undefined ? (
          <div class="head-actions">
            <button type="button" class="btn btn-small" onClick={() => setActing("rename")}>
              Rename
            </button>
            <button type="button" class="btn btn-small btn-danger-quiet" onClick={() => setActing("delete")}>
              Delete space
            </button>
          </div>
        ) : null}
      </div>
      <Notice message={notice} />
      <Alert message={names.error} />
      {acting === "rename" ? (
        <RenameDialog
          what="space"
          id={spaceId}
          current={spaceName}
          onClose={() => setActing(undefined)}
          onRename={async (name) => {
            const renamed = await api.renameSpace(spaceId, name);
            setNotice(`Renamed the space to ${renamed.name}.`);
            names.reload();
          }}
        />
      ) : null}
      {acting === "delete" ? (
        <DeleteScopeDialog
          what="space"
          id={spaceId}
          name={spaceName}
          onClose={() => setActing(undefined)}
          onDelete={async () => {
            await api.deleteSpace(spaceId);
            leave(href("environments", environmentId, "spaces"), `Deleted space ${spaceName} (${spaceId}).`);
          }}
        />
      ) : null}
      {names.data && names.data.space === undefined ? (
        <Alert message={`Space ${spaceId} was not found in environment ${environmentId}.`} />
      ) : (
        <SecretsPanel environmentId={environmentId} spaceId={spaceId} environmentName={envName} />
      )}
    </>
  );
}
