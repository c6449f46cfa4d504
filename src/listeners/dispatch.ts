// Bolt runs the filter chain of every registered listener on every request it receives, each an async call
// (and, with the request context the logs use, tracked promises). With one listener per button and per modal
// that was about 0.1 ms per request, a fifth of what Foothold adds to a bare Bolt app (issue 6, B1). So each
// kind registers a single listener that looks the handler up by id.

type Handler<A> = (args: A) => Promise<void>;

/**
 * One listener for many ids: calls the handler registered for the request's id, if any. A request whose id
 * has no handler is left unacknowledged, as Bolt leaves a request no listener matches (the receiver guard
 * answers it).
 */
export function dispatchById<A>(
  idOf: (args: A) => unknown,
  handlers: ReadonlyArray<readonly [string, Handler<A>]>,
): Handler<A> {
  const table = new Map<string, Handler<A>>();
  for (const [id, handler] of handlers) {
    if (table.has(id)) throw new Error(`two handlers for ${id}`);
    table.set(id, handler);
  }
  return async (args) => {
    const id = idOf(args);
    const handler = typeof id === 'string' ? table.get(id) : undefined;
    if (handler) await handler(args);
  };
}
