import { useState } from "preact/hooks";
import type { CreatedToken, Token } from "../api.ts";
import { useLoad, useSession, useTitle } from "../hooks.ts";
import { Alert, Badge, ConfirmDialog, Empty, Loading, Notice, Time } from "../ui.tsx";
import { TokenForm } from "./token-form.tsx";

/** Tokens (admin): create one (shown once), list with last use, revoke. */
export function TokensPage() {
  const { api, refreshActors } = useSession();
  const tokens = useLoad(() => api.listTokens(), [api]);
  const [created, setCreated] = useState<CreatedToken>();
  const [revoking, setRevoking] = useState<Token>();
  const [notice, setNotice] = useState<string>();
  useTitle("Tokens");

  return (
    <>
      <div class="page-head">
        <h1>Tokens</h1>
        <p class="muted">
          Agents read values with <strong>agent</strong> tokens; <strong>operators</strong> set values but
          never see them; <strong>admins</strong> can do everything.
        </p>
      </div>
      {created ? (
        <NewToken
          created={created}
          onDone={() => {
            setCreated(undefined);
          }}
        />
      ) : (
        <TokenForm
          onCreated={(t) => {
            setNotice(undefined);
            setCreated(t);
            tokens.reload();
            refreshActors();
          }}
        />
      )}
      <Notice message={notice} />
      <section class="card" aria-labelledby="tokens-title">
        <h2 class="card-title" id="tokens-title">
          All tokens
        </h2>
        {tokens.loading && !tokens.data ? <Loading what="Loading tokens" /> : null}
        <Alert message={tokens.error} />
        {tokens.data && tokens.data.length === 0 ? <Empty title="No tokens" /> : null}
        {tokens.data && tokens.data.length > 0 ? (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Scope</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col" class="actions-col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.id} class={t.revokedAt ? "revoked" : undefined} data-token={t.id}>
                  <th scope="row">
                    {t.name}
                    <code class="sub">{t.id}</code>
                  </th>
                  <td>
                    <span class={`role role-${t.role}`}>{t.role}</span>
                  </td>
                  <td>
                    {t.environmentId ? (
                      <code>
                        {t.environmentId}
                        {t.spaceId ? ` / ${t.spaceId}` : ""}
                      </code>
                    ) : (
                      <span class="muted">all</span>
                    )}
                  </td>
                  <td>
                    <Time iso={t.createdAt} />
                  </td>
                  <td>
                    <Time iso={t.lastUsedAt} empty="never" />
                  </td>
                  <td>
                    <Time iso={t.expiresAt} empty="never" />
                  </td>
                  <td class="row-actions">
                    {t.revokedAt ? (
                      <Badge tone="warn">revoked</Badge>
                    ) : (
                      <button
                        type="button"
                        class="btn btn-small btn-danger-quiet"
                        aria-label={`Revoke ${t.name}`}
                        onClick={() => setRevoking(t)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      {revoking ? (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke token"
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await api.revokeToken(revoking.id);
            setNotice(`Revoked ${revoking.name}. Requests with it now fail.`);
            tokens.reload();
          }}
        >
          <p>
            Anything using this token (agents, scripts, people) is refused from now on. This cannot be undone;
            create a new token if it is needed again.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/** The one time a token string is on screen. Dismissing it drops it from memory. */
function NewToken({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const [copied, setCopied] = useState<string>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied("Copied to the clipboard.");
    } catch {
      const input = document.getElementById("new-token") as HTMLInputElement | null;
      input?.select();
      setCopied("Copying is blocked here: the token is selected, press Ctrl+C (⌘C).");
    }
  };
  return (
    <section class="card card-highlight" aria-labelledby="new-token-title">
      <h2 class="card-title" id="new-token-title">
        Token “{created.name}” created
      </h2>
      <p>
        Copy it now: <strong>it is shown only once</strong>. Only its hash is stored, so it cannot be shown
        again.
      </p>
      <div class="copy-row">
        <label class="visually-hidden" for="new-token">
          New token
        </label>
        <input
          id="new-token"
          class="mono"
          readOnly
          value={created.token}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" class="btn btn-primary" onClick={copy}>
          Copy
        </button>
        <button type="button" class="btn" onClick={onDone}>
          Done
        </button>
      </div>
      <Notice message={copied} />
    </section>
  );
}
