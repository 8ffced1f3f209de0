/**
 * The one place that decides how a long computation hands the event loop back between two
 * network calls, chosen once at runtime (yieldKind):
 *
 * - Node: `setTimeout(0)`. Not `setImmediate`: resumed from the poll phase, an immediate runs
 *   before the timers phase comes round again, so a due timer can miss a whole turn; a timeout
 *   always passes through every phase (timers, I/O, immediates) before the work resumes.
 * - Browsers and workers: a MessageChannel message, which is not clamped to 4 ms like nested
 *   timeouts (rendering and input get their turn between tasks either way).
 * - Anything else: `setTimeout(0)`.
 *
 * Nothing is left scheduled afterwards, so it never keeps a Node process alive.
 */
export type YieldKind = 'timeout' | 'message-channel';

/** The kind this runtime gets: 'timeout' under Node or without MessageChannel, else 'message-channel'. */
export function yieldKind(): YieldKind {
  const g = globalThis as { process?: { versions?: { node?: string } }; MessageChannel?: unknown };
  const isNode = typeof g.process?.versions?.node === 'string';
  return !isNode && typeof g.MessageChannel === 'function' ? 'message-channel' : 'timeout';
}

/** A yield of the given kind (exported so tests can exercise both under Node). */
export function createYield(kind: YieldKind): () => Promise<void> {
  if (kind === 'message-channel') {
    const channel = new MessageChannel();
    // Node's ports keep the process alive while referenced: hold it only while a yield waits
    // (browsers have neither ref nor unref)
    const port = channel.port1 as MessagePort & { ref?: () => void; unref?: () => void };
    const waiting: (() => void)[] = [];
    port.onmessage = () => {
      waiting.shift()?.();
      if (waiting.length === 0) port.unref?.();
    };
    port.unref?.();
    return () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        port.ref?.();
        channel.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** Resolves on a later turn of the event loop, after pending timers, I/O and rendering had theirs. */
export const yieldToEventLoop: () => Promise<void> = createYield(yieldKind());
