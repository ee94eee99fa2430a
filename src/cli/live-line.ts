/**
 * A live progress line at the foot of a terminal (`mesh join`'s transfer bar): rewritten in place
 * as it moves, while every other line is printed above it (the bar cleared first, then drawn
 * again under the new line), so nothing is glued onto a bar left without its newline. Off a
 * terminal the bar is a plain line each time, like any other.
 *
 * Every string given is made printable (a peer's label, a path); the erase is the program's own
 * Control, the only control character written (printable.ts, `drawn`).
 *
 * @example
 * const live = new LiveLine(process.stdout.isTTY === true, s => { draw('stdout', s) })
 * live.bar('receiving … 61%', false)
 * live.line('peer proven desktop …')   // above the bar, which is drawn again
 */
import { Control, drawn, type Drawn } from './printable.js'

const CLEAR = Control.ERASE_LINE

export class LiveLine {
  private shown: string | undefined

  constructor (private readonly tty: boolean, private readonly write: (s: Drawn) => void) {}

  /** The bar's new text; `done` leaves it on screen as a finished line. */
  bar (text: string, done: boolean): void {
    if (!this.tty) { this.write(drawn(text, '\n')); return }
    this.write(drawn(CLEAR, text, done ? '\n' : ''))
    this.shown = done ? undefined : text
  }

  /** A line of its own, above the bar while one is shown. */
  line (text: string): void {
    if (this.shown === undefined) { this.write(drawn(text, '\n')); return }
    this.write(drawn(CLEAR, text, '\n', this.shown))
  }

  /** Clears the bar (before another stream, stderr, writes to the same terminal). */
  clear (): void {
    if (this.shown === undefined) return
    this.write(drawn(CLEAR))
    this.shown = undefined
  }
}
