import { useLoad, useSession, useTitle } from "../hooks.ts";
import { href } from "../router.ts";
import { Alert, Empty, Loading, Time } from "../ui.tsx";
import { ScopeForm } from "./scope-form.tsx";

export function EnvironmentsPage() {
  const { api, role } = useSession();
  const envs = useLoad(() => api.listEnvironments(), [api]);
  useTitle("Environments");

  return (
    <>
      <div class="page-head">
        <h1>Environments</h1>
        <p class="muted">
          Each environment holds secrets that all of its spaces inherit. Open one to manage its spaces and
          secrets.
        </p>
      </div>
      {role === "admin" ? (
        <ScopeForm
          what="environment"
          idExample="us_env_123"
          onCreate={async (input) => {
            const env = await api.createEnvironment(input);
            envs.reload();
            return `Created environment ${env.name} (${env.id}).`;
          }}
        />
      ) : null}
      <section class="card" aria-labelledby="env-list-title">
        <h2 class="card-title" id="env-list-title">
          All environments
        </h2>
        {envs.loading && !envs.data ? <Loading what="Loading environments" /> : null}
        <Alert message={envs.error} />
        {envs.data && envs.data.length === 0 ? (
          <Empty title="No environments yet">
            {role === "admin"
              ? "Create one above, e.g. “US production”, then add its secrets."
              : "Your token is not bound to an environment that still exists."}
          </Empty>
        ) : null}
        {envs.data && envs.data.length > 0 ? (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {envs.data.map((env) => (
                <tr key={env.id}>
                  <td>
                    <a href={href("environments", env.id)} class="strong">
                      {env.name}
                    </a>
                  </td>
                  <td>
                    <code>{env.id}</code>
                  </td>
                  <td>
                    <Time iso={env.createdAt} />
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
