import { useId, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { useAction } from "../hooks.ts";
import { Alert, ConfirmDialog, Field, Modal } from "../ui.tsx";

type What = "environment" | "space";

/** Renames an environment or a space; its id (which agents and tokens use) never changes. */
export function RenameDialog({
  what,
  id,
  current,
  onRename,
  onClose,
}: {
  what: What;
  id: string;
  current: string;
  /** Renames it and resolves with the message to show. */
  onRename: (name: string) => Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState(current);
  const { busy, error, run } = useAction();
  const uid = useId();
  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await onRename(name.trim());
      onClose();
    });
  };
  return (
    <Modal title={`Rename ${what} ${current}`} onClose={onClose}>
      <form class="modal-form" onSubmit={submit}>
        <Field
          id={`${uid}-name`}
          label="New name"
          hint={`The id ${id} stays the same, so agents and tokens keep working.`}
        >
          <input
            id={`${uid}-name`}
            required
            maxLength={200}
            autocomplete="off"
            aria-describedby={`${uid}-name-hint`}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Alert message={error} />
        <div class="actions">
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? "Saving…" : "Rename"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

const WHY_NOT_EMPTY: Record<What, string> = {
  environment:
    "An environment is deleted only when it is empty, so no agent loses a secret by accident: delete its spaces (Spaces) and its secrets (Secrets) first, then try again.",
  space:
    "A space is deleted only when it has no secrets of its own: delete its overrides and space-only secrets on its Secrets page first (inherited ones do not count), then try again.",
};

/** Asks, then deletes; a 409 (something still inside) is explained, with the server's own reason. */
export function DeleteScopeDialog({
  what,
  id,
  name,
  onDelete,
  onClose,
}: {
  what: What;
  id: string;
  name: string;
  onDelete: () => Promise<void>;
  onClose: () => void;
}) {
  return (
    <ConfirmDialog
      title={`Delete ${what} ${name}?`}
      confirmLabel={`Delete ${what}`}
      onClose={onClose}
      onConfirm={async () => {
        try {
          await onDelete();
        } catch (e) {
          if (e instanceof ApiError && e.status === 409)
            throw new ApiError(409, [sentence(e.message), WHY_NOT_EMPTY[what]]);
          throw e;
        }
      }}
    >
      <p>
        Deletes {what} <strong>{name}</strong> (<code>{id}</code>). Tokens bound to it stop finding anything.
        Only an empty {what} can be deleted.
      </p>
    </ConfirmDialog>
  );
}

/** "environment x still has spaces" → "Environment x still has spaces." */
const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1).replace(/\.?$/, ".")}`;
