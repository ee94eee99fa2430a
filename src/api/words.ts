/** Words for lists of names, said the same by every front-end (kept free of imports: the CLI loads it at start). */

/** Labels as words: `a`, `a and b`, `a, b and c`. */
export const labelList = (labels: readonly string[]): string => labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1) as string}`

/**
 * The first `most` of many names as words, each cut to `chars` characters, and how many more:
 * `"a", "b", "c" and 499997 more`. An error that listed every unknown field of a body of 500,000
 * keys was 6.4 MB.
 */
export function someNames (names: readonly string[], most = 5, chars = 64): string {
  const shown = names.slice(0, most).map(n => JSON.stringify(n.length > chars ? `${n.slice(0, chars)}…` : n))
  return names.length > most ? `${shown.join(', ')} and ${names.length - most} more` : shown.join(', ')
}

/**
 * `text` whose lines after the first begin `width` spaces in (a blank line left blank): a goal's
 * or a plan's under its row's value, a message's under its header. A transcript's text is any
 * device's, often a tool's output or a pasted page: a line of it at the margin could read as
 * another message's header (`[time] role (label):`), so every front-end that shows messages as
 * text (the CLI's watch, session show and resume; the MCP transcript) shows their lines with this.
 */
export function hanging (text: string, width: number): string {
  return text.replace(/\r?\n(?!\r?\n|$)/g, `\n${' '.repeat(width)}`)
}

/** How far a message's lines after its header's line are indented: enough that none is at the margin. */
export const MESSAGE_INDENT = 2
