import { useId, useState } from "preact/hooks";
import { ApiError, type SecretRow } from "../api.ts";
import { useAction, useSession } from "../hooks.ts";
import { Alert, Field, Modal } from "../ui.tsx";

export type SecretDialogMode = "add" | "edit" | "override";

/**
 * Add, edit or override a secret. The value field is write-only: it starts empty and replaces the
 * value; the current value is never loaded into it.
 */
export function SecretDialog({
  mode,
  row,
  environmentId,
  spaceId,
  onClose,
  onSaved,
}: {
  mode: SecretDialogMode;
  row?: SecretRow | undefined;
  environmentId: string;
  spaceId?: string | undefined;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  const { api } = useSession();
  const [name, setName] = useState(row?.name ?? "");
  const [value, setValue] = useState("");
  const { busy, error, run } = useAction();
  const uid = useId();
  const title =
    mode === "add"
      ? spaceId
        ? "Add space secret"
        : "Add secret"
      : mode === "edit"
        ? `Edit ${row?.name}`
        : `Override ${row?.name} in this space`;

  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      // Add and override only create (version 0); edit replaces exactly the version shown.
      const expectedVersion = mode === "edit" ? (row?.version ?? 0) : 0;
      try {
        const saved = await api.setSecret({
          name: name.trim(),
          value,
          environmentId,
          ...(spaceId ? { spaceId } : {}),
          expectedVersion,
        });
        setValue("");
        onSaved(
          mode === "override"
            ? `Overrode ${saved.name} in this space (version ${saved.version}).`
            : `Saved ${saved.name} (version ${saved.version}).`,
        );
      } catch (err) {
        if (err instanceof ApiError && err.status === 412 && mode !== "edit")
          throw new ApiError(412, [`${name.trim()} already exists here; use Edit to replace its value.`]);
        if (err instanceof ApiError && err.status === 412)
          throw new ApiError(412, [
            "Someone changed this secret meanwhile; close this dialog and try again.",
          ]);
        throw err;
      }
    });
  };

  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit} class="modal-form">
        <Field
          id={`${uid}-name`}
          label="Name"
          hint={
            mode === "add" ? "Letters, digits and underscores, e.g. SLACK_TOKEN. Case-sensitive." : undefined
          }
        >
          <input
            id={`${uid}-name`}
            class="mono"
            required
            readOnly={mode !== "add"}
            autocomplete="off"
            spellcheck={false}
            aria-describedby={mode === "add" ? `${uid}-name-hint` : undefined}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Field
          id={`${uid}-value`}
          label={mode === "add" ? "Value" : "New value"}
          hint={
            mode === "edit"
              ? "Write-only: the current value is not shown here. Saving replaces it with a new version."
              : mode === "override"
                ? "This space will use this value instead of the environment’s."
                : "Stored encrypted. It is not shown again unless an admin reveals it."
          }
        >
          <textarea
            id={`${uid}-value`}
            class="mono"
            rows={3}
            required
            autocomplete="off"
            spellcheck={false}
            aria-describedby={`${uid}-value-hint`}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </Field>
        <Alert message={error} />
        <div class="actions">
          <button type="button" class="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? "Saving…" : mode === "override" ? "Override" : "Save"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
