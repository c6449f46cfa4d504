import type { CrmWriteResult } from './types.ts';

// What both providers share around a CRM call: a deadline (neither client lets a caller set one per call),
// a retry loop that honours Retry-After, and the error classes the sync and the write-back queue act on.

/** A call that may succeed if tried again later (429, 423, 5xx, timeouts, network errors). */
export class CrmRetryableError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null) {
    super(message);
    this.name = 'CrmRetryableError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** A call that will fail the same way until someone changes the CRM or the config; `fix` says what to change. */
export class CrmPermanentError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.name = 'CrmPermanentError';
    this.fix = fix;
  }
}

export class CrmTimeoutError extends CrmRetryableError {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`, null);
    this.name = 'CrmTimeoutError';
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with CrmTimeoutError when `promise` takes longer than `ms` (the request itself is abandoned). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CrmTimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `Retry-After` in seconds (or an HTTP date) → ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export interface RetryPolicy {
  /** Attempts in total (1 = no retry). */
  attempts: number;
  /** Backoff when the error names no wait: base × 2^(attempt-1). */
  baseDelayMs: number;
  /** Never wait longer than this for one retry (a longer Retry-After fails the call as retryable). */
  maxDelayMs: number;
  /** Called before each wait, for logs. */
  onRetry?: (info: { what: string; attempt: number; waitMs: number; error: Error }) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 60_000 };

/** Runs `call`, retrying CrmRetryableError after its Retry-After (or a backoff); other errors pass through. */
export async function retrying<T>(what: string, policy: RetryPolicy, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof CrmRetryableError) || attempt >= policy.attempts) throw err;
      const wait = err.retryAfterMs ?? policy.baseDelayMs * 2 ** (attempt - 1);
      if (wait > policy.maxDelayMs) throw err;
      policy.onRetry?.({ what, attempt, waitMs: wait, error: err });
      await sleep(wait);
    }
  }
}

/** Errors from Node's networking that mean "try again". */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const errno = (err as { errno?: unknown }).errno;
  if (typeof errno === 'string' && NETWORK_CODES.has(errno)) return true;
  return err.name === 'FetchError' || /socket hang up|network/i.test(err.message);
}

/** A classified error as the write-back queue sees it. */
export function toWriteResult(err: Error): CrmWriteResult {
  if (err instanceof CrmRetryableError) {
    return { status: 'retryable', error: err.message, retryAfterMs: err.retryAfterMs };
  }
  if (err instanceof CrmPermanentError) return { status: 'permanent', error: err.message, fix: err.fix };
  return { status: 'permanent', error: err.message, fix: 'See the error; retrying will not change it.' };
}
