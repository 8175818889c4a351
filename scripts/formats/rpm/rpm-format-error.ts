/** Why a file could not be read as an RPM package. */
export type RpmFormatReason = 'empty' | 'truncated' | 'bad-magic' | 'bad-header';

/** Thrown by the RPM reader when a file is not a well-formed RPM package. */
export class RpmFormatError extends Error {
  readonly reason: RpmFormatReason;
  constructor(reason: RpmFormatReason, message: string) {
    super(message);
    this.name = 'RpmFormatError';
    this.reason = reason;
  }
}
