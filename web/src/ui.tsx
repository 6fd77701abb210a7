import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { useAction } from "./hooks.ts";

/** An API or validation error, announced to screen readers. */
export function Alert({ message }: { message?: string | undefined }) {
  if (!message) return null;
  return (
    <p class="alert alert-error" role="alert">
      {message}
    </p>
  );
}

/** A short confirmation of what just happened. */
export function Notice({ message }: { message?: string | undefined }) {
  return (
    <p class={message ? "alert alert-ok" : "visually-hidden"} role="status">
      {message ?? ""}
    </p>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children ? <p class="empty-text">{children}</p> : null}
    </div>
  );
}

export function Badge({
  tone,
  children,
}: {
  tone: "neutral" | "info" | "accent" | "warn";
  children: string;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

const minutes = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const seconds = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function Time({
  iso,
  empty = "—",
  precise = false,
}: {
  iso: string | null | undefined;
  empty?: string;
  precise?: boolean;
}) {
  if (!iso) return <span class="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={iso}>
      {(precise ? seconds : minutes).format(new Date(iso))}
    </time>
  );
}

export function Breadcrumbs({ items }: { items: [label: string, href?: string][] }) {
  return (
    <nav aria-label="Breadcrumb" class="breadcrumbs">
      <ol>
        {items.map(([label, link], i) => (
          <li key={`${i}-${label}`}>
            {link && i < items.length - 1 ? (
              <a href={link}>{label}</a>
            ) : (
              <span aria-current="page">{label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A label, the control, and an optional hint tied to it with aria-describedby (pass hintId to the control). */
export function Field({
  id,
  label,
  hint,
  children,
}: {
  id: string;
  label: string;
  hint?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A modal dialog (native <dialog>: focus stays inside, Escape closes). Unmount it to close it. */
export function Modal({
  title,
  onClose,
  children,
  wide = false,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** For tables (history). */
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // Focus goes back to whatever opened the dialog (usually its button) when it closes.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const onCancel = (e: Event) => {
      e.preventDefault();
      closeRef.current();
    };
    dialog.addEventListener("cancel", onCancel);
    if (!dialog.open) dialog.showModal();
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      dialog.close();
      // If the opener is gone (its row was deleted), focus the page's main region rather than nothing.
      if (opener?.isConnected) opener.focus();
      else document.getElementById("main")?.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class={wide ? "modal modal-wide" : "modal"} aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

/** Asks before a destructive action; shows the server's message if the action fails. */
export function ConfirmDialog({
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const { busy, error, run } = useAction();
  return (
    <Modal title={title} onClose={onClose}>
      <div class="modal-body">{children}</div>
      <Alert message={error} />
      <div class="actions">
        <button type="button" class="btn" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          class="btn btn-danger"
          disabled={busy}
          onClick={() =>
            run(async () => {
              await onConfirm();
              onClose();
            })
          }
        >
          {busy ? "Working…" : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
