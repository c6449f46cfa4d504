import { DomainError } from '../../src/core/errors.ts';

/** Runs `fn`, which must throw (or reject with) a `kind`, and returns it (anything else thrown is rethrown). */
export async function catchError<E extends Error>(
  fn: () => unknown,
  kind: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof kind) return err;
    throw err;
  }
  throw new Error(`expected a ${kind.name}`);
}

/** Runs `fn`, which must throw (or reject with) a DomainError, and returns it (anything else thrown is rethrown). */
export function catchDomainError(fn: () => unknown): Promise<DomainError> {
  return catchError(fn, DomainError);
}
