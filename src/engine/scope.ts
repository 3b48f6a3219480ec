// Deterministic release of tensor memory. libtorch memory is invisible to the JS garbage collector, so every
// tensor made inside `tidy(fn)` is released when fn returns, except the tensors fn returns (which move to the
// enclosing scope) and tensors passed to `keep`. Tensors made outside any scope live until `dispose()` or GC.

/** What a scope can release: a Tensor, seen without importing it (tensor.ts imports this file). */
export interface Releasable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Releasable>[] = [];

/** Called by the Tensor constructor: the new tensor belongs to the innermost open scope. */
export function track(t: Releasable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Removes a tensor from every open scope: it lives until its own `dispose()` (or garbage collection). */
export function keep<T extends Releasable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Releasable>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('dispose' in value && 'isDisposed' in value) {
    out.add(value as Releasable);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, seen);
}

/**
 * Runs fn and releases every tensor it made that is not part of its result (tensors found in the returned
 * value, arrays, Maps or plain objects survive and join the enclosing scope). fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Releasable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (wrap each step instead)');
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const survivors = new Set<Releasable>();
  collect(result, survivors, new Set());
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  const parent = scopes[scopes.length - 1];
  if (parent) for (const t of survivors) if (scope.has(t)) parent.add(t);
  return result;
}

/** Releases every tensor found in a value (a tensor, array, Map or plain object). */
export function dispose(value: unknown): void {
  const found = new Set<Releasable>();
  collect(value, found, new Set());
  for (const t of found) t.dispose();
}
