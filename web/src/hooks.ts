import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { type Api, errorText, type Role } from "./api.ts";

/** What every page needs about the signed-in token. */
export interface SessionInfo {
  api: Api;
  role: Role;
  environmentId?: string | undefined;
  /** A token id as a readable name where the UI knows it (admins see every token's name). */
  actorName(tokenId: string): string;
  /** Call after creating or revoking tokens so names stay current. */
  refreshActors(): void;
  /** Goes to `to` and shows `message` there (e.g. after deleting the page's own environment). */
  leave(to: string, message: string): void;
}

export const Session = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const s = useContext(Session);
  if (!s) throw new Error("useSession outside <Session.Provider>");
  return s;
}

export interface Loaded<T> {
  data?: T | undefined;
  error?: string | undefined;
  loading: boolean;
  reload(): void;
}

/** Loads data for a view; re-runs when a key changes, ignores answers that arrive after it moved on. */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean; key?: string }>({
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const key = JSON.stringify(keys);
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: key === s.key ? s.data : undefined, loading: true, key }));
    loadRef.current().then(
      (data) => live && setState({ data, loading: false, key }),
      (e) => live && setState({ error: errorText(e), loading: false, key }),
    );
    return () => {
      live = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Sets the tab title for the page being shown. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · scoped-secrets`;
  }, [title]);
}

/** A form or button action: busy while it runs, the server's message when it fails. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clearError: () => setError(undefined) };
}
