import { useEffect, useId, useRef, useState } from "preact/hooks";
import { type AuditEvent, errorText } from "../api.ts";
import { useLoad, useSession, useTitle } from "../hooks.ts";
import { href, navigate } from "../router.ts";
import { Alert, Badge, Empty, Field, Loading, Time } from "../ui.tsx";

const OUTSIDE = "-";

/** The audit page: pick an environment (admins also see events outside any environment). */
export function AuditPage({ environmentId }: { environmentId?: string | undefined }) {
  const { api, role, environmentId: own } = useSession();
  const envs = useLoad(() => (role === "admin" ? api.listEnvironments() : Promise.resolve([])), [api, role]);
  const uid = useId();
  useTitle("Audit");
  const first = envs.data?.[0]?.id;
  const chosen = environmentId ?? (role === "admin" ? (first ?? (envs.loading ? undefined : OUTSIDE)) : own);

  return (
    <>
      <div class="page-head">
        <h1>Audit</h1>
        <p class="muted">Who changed or revealed what, and when. Values are never recorded.</p>
      </div>
      {role === "admin" ? (
        <div class="card filter">
          <Field id={`${uid}-env`} label="Environment">
            <select
              id={`${uid}-env`}
              value={chosen ?? ""}
              onChange={(e) =>
                navigate(`${href("audit")}?environmentId=${encodeURIComponent(e.currentTarget.value)}`)
              }
            >
              {(envs.data ?? []).map((env) => (
                <option key={env.id} value={env.id}>
                  {env.name} ({env.id})
                </option>
              ))}
              <option value={OUTSIDE}>Outside any environment (e.g. admin tokens)</option>
            </select>
          </Field>
        </div>
      ) : null}
      <Alert message={envs.error} />
      {chosen ? <AuditLog environmentId={chosen === OUTSIDE ? undefined : chosen} /> : <Loading />}
    </>
  );
}

/** Newest first, 50 at a time. */
export function AuditLog({ environmentId }: { environmentId: string | undefined }) {
  const { api, actorName } = useSession();
  const [events, setEvents] = useState<AuditEvent[]>();
  const [cursor, setCursor] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const latest = useRef(0);

  const load = async (from: string | undefined, replace: boolean) => {
    const request = ++latest.current; // an answer for a scope we already left is dropped
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.listAudit(environmentId, from);
      if (request !== latest.current) return;
      setEvents((old) => (replace ? page.data : [...(old ?? []), ...page.data]));
      setCursor(page.cursor);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    setEvents(undefined);
    load(undefined, true);
  }, [api, environmentId]);

  return (
    <section class="card" aria-labelledby="audit-title">
      <div class="card-head">
        <h2 class="card-title" id="audit-title">
          Recent activity
        </h2>
        <button type="button" class="btn btn-small" onClick={() => load(undefined, true)} disabled={loading}>
          Refresh
        </button>
      </div>
      <Alert message={error} />
      {loading && !events ? <Loading what="Loading audit events" /> : null}
      {events && events.length === 0 ? (
        <Empty title="No events yet">Changes and reveals show up here.</Empty>
      ) : null}
      {events && events.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {events.map((ev) => (
              <tr key={ev.id}>
                <td>
                  <Time iso={ev.at} precise />
                </td>
                <td>{ev.actor.name || actorName(ev.actor.tokenId)}</td>
                <td>
                  <code>{ev.action}</code>
                  {ev.detail ? <span class="sub">{ev.detail}</span> : null}
                </td>
                <td>
                  {ev.target.type} <strong>{ev.target.name ?? ev.target.id}</strong>
                  {ev.target.spaceId && ev.target.type !== "space" ? (
                    <span class="sub">in space {ev.target.spaceId}</span>
                  ) : null}
                </td>
                <td>
                  <Badge tone={ev.outcome === "success" ? "neutral" : "warn"}>{ev.outcome}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {cursor ? (
        <div class="actions actions-start">
          <button type="button" class="btn" disabled={loading} onClick={() => load(cursor, false)}>
            {loading ? "Loading…" : "Load older events"}
          </button>
        </div>
      ) : null}
    </section>
  );
}
