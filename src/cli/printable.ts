/**
 * Text that came from a document (a message's content, a session's title or goal, a task's text,
 * a label a peer gave, a memory entry, a skill), made safe to write to a terminal in the CLI's
 * human output. A message is often a tool's output or a web page the agent read, and any member
 * device writes it: an escape sequence in it would be obeyed by the terminal (set the window
 * title, erase and rewrite lines, write the clipboard with OSC 52), and a bidi override would show
 * the line in another order than it reads. So C0 controls other than newline and tab (a CR
 * included, unless it ends a line), DEL and C1 controls are shown in caret notation (`^[` for
 * ESC, `^G` for BEL, `^?`) or as `<U+009B>`, and bidi embeddings, overrides and isolates and the
 * line and paragraph separators as `<U+202E>`: seen, never obeyed. `--json` output is never passed through this (JSON
 * escapes the controls itself and keeps every character as written).
 */

/**
 * C0 but \t and \n, DEL, C1; LS, PS, LRE-RLO, LRI-PDI. The direction marks (ALM, LRM, RLM) are
 * left: ordinary Arabic, Hebrew and Persian text holds them, and they reorder nothing beyond
 * their own neighbours.
 */
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/gu

function visible (c: string): string {
  const code = c.codePointAt(0) as number
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`
  if (code === 0x7f) return '^?'
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`
}

/** `text` with every control but newline and tab, and every bidi control, written visibly. */
export function printable (text: string): string {
  // A CR that ends a line (text written on Windows) only ends it: shown, it would mark every line.
  return text.replace(/\r\n/g, '\n').replace(UNPRINTABLE, visible)
}

/**
 * A field shown on one line of a listing (a session's title, a skill's description, a device's
 * label, a memory entry's value): a line break in it is shown (⏎), not obeyed, and a tab as `^I`
 * (as printable shows the other C0 controls), since the listings separate their columns with tabs
 * and a tab in a field would read as the next column.
 */
export function oneLine (text: string): string { return text.replace(/\r?\n/g, '⏎').replace(/\t/g, '^I') }

/**
 * A control sequence of the program's own, written to a terminal on purpose (the live bar's
 * erase). Only this class makes one, from the constants below: text from anywhere else can never
 * be one, so it cannot reach the terminal as a control (`drawn` makes every string printable).
 */
export class Control {
  /** Back to the start of the line, and the line erased: a live line drawn again in place. */
  static readonly ERASE_LINE = new Control('\r\x1b[2K')

  private constructor (readonly sequence: string) {}
}

declare const drawnBrand: unique symbol
/** What `drawn` made: the one kind of text a terminal is given with control characters in it. */
export type Drawn = string & { readonly [drawnBrand]: true }

/**
 * The one path by which the CLI writes control characters on purpose: each Control as its
 * sequence, every string made printable (newlines kept). context.ts's `draw` writes what it
 * gives; all other output goes through `printable` in context.ts's writers.
 *
 * @example
 * draw('stderr', drawn(Control.ERASE_LINE, `reading ${key}: 40%`))
 */
export function drawn (...parts: Array<Control | string>): Drawn {
  return parts.map(p => p instanceof Control ? p.sequence : printable(p)).join('') as Drawn
}
