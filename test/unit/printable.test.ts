import { describe, expect, it } from 'vitest'
import { printable } from '../../src/cli/printable.js'

describe('printable', () => {
  it('shows controls other than newline and tab, and bidi controls, instead of passing them to the terminal', () => {
    expect(printable('ok\x1b]0;PWNED\x07\x1b[2K\rfake\x1b]52;c;cm0K\x07')).toBe('ok^[]0;PWNED^G^[[2K^Mfake^[]52;c;cm0K^G')
    expect(printable('a\u202eb\u2066c\u2069')).toBe('a<U+202E>b<U+2066>c<U+2069>')
    expect(printable('\x00\x7f\x9b\x85')).toBe('^@^?<U+009B><U+0085>')
    expect(printable('line one\n\tindented — ünïcødé 🙂')).toBe('line one\n\tindented — ünïcødé 🙂')
    // Shown once, shown the same again.
    expect(printable(printable('\x1b\u202e'))).toBe('^[<U+202E>')
  })
})

describe('text of other scripts and systems', () => {
  it('a CR that ends a line only ends it, and the direction marks of Arabic, Hebrew and Persian text are left', async () => {
    const { printable } = await import('../../src/cli/printable.js')
    expect(printable('one\r\ntwo\r\n')).toBe('one\ntwo\n')
    expect(printable('a\rb')).toBe('a^Mb')
    expect(printable('שלום\u200f abc \u200e\u061c')).toBe('שלום\u200f abc \u200e\u061c')
    expect(printable('x\u202ey')).toBe('x<U+202E>y')
  })

  it('a revocation\'s reason and a peer\'s label in mesh join\'s event lines are printable too, as its LiveLine writes them', async () => {
    const { formatEvent } = await import('../../src/cli/commands/join.js')
    const { LiveLine } = await import('../../src/cli/live-line.js')
    let out = ''
    const live = new LiveLine(true, s => { out += s })
    live.bar('receiving … 10%', false)
    live.line(formatEvent({ type: 'refused', peerId: '12D3KooWexample', reason: 'bad\x1b]0;PWNED\x07' } as any) as string)
    expect(out).toContain('bad^[]0;PWNED^G')
    expect(out.replaceAll('\r\x1b[2K', '')).not.toMatch(/[\x1b\x07]/)
  })
})

describe('the CLI\'s writers', () => {
  const HOSTILE = 'evil\x1b]0;PWNED\x07\x1b[2J\u202e\rx\x9b'
  async function captured (fn: () => void): Promise<{ out: string, err: string }> {
    const { vi } = await import('vitest')
    let out = ''
    let err = ''
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: any) => { out += String(s); return true })
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => { err += String(s); return true })
    try { fn() } finally { o.mockRestore(); e.mockRestore() }
    return { out, err }
  }

  it('make every line of human output printable, on stdout and stderr; JSON is written exact', async () => {
    const { stdout, setJsonOutput } = await import('../../src/cli/context.js')
    const human = await captured(() => { stdout.line(`label: ${HOSTILE}`); stdout.err(`mesh: ${HOSTILE}`) })
    expect(human).toEqual({ out: 'label: evil^[]0;PWNED^G^[[2J<U+202E>^Mx<U+009B>\n', err: 'mesh: evil^[]0;PWNED^G^[[2J<U+202E>^Mx<U+009B>\n' })
    const json = await captured(() => { stdout.json({ label: HOSTILE }); stdout.jsonErr({ error: { message: HOSTILE } }) })
    expect(json.out).toBe(JSON.stringify({ label: HOSTILE }, null, 2) + '\n')
    expect(json.err).toBe(JSON.stringify({ error: { message: HOSTILE } }) + '\n')
    // With --json, stdout is JSON only: a JSON line (mesh watch --json, mesh join --json) is exact;
    // stderr stays human text, printable.
    setJsonOutput(true)
    try {
      const line = JSON.stringify({ content: HOSTILE })
      const j = await captured(() => { stdout.line(line); stdout.err(`note: ${HOSTILE}`) })
      expect(j.out).toBe(line + '\n')
      expect(JSON.parse(j.out).content).toBe(HOSTILE)
      expect(j.err).toBe('note: evil^[]0;PWNED^G^[[2J<U+202E>^Mx<U+009B>\n')
    } finally {
      setJsonOutput(false)
    }
  })

  it('show text once: what is already shown (and a caret typed as text) is written as it is, never ^^[', async () => {
    const { stdout } = await import('../../src/cli/context.js')
    const shown = printable(HOSTILE)
    const twice = await captured(() => { stdout.line(shown); stdout.line('typed: ^[ and <U+202E>') })
    expect(twice.out).toBe(`${shown}\ntyped: ^[ and <U+202E>\n`)
    expect(twice.out).not.toContain('^^')
  })

  it('pass control characters only as the program\'s own Control sequences, through drawn', async () => {
    const { Control, drawn } = await import('../../src/cli/printable.js')
    const { draw } = await import('../../src/cli/context.js')
    expect(drawn(Control.ERASE_LINE, HOSTILE, '\n')).toBe('\r\x1b[2Kevil^[]0;PWNED^G^[[2J<U+202E>^Mx<U+009B>\n')
    // A string that looks like the erase is text like any other.
    expect(drawn('\r\x1b[2K')).toBe('^M^[[2K')
    const d = await captured(() => { draw('stderr', drawn(Control.ERASE_LINE, HOSTILE)) })
    expect(d.err).toBe('\r\x1b[2Kevil^[]0;PWNED^G^[[2J<U+202E>^Mx<U+009B>')
  })

  it('are the only way src/cli writes to stdout or stderr, and Control the only place an escape is written', async () => {
    const { readdir, readFile } = await import('node:fs/promises')
    const { join, relative } = await import('node:path')
    const root = new URL('../../src/cli/', import.meta.url).pathname
    const files = (await readdir(root, { recursive: true })).filter(f => f.endsWith('.ts')).map(f => join(root, f))
    const writes: string[] = []
    const escapes: string[] = []
    for (const f of files) {
      const name = relative(root, f)
      const code = (await readFile(f, 'utf8')).split('\n').filter(l => !/^\s*(\*|\/\/|\/\*)/.test(l)).join('\n')
      if (name !== 'context.ts' && /process\.std(out|err)\.write|console\.(log|error|warn|info)\(/.test(code)) writes.push(name)
      if (name !== 'printable.ts' && /\\x1b|\\u001b|\\u\{1b\}|\\033|\\x9b|\\u009b/i.test(code)) escapes.push(name)
    }
    expect(files.length).toBeGreaterThan(20)
    expect(writes).toEqual([])
    expect(escapes).toEqual([])
  })
})
