import { DomainError } from '../../src/core/errors.ts';

/** Runs `fn`, which must throw a DomainError, and returns it (anything else thrown is rethrown). */
export function catchDomainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}
