import { describe, expect, it } from 'vitest'
import { LiveLine } from '../../src/cli/live-line.js'

/** What a terminal shows for the bytes written: \r to the line's start, ESC[2K clears it, \n ends it. */
function screen (bytes: string): string[] {
  const lines: string[] = ['']
  let col = 0
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i] as string
    if (bytes.startsWith('\x1b[2K', i)) { lines[lines.length - 1] = ''; i += 3; continue }
    if (ch === '\r') { col = 0; continue }
    if (ch === '\n') { lines.push(''); col = 0; continue }
    const cur = lines[lines.length - 1] as string
    lines[lines.length - 1] = cur.slice(0, col) + ch + cur.slice(col + 1)
    col++
  }
  return lines
}

describe('LiveLine', () => {
  it('on a terminal, prints other lines above the bar and draws the bar again under them', () => {
    let out = ''
    const live = new LiveLine(true, s => { out += s })
    live.line('running (pid 1)')
    live.bar('receiving     agent:main:big from desktop: 10% (3.6 MB of 36 MB), 2.2 MB/s, 15 s left', false)
    live.line('synced        agent:main:big from desktop: +1 entry')
    live.bar('receiving     agent:main:big from desktop: 61% (22 MB of 36 MB), 2.2 MB/s, 6 s left', false)
    live.line('peer proven   laptop')
    expect(screen(out)).toEqual([
      'running (pid 1)',
      'synced        agent:main:big from desktop: +1 entry',
      'peer proven   laptop',
      'receiving     agent:main:big from desktop: 61% (22 MB of 36 MB), 2.2 MB/s, 6 s left'
    ])
    live.bar('received      agent:main:big from desktop: 36 MB', true)
    live.line('stopped')
    expect(screen(out).slice(-3)).toEqual(['received      agent:main:big from desktop: 36 MB', 'stopped', ''])
  })

  it('clears a bar left on screen before something else writes there', () => {
    let out = ''
    const live = new LiveLine(true, s => { out += s })
    live.bar('receiving … 50%', false)
    live.clear()
    out += 'stopping: flushing the store…\n'
    expect(screen(out)).toEqual(['stopping: flushing the store…', ''])
  })

  it('off a terminal, every bar is a plain line', () => {
    let out = ''
    const live = new LiveLine(false, s => { out += s })
    live.bar('receiving … 10%', false)
    live.line('synced …')
    live.bar('received …', true)
    expect(out).toBe('receiving … 10%\nsynced …\nreceived …\n')
  })
})

describe('LiveLine with text from a peer or a file', () => {
  it('writes its own erase and nothing else a terminal obeys: labels and paths in its lines are shown', () => {
    for (const tty of [true, false]) {
      let out = ''
      const live = new LiveLine(tty, s => { out += s })
      live.bar('receiving     doc from evil\x1b]0;PWNED\x07: 10%', false)
      live.line('peer proven   evil\x1b[2J\u202e\rx')
      live.bar('received      doc from evil\x1b]0;PWNED\x07', true)
      // The erase (CR, ESC [2K) is the only control; on a pipe there is none.
      const controls = out.replaceAll('\r\x1b[2K', '')
      expect(controls).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/u)
      if (!tty) expect(out).not.toContain('\x1b[2K')
      expect(out).toContain('peer proven   evil^[[2J<U+202E>^Mx\n')
      expect(out).toContain('from evil^[]0;PWNED^G')
    }
  })
})
