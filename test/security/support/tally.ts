/** Counts one security suite reports on its last line: requests tried, 5xx seen, leaks found. */
export class Tally {
  requests = 0;
  serverErrors = 0;
  leaks = 0;

  constructor(private readonly suite: string) {}

  /** Counts one answered request by its status. */
  saw(status: number): void {
    this.requests++;
    if (status >= 500) this.serverErrors++;
  }

  /** Adds findings of a leak search; returns them for the test's own assertion. */
  found<T>(findings: T[]): T[] {
    this.leaks += findings.length;
    return findings;
  }

  /** The one-line summary, e.g. `security/isolation: 812 requests tried, 0 5xx seen, 0 leaks found`. */
  line(): string {
    return `security/${this.suite}: ${this.requests} requests tried, ${this.serverErrors} 5xx seen, ${this.leaks} leaks found`;
  }

  print(): void {
    console.log(this.line());
  }
}
