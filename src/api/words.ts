/** Words for lists of names, said the same by every front-end (kept free of imports: the CLI loads it at start). */

/** Labels as words: `a`, `a and b`, `a, b and c`. */
export const labelList = (labels: readonly string[]): string => labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1) as string}`
