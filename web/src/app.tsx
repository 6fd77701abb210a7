import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { Api, ApiError } from "./api.ts";
import { Session, type SessionInfo } from "./hooks.ts";
import { AuditPage } from "./pages/audit.tsx";
import { EnvironmentPage } from "./pages/environment.tsx";
import { EnvironmentsPage } from "./pages/environments.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { SpacePage } from "./pages/space.tsx";
import { TokensPage } from "./pages/tokens.tsx";
import { href, navigate, type Route, useRoute } from "./router.ts";
import { forgetToken, savedToken, type Who, whoAmI } from "./session.ts";
import { Empty, Loading, Notice } from "./ui.tsx";

interface Signed extends Who {
  token: string;
}

export function App({ apiUrl }: { apiUrl: string }) {
  const [signed, setSigned] = useState<Signed | null>(null);
  const [booting, setBooting] = useState(() => savedToken() !== undefined);
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    const token = savedToken();
    if (!token) return;
    whoAmI(apiUrl, token)
      .then((who) => setSigned({ token, ...who }))
      .catch((e) => {
        forgetToken();
        setNotice(
          e instanceof ApiError && e.status === 401
            ? "Your token was not accepted; sign in again."
            : e.message,
        );
      })
      .finally(() => setBooting(false));
  }, [apiUrl]);

  const signOut = useCallback((message?: string) => {
    forgetToken();
    setSigned(null);
    setNotice(message);
  }, []);

  if (booting) return <Loading what="Checking your session" />;
  if (!signed)
    return (
      <SignIn
        apiUrl={apiUrl}
        notice={notice}
        onSignedIn={(token, who) => {
          setNotice(undefined);
          setSigned({ token, ...who });
          if (!location.hash || location.hash === "#/") location.hash = "#/environments";
        }}
      />
    );
  return <Shell apiUrl={apiUrl} signed={signed} signOut={signOut} />;
}

function Shell({
  apiUrl,
  signed,
  signOut,
}: {
  apiUrl: string;
  signed: Signed;
  signOut: (message?: string) => void;
}) {
  const route = useRoute();
  const api = useMemo(
    () =>
      new Api(apiUrl, signed.token, () =>
        signOut("The server no longer accepts your token (revoked or expired). Sign in again."),
      ),
    [apiUrl, signed.token, signOut],
  );
  const [actors, setActors] = useState<Map<string, string>>(new Map());
  const [actorsGen, setActorsGen] = useState(0);
  // A message for the page we are sending the user to; shown while they stay there.
  const [flash, setFlash] = useState<{ hash: string; message: string }>();
  useEffect(() => {
    if (signed.role !== "admin") return;
    api.listTokens().then(
      (tokens) => setActors(new Map(tokens.map((t) => [t.id, t.name]))),
      () => undefined, // names are a nicety; ids still show
    );
  }, [api, signed.role, actorsGen]);

  const session: SessionInfo = useMemo(
    () => ({
      api,
      role: signed.role,
      environmentId: signed.environmentId,
      actorName: (id) => actors.get(id) ?? id,
      refreshActors: () => setActorsGen((g) => g + 1),
      leave: (to, message) => {
        setFlash({ hash: to, message });
        navigate(to);
      },
    }),
    [api, signed, actors],
  );
  const section = route.parts[0] ?? "environments";
  const nav: [string, string, boolean][] = [
    ["Environments", "environments", true],
    ["Tokens", "tokens", signed.role === "admin"],
    ["Audit", "audit", signed.role !== "agent"],
  ];

  return (
    <Session.Provider value={session}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <a class="brand" href={href("environments")}>
            <span class="brand-mark" aria-hidden="true" />
            scoped-secrets
          </a>
          <nav aria-label="Main" class="mainnav">
            {nav
              .filter(([, , shown]) => shown)
              .map(([label, path]) => (
                <a key={path} href={href(path)} aria-current={section === path ? "page" : undefined}>
                  {label}
                </a>
              ))}
          </nav>
          <div class="whoami">
            {signed.name ? <span class="whoami-name">{signed.name}</span> : null}
            <span class={`role role-${signed.role}`}>{signed.role}</span>
            <button
              type="button"
              class="btn btn-ghost btn-small"
              onClick={() => signOut("You are signed out.")}
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" class="content" tabIndex={-1}>
        {signed.role === "agent" ? (
          <p class="alert alert-info">
            This is an agent token: it can read values through the API, but this UI never shows them to agents
            and cannot change anything with it.
          </p>
        ) : null}
        {flash && flash.hash === location.hash ? <Notice message={flash.message} /> : null}
        <Page route={route} role={signed.role} />
      </main>
    </Session.Provider>
  );
}

function Page({ route, role }: { route: Route; role: Who["role"] }) {
  const [section, id, sub, subId] = route.parts;
  if (!section || section === "environments") {
    if (!id) return <EnvironmentsPage />;
    if (sub === "spaces" && subId) return <SpacePage environmentId={id} spaceId={subId} />;
    if (sub === undefined || sub === "spaces") return <EnvironmentPage environmentId={id} tab="spaces" />;
    if (sub === "secrets") return <EnvironmentPage environmentId={id} tab="secrets" />;
    if (sub === "audit") return <EnvironmentPage environmentId={id} tab="audit" />;
  }
  if (section === "tokens" && !id && role === "admin") return <TokensPage />;
  if (section === "audit" && !id && role !== "agent")
    return <AuditPage environmentId={route.query.get("environmentId") ?? undefined} />;
  return (
    <Empty title="Nothing here">
      This page does not exist or your token cannot open it.{" "}
      <a href={href("environments")}>Go to environments</a>.
    </Empty>
  );
}
