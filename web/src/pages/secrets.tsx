import { useState } from "preact/hooks";
import { ApiError, errorText, type SecretRow } from "../api.ts";
import { useLoad, useSession } from "../hooks.ts";
import { Alert, Badge, ConfirmDialog, Empty, Loading, Notice, Time } from "../ui.tsx";
import { HistoryDialog } from "./history-dialog.tsx";
import { SecretDialog, type SecretDialogMode } from "./secret-dialog.tsx";

type Pending = { kind: "delete" | "remove-override"; row: SecretRow };

/**
 * The secrets of an environment, or the effective secrets of a space. Values are never loaded for
 * the list; an admin reveals one at a time (audited by the server), and it stays only until hidden.
 */
export function SecretsPanel({
  environmentId,
  spaceId,
  environmentName,
}: {
  environmentId: string;
  spaceId?: string;
  environmentName: string;
}) {
  const { api, role, actorName } = useSession();
  const rows = useLoad(() => api.listSecrets(environmentId, spaceId), [api, environmentId, spaceId]);
  const [revealed, setRevealed] = useState<ReadonlyMap<string, string>>(new Map());
  const [revealing, setRevealing] = useState<string>();
  const [dialog, setDialog] = useState<{ mode: SecretDialogMode; row?: SecretRow }>();
  const [pending, setPending] = useState<Pending>();
  const [history, setHistory] = useState<SecretRow>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const canWrite = role === "admin" || role === "operator";
  const canReveal = role === "admin";
  const inSpace = spaceId !== undefined;

  const changed = (message: string) => {
    setRevealed(new Map()); // a changed list must not keep showing an old value
    setNotice(message);
    setError(undefined);
    rows.reload();
  };
  const reveal = async (row: SecretRow) => {
    setRevealing(row.id);
    setError(undefined);
    setNotice(undefined);
    try {
      const value = await api.revealSecret(row.id);
      setRevealed((m) => new Map(m).set(row.id, value));
    } catch (e) {
      setError(`Could not reveal ${row.name}: ${errorText(e)}`);
    } finally {
      setRevealing(undefined);
    }
  };
  const hide = (row: SecretRow) =>
    setRevealed((m) => {
      const next = new Map(m);
      next.delete(row.id);
      return next;
    });

  return (
    <section class="card" aria-labelledby="secrets-title">
      <div class="card-head">
        <div>
          <h2 class="card-title" id="secrets-title">
            Secrets
          </h2>
          <p class="muted card-intro">
            {inSpace
              ? `Effective secrets of this space: ${environmentName}’s secrets, with this space’s overrides applied.`
              : "Every space of this environment inherits these secrets unless it overrides them."}{" "}
            {role === "operator" ? "Operators set values but never see them." : null}
          </p>
        </div>
        {canWrite ? (
          <button type="button" class="btn btn-primary" onClick={() => setDialog({ mode: "add" })}>
            {inSpace ? "Add space secret" : "Add secret"}
          </button>
        ) : null}
      </div>
      <Notice message={notice} />
      <Alert message={error} />
      {rows.loading && !rows.data ? <Loading what="Loading secrets" /> : null}
      <Alert message={rows.error} />
      {rows.data && rows.data.length === 0 ? (
        <Empty title="No secrets yet">
          {canWrite
            ? inSpace
              ? "This space sees no environment secrets. Add one here, or on the environment so every space gets it."
              : "Add a secret, e.g. SLACK_TOKEN; agents read it by name."
            : "Nothing is set in this scope."}
        </Empty>
      ) : null}
      {rows.data && rows.data.length > 0 ? (
        <table class="table secrets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              {inSpace ? <th scope="col">Source</th> : null}
              <th scope="col" class="num">
                Version
              </th>
              <th scope="col">Updated</th>
              <th scope="col" class="actions-col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map((row) => {
              const value = revealed.get(row.id);
              return (
                <tr key={row.id} data-secret={row.name}>
                  <th scope="row" class="mono name">
                    {row.name}
                  </th>
                  <td>
                    {value === undefined ? (
                      <span class="masked" title="Hidden value">
                        <span aria-hidden="true">••••••••</span>
                        <span class="visually-hidden">hidden</span>
                      </span>
                    ) : (
                      <>
                        <span class="visually-hidden">Value: </span>
                        <code class="revealed">{value}</code>
                      </>
                    )}
                    {row.error ? <Badge tone="warn">integrity check failed</Badge> : null}
                  </td>
                  {inSpace ? (
                    <td>
                      {row.inherited ? (
                        <Badge tone="neutral">inherited from environment</Badge>
                      ) : row.overridden ? (
                        <Badge tone="accent">overridden in this space</Badge>
                      ) : (
                        <Badge tone="info">only in this space</Badge>
                      )}
                    </td>
                  ) : null}
                  <td class="num">v{row.version}</td>
                  <td class="updated">
                    <Time iso={row.updatedAt} />
                    <span class="by">by {row.updatedByName ?? actorName(row.updatedBy)}</span>
                  </td>
                  <td class="row-actions">
                    {canReveal ? (
                      value === undefined ? (
                        <button
                          type="button"
                          class="btn btn-small"
                          aria-label={`Reveal ${row.name}`}
                          disabled={revealing === row.id}
                          onClick={() => reveal(row)}
                        >
                          {revealing === row.id ? "Revealing…" : "Reveal"}
                        </button>
                      ) : (
                        <button
                          type="button"
                          class="btn btn-small"
                          aria-label={`Hide ${row.name}`}
                          onClick={() => hide(row)}
                        >
                          Hide
                        </button>
                      )
                    ) : null}
                    {canWrite ? (
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`History of ${row.name}`}
                        onClick={() => setHistory(row)}
                      >
                        History
                      </button>
                    ) : null}
                    {canWrite && inSpace && row.inherited ? (
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Override ${row.name}`}
                        onClick={() => setDialog({ mode: "override", row })}
                      >
                        Override
                      </button>
                    ) : null}
                    {canWrite && !row.inherited ? (
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Edit ${row.name}`}
                        onClick={() => setDialog({ mode: "edit", row })}
                      >
                        Edit
                      </button>
                    ) : null}
                    {canWrite && !row.inherited ? (
                      <button
                        type="button"
                        class="btn btn-small btn-danger-quiet"
                        aria-label={`${row.overridden ? "Remove override of" : "Delete"} ${row.name}`}
                        onClick={() =>
                          setPending({ kind: row.overridden ? "remove-override" : "delete", row })
                        }
                      >
                        {row.overridden ? "Remove override" : "Delete"}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {canReveal && rows.data?.length ? (
        <p class="hint">Each reveal is recorded in the audit log with your token’s name.</p>
      ) : null}

      {dialog ? (
        <SecretDialog
          mode={dialog.mode}
          row={dialog.row}
          environmentId={environmentId}
          spaceId={spaceId}
          onClose={() => setDialog(undefined)}
          onSaved={(message) => {
            setDialog(undefined);
            changed(message);
          }}
        />
      ) : null}
      {history ? (
        <HistoryDialog
          row={history}
          canRollBack={!history.inherited}
          onClose={() => setHistory(undefined)}
          onRolledBack={(message) => changed(message)}
        />
      ) : null}
      {pending ? (
        <ConfirmDialog
          title={
            pending.kind === "delete"
              ? `Delete ${pending.row.name}?`
              : `Remove the override of ${pending.row.name}?`
          }
          confirmLabel={pending.kind === "delete" ? "Delete secret" : "Remove override"}
          onClose={() => setPending(undefined)}
          onConfirm={async () => {
            const { row, kind } = pending;
            try {
              await api.deleteSecret(row.id);
            } catch (e) {
              if (e instanceof ApiError && e.status === 404) {
                changed(`${row.name} was already gone.`);
                return;
              }
              throw e;
            }
            changed(
              kind === "delete"
                ? `Deleted ${row.name}.`
                : `Removed the override of ${row.name}: this space sees the environment value again.`,
            );
          }}
        >
          {pending.kind === "remove-override" ? (
            <p>
              This space will see {environmentName}’s value again. The space’s value stays in the history.
            </p>
          ) : inSpace ? (
            <p>Removes this space’s secret. Its history is kept.</p>
          ) : (
            <p>
              Removes the secret from {environmentName}: spaces that inherit it stop seeing it; spaces that
              override it keep their own value. Its history is kept.
            </p>
          )}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
