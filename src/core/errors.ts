// Coded domain errors. Services throw them; the Slack edge maps `field` errors onto modal inputs and the
// rest onto an ephemeral reply; the CLI prints `message`. `message` is always fit to show the user.

export type DomainErrorCode =
  | 'invalid_input'
  | 'invalid_domain'
  | 'not_found'
  | 'forbidden'
  | 'unregistered_org'
  | 'illegal_transition'
  | 'already_claimed'
  | 'stale'
  | 'duplicate'
  | 'conflict';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** Per-field messages, keyed by the input's name (the modal maps them to its block ids). */
  readonly fields: Readonly<Record<string, string>>;
  /** Structured facts for the caller (e.g. who owns an already-claimed lead). */
  readonly data: Readonly<Record<string, unknown>>;

  constructor(
    code: DomainErrorCode,
    message: string,
    options: { fields?: Record<string, string>; data?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.fields = options.fields ?? {};
    this.data = options.data ?? {};
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
