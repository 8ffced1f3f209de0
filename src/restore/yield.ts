/**
 * The one place that decides how a long computation hands the event loop back between two
 * network calls, chosen once at runtime:
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
export const yieldToEventLoop: () => Promise<void> = pickYield();

function pickYield(): () => Promise<void> {
  const g = globalThis as { process?: { versions?: { node?: string } }; MessageChannel?: typeof MessageChannel };
  const isNode = typeof g.process?.versions?.node === 'string';
  if (!isNode && typeof g.MessageChannel === 'function') {
    const channel = new g.MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}
