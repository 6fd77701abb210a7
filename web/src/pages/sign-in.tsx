import { useState } from "preact/hooks";
import { useAction } from "../hooks.ts";
import { saveToken, type Who, whoAmI } from "../session.ts";
import { Alert, Field } from "../ui.tsx";

/** The token form. The token goes to sessionStorage only, never into the URL or localStorage. */
export function SignIn({
  apiUrl,
  notice,
  onSignedIn,
}: {
  apiUrl: string;
  notice?: string | undefined;
  onSignedIn: (token: string, who: Who) => void;
}) {
  const [token, setToken] = useState("");
  const { busy, error, run } = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    const value = token.trim();
    run(async () => {
      const who = await whoAmI(apiUrl, value);
      saveToken(value);
      setToken("");
      onSignedIn(value, who);
    });
  };

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div class="brand brand-large" aria-hidden="true">
          <span class="brand-mark" />
          scoped-secrets
        </div>
        <h1 id="signin-title">Sign in</h1>
        <p class="muted">
          Use an admin or operator token. On a local server, the first admin token is in{" "}
          <code>.data/admin-token</code>.
        </p>
        {notice ? <p class="alert alert-info">{notice}</p> : null}
        <Field
          id="token"
          label="Access token"
          hint="Kept in this browser tab only; closing the tab signs you out."
        >
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            aria-describedby="token-hint"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </Field>
        <Alert message={error} />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
