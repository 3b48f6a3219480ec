// "Did you mean ...?" for a mistyped command or option: the closest known name by edit distance, when close enough.

/** Levenshtein distance between two short strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known name closest to `typed`: within 1 edit for names up to 3 letters, else 2 (3 from 9 letters); else null. */
export function closest(typed: string, known: readonly string[]): string | null {
  let best: string | null = null,
    bestD = typed.length <= 3 ? 1 : Math.min(3, Math.max(2, Math.floor(typed.length / 3)));
  for (const k of known) {
    const d = distance(typed.toLowerCase(), k.toLowerCase());
    if (d <= bestD && (best === null || d < bestD)) [best, bestD] = [k, d];
  }
  return best;
}

/** " (did you mean X?)" or "". */
export function didYouMean(typed: string, known: readonly string[], prefix = ''): string {
  const c = closest(typed, known);
  return c === null ? '' : ` (did you mean ${prefix}${c}?)`;
}

/** "1 image", "2 images": a count with its noun in the right number (nouns that take an s). */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
