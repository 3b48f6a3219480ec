// Classes by name or id: the one lookup the CLI, the API and the jobs use (no imports: the server's validation
// process and the page may take it without the engine).

/** A class given by name (case-insensitive) or id, as its id; unknown ones name the choices. */
export function classIdOf(spec: string, classNames: readonly string[]): number {
  if (classNames.length === 0) throw new Error(`class '${spec}': the model is unconditional`);
  const byName = classNames.findIndex((n) => n.toLowerCase() === spec.trim().toLowerCase());
  if (byName >= 0) return byName;
  const id = Number(spec);
  if (spec.trim() !== '' && Number.isInteger(id) && id >= 0 && id < classNames.length) return id;
  throw new Error(`unknown class '${spec}' (classes: ${classNames.map((n, i) => `${i}=${n}`).join(', ')})`);
}
