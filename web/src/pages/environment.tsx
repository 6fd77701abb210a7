import { useLoad, useSession, useTitle } from "../hooks.ts";
import { href } from "../router.ts";
import { Alert, Breadcrumbs, Empty, Loading, Time } from "../ui.tsx";
import { AuditLog } from "./audit.tsx";
import { ScopeForm } from "./scope-form.tsx";
import { SecretsPanel } from "./secrets.tsx";

type Tab = "spaces" | "secrets" | "audit";
const TITLES: Record<Tab, string> = { spaces: "Spaces", secrets: "Secrets", audit: "Audit log" };

/** An environment: its spaces, and Developer Settings → Secrets. */
export function EnvironmentPage({ environmentId, tab }: { environmentId: string; tab: Tab }) {
  const { api, role } = useSession();
  const env = useLoad(() => api.getEnvironment(environmentId), [api, environmentId]);
  const name = env.data?.name ?? environmentId;
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
      <div class="page-head">
        <h1>
          {name} <code class="id-chip">{environmentId}</code>
        </h1>
      </div>
      <Alert message={env.error} />
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
        <h2 class="card-title" id="spaces-title">
          Spaces
        </h2>
        <p class="muted card-intro">
          A space sees every secret of this environment and can override any of them with its own value.
        </p>
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
              </tr>
            </thead>
            <tbody>
              {spaces.data.map((s) => (
                <tr key={s.id}>
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
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}
