/**
 * An environment variable where there is an environment (Node), else undefined: the
 * isomorphic modules read their settings through this, so they run in a browser unchanged.
 */
export function envVar(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}
