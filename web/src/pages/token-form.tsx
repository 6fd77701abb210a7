import { useId, useState } from "preact/hooks";
import type { CreatedToken, Role } from "../api.ts";
import { useAction, useLoad, useSession } from "../hooks.ts";
import { Alert, Field } from "../ui.tsx";

const ROLE_HINT: Record<Role, string> = {
  agent: "Reads effective secrets, with values, in its environment or space. For listeners and scripts.",
  operator: "Manages spaces and secrets in its environment; writes values but never reads them.",
  admin: "Everything, in every environment, including tokens and reading values.",
};

/** Create a token: role, environment and optional space, optional expiry. */
export function TokenForm({ onCreated }: { onCreated: (token: CreatedToken) => void }) {
  const { api } = useSession();
  const uid = useId();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [environmentId, setEnvironmentId] = useState("");
  const [spaceId, setSpaceId] = useState("");
  const [expires, setExpires] = useState("");
  const envs = useLoad(() => api.listEnvironments(), [api]);
  const spaces = useLoad(
    () => (environmentId ? api.listSpaces(environmentId) : Promise.resolve([])),
    [api, environmentId],
  );
  const { busy, error, run } = useAction();
  const bound = role !== "admin";

  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const created = await api.createToken({
        name: name.trim(),
        role,
        ...(bound && environmentId ? { environmentId } : {}),
        ...(bound && spaceId ? { spaceId } : {}),
        // End of the chosen day, UTC: "expires on 2030-01-31" includes that day.
        ...(expires ? { expiresAt: `${expires}T23:59:59Z` } : {}),
      });
      setName("");
      setExpires("");
      onCreated(created);
    });
  };

  return (
    <form class="card" onSubmit={submit} aria-label="Create token">
      <h2 class="card-title">New token</h2>
      <div class="form-grid">
        <Field id={`${uid}-name`} label="Name" hint="Who or what uses it, e.g. “acme agent”.">
          <input
            id={`${uid}-name`}
            required
            maxLength={200}
            aria-describedby={`${uid}-name-hint`}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Field id={`${uid}-role`} label="Role" hint={ROLE_HINT[role]}>
          <select
            id={`${uid}-role`}
            aria-describedby={`${uid}-role-hint`}
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as Role)}
          >
            <option value="agent">agent</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </Field>
        <Field
          id={`${uid}-env`}
          label="Environment"
          hint={bound ? "The one environment this token may touch." : "Admin tokens are not bound to one."}
        >
          <select
            id={`${uid}-env`}
            required={bound}
            disabled={!bound}
            aria-describedby={`${uid}-env-hint`}
            value={bound ? environmentId : ""}
            onChange={(e) => {
              setEnvironmentId(e.currentTarget.value);
              setSpaceId("");
            }}
          >
            <option value="">{envs.loading ? "Loading…" : bound ? "Choose an environment" : "—"}</option>
            {(envs.data ?? []).map((env) => (
              <option key={env.id} value={env.id}>
                {env.name} ({env.id})
              </option>
            ))}
          </select>
        </Field>
        <Field
          id={`${uid}-space`}
          label="Space (optional)"
          hint="Bind it to one space: it then sees only that space’s effective secrets."
        >
          <select
            id={`${uid}-space`}
            disabled={!bound || !environmentId}
            aria-describedby={`${uid}-space-hint`}
            value={bound ? spaceId : ""}
            onChange={(e) => setSpaceId(e.currentTarget.value)}
          >
            <option value="">Whole environment</option>
            {(bound ? (spaces.data ?? []) : []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.id})
              </option>
            ))}
          </select>
        </Field>
        <Field
          id={`${uid}-expires`}
          label="Expires (optional)"
          hint="Leave empty for a token that never expires."
        >
          <input
            id={`${uid}-expires`}
            type="date"
            aria-describedby={`${uid}-expires-hint`}
            value={expires}
            onInput={(e) => setExpires(e.currentTarget.value)}
          />
        </Field>
      </div>
      <Alert message={envs.error ?? spaces.error} />
      <Alert message={error} />
      <div class="actions actions-start">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? "Creating…" : "Create token"}
        </button>
      </div>
    </form>
  );
}
