/** Process exit codes of airgap-mirror commands (the one module that owns them). */
export const ExitCode = {
  /** Everything in the input was used. */
  OK: 0,
  /** Nothing usable was produced (bad arguments, unreadable mirror, no output). */
  FAILED: 1,
  /** The output was produced but some inputs were skipped (see the error lines). */
  PARTIAL: 2,
} as const;

/** Thrown for problems that stop a command before it produces anything (bad arguments, unsafe paths). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
