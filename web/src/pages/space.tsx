import { useLoad, useSession, useTitle } from "../hooks.ts";
import { href } from "../router.ts";
import { Alert, Breadcrumbs } from "../ui.tsx";
import { SecretsPanel } from "./secrets.tsx";

/** A space: its effective secrets (inherited, overridden, its own). */
export function SpacePage({ environmentId, spaceId }: { environmentId: string; spaceId: string }) {
  const { api } = useSession();
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
      <div class="page-head">
        <h1>
          {spaceName} <code class="id-chip">{spaceId}</code>
        </h1>
        <p class="muted">
          Space in <a href={href("environments", environmentId, "secrets")}>{envName}</a>: it inherits the
          environment’s secrets unless it overrides them.
        </p>
      </div>
      <Alert message={names.error} />
      {names.data && names.data.space === undefined ? (
        <Alert message={`Space ${spaceId} was not found in environment ${environmentId}.`} />
      ) : (
        <SecretsPanel environmentId={environmentId} spaceId={spaceId} environmentName={envName} />
      )}
    </>
  );
}
