import { DomainError } from '../../src/core/errors.ts';

/** Runs `fn`, which must throw (or reject with) a DomainError, and returns it (anything else thrown is rethrown). */
export async function catchDomainError(fn: () => unknown): Promise<DomainError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}
