import { useEffect, useState } from "preact/hooks";

/** A hash route: works from any static host (S3, CloudFront, the local server) without rewrites. */
export interface Route {
  parts: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [path = "", search = ""] = raw.split("?", 2);
  return {
    parts: path.split("/").filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(search),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** `href("environments", id, "secrets")` → `#/environments/<id>/secrets`, each part encoded. */
export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join("/")}`;

export const navigate = (to: string) => {
  location.hash = to.replace(/^#/, "");
};
