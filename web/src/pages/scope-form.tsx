import { useId, useState } from "preact/hooks";
import { useAction } from "../hooks.ts";
import { Alert, Field, Notice } from "../ui.tsx";

/** Name + optional id: the create form of environments and spaces (ids may mirror another system's). */
export function ScopeForm({
  what,
  idExample,
  onCreate,
}: {
  what: "environment" | "space";
  idExample: string;
  /** Creates it and returns the message to show. */
  onCreate: (input: { name: string; id?: string }) => Promise<string>;
}) {
  const [done, setDone] = useState<string>();
  const [name, setName] = useState("");
  const [id, setId] = useState("");
  const { busy, error, run } = useAction();
  const uid = useId();

  const submit = (e: Event) => {
    e.preventDefault();
    setDone(undefined);
    run(async () => {
      setDone(await onCreate({ name: name.trim(), ...(id.trim() ? { id: id.trim() } : {}) }));
      setName("");
      setId("");
    });
  };

  return (
    <form class="card form-inline" onSubmit={submit} aria-label={`Create ${what}`}>
      <h2 class="card-title">New {what}</h2>
      <div class="form-row">
        <Field id={`${uid}-name`} label="Name">
          <input
            id={`${uid}-name`}
            required
            maxLength={200}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Field
          id={`${uid}-id`}
          label="ID (optional)"
          hint={`Leave empty to generate one, or mirror yours: ${idExample}`}
        >
          <input
            id={`${uid}-id`}
            class="mono"
            maxLength={64}
            spellcheck={false}
            autocomplete="off"
            aria-describedby={`${uid}-id-hint`}
            value={id}
            onInput={(e) => setId(e.currentTarget.value)}
          />
        </Field>
        <div class="field field-submit">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? "Creating…" : `Create ${what}`}
          </button>
        </div>
      </div>
      <Alert message={error} />
      <Notice message={done} />
    </form>
  );
}
