import { useState } from "preact/hooks";
import type { SecretRow, SecretVersion } from "../api.ts";
import { useLoad, useSession } from "../hooks.ts";
import { Alert, Badge, ConfirmDialog, Empty, Loading, Modal, Notice, Time } from "../ui.tsx";

/**
 * A secret's versions, newest first: number, kind, when and by whom. The API sends no values in
 * history, and a rollback answers without one, so no value ever reaches this dialog.
 */
export function HistoryDialog({
  row,
  canRollBack,
  onClose,
  onRolledBack,
}: {
  row: SecretRow;
  /** False for a space row that inherits the environment's value: that history belongs to the environment. */
  canRollBack: boolean;
  onClose: () => void;
  /** Called after a rollback wrote a new version; the dialog stays open and shows it. */
  onRolledBack: (message: string) => void;
}) {
  const { api, actorName } = useSession();
  const [generation, setGeneration] = useState(0);
  const versions = useLoad(() => api.listVersions(row.id), [api, row.id, generation]);
  const [confirming, setConfirming] = useState<SecretVersion>();
  const [notice, setNotice] = useState<string>();
  const current = versions.data?.[0];
  const live = current?.kind === "value" ? current.version : undefined;

  return (
    <Modal title={`History of ${row.name}`} onClose={onClose} wide>
      <p class="muted">
        Every change is a new version; nothing is overwritten. Values are never shown here.
        {canRollBack
          ? " Roll back writes a new version holding an older version’s value."
          : " This space inherits the environment’s value: roll it back from the environment’s secrets."}
      </p>
      <Notice message={notice} />
      {versions.loading && !versions.data ? <Loading what="Loading history" /> : null}
      <Alert message={versions.error} />
      {versions.data && versions.data.length === 0 ? (
        <Empty title="No versions recorded">This secret has no history yet.</Empty>
      ) : null}
      {versions.data && versions.data.length > 0 ? (
        <div class="modal-scroll">
          <table class="table" aria-label={`Versions of ${row.name}, newest first`}>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Version
                </th>
                <th scope="col">Kind</th>
                <th scope="col">When</th>
                <th scope="col">By</th>
                <th scope="col" class="actions-col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map((v) => (
                <tr
                  key={v.version}
                  data-version={v.version}
                  class={v.version === live ? "history-current" : undefined}
                >
                  <th scope="row" class="num">
                    v{v.version}
                  </th>
                  <td>
                    <KindBadge version={v} />
                    {v.version === live ? <span class="sub">current</span> : null}
                  </td>
                  <td>
                    <Time iso={v.createdAt} precise />
                  </td>
                  <td>{v.createdByName ?? actorName(v.createdBy)}</td>
                  <td class="row-actions">
                    {canRollBack && v.kind === "value" && v.version !== live ? (
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Roll back to version ${v.version}`}
                        onClick={() => setConfirming(v)}
                      >
                        Roll back
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div class="actions">
        <button type="button" class="btn" onClick={onClose}>
          Close
        </button>
      </div>
      {confirming ? (
        <ConfirmDialog
          title={`Roll ${row.name} back to version ${confirming.version}?`}
          confirmLabel="Roll back"
          onClose={() => setConfirming(undefined)}
          onConfirm={async () => {
            // Compare-and-set is the server's: it writes on top of the version it finds current.
            const saved = await api.rollback(row.id, confirming.version);
            const message = `Rolled ${row.name} back to version ${confirming.version}’s value, as version ${saved.version}.`;
            setNotice(message);
            setGeneration((g) => g + 1);
            onRolledBack(message);
          }}
        >
          <p>
            This writes version {(current?.version ?? 0) + 1} holding the value of version{" "}
            {confirming.version}. Agents read it from their next request. Nothing is deleted: you can roll
            forward again from this history.
          </p>
        </ConfirmDialog>
      ) : null}
    </Modal>
  );
}

function KindBadge({ version: v }: { version: SecretVersion }) {
  if (v.kind === "tombstone") return <Badge tone="warn">deletion</Badge>;
  if (v.rollbackOf !== null && v.rollbackOf !== undefined)
    return (
      <>
        <Badge tone="accent">rollback</Badge>
        <span class="sub">to v{v.rollbackOf}’s value</span>
      </>
    );
  return <Badge tone="neutral">value</Badge>;
}
