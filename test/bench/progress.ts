import { performance } from "node:perf_hooks";

/** Progress lines on stderr, so stdout carries only the table. */
export interface Progress {
  section(name: string): void;
  step(message: string): void;
}

export function createProgress(
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Progress {
  const started = performance.now();
  const at = () => `[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s]`;
  return {
    section: (name) => write(`${at()} == ${name}`),
    step: (message) => write(`${at()}    ${message}`),
  };
}
