/** What the tests read of `--help` texts and the README's shell lines. */

/** A line without its `#` comment (a `#` after a space, outside quotes): the command an example runs. */
export function commandPart (line: string): string {
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (quote !== undefined) { if (c === quote) quote = undefined; continue }
    if (c === '"' || c === '\'') quote = c
    else if (c === '#' && (i === 0 || line[i - 1] === ' ')) return line.slice(0, i).trimEnd()
  }
  return line.trimEnd()
}
