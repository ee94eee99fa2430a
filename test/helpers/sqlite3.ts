/**
 * A real writer of a SQLite database: the `sqlite3` command-line shell (Debian's package
 * `sqlite3`; `.ci/run` installs it) kept running with its connection open, the way an agent's
 * gateway holds its store: WAL mode, automatic checkpoints off unless asked, so what it writes
 * stays in the `-wal` until a test checkpoints. `exec` sends SQL and waits until the shell has
 * run it (a marker it prints after).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

export interface Sqlite3 {
  child: ChildProcessWithoutNullStreams
  /** Runs the statements; resolves with what they printed. Rejects on an error SQLite reported. */
  exec: (sql: string) => Promise<string[]>
  /** Ends the shell (closing the connection checkpoints and removes the WAL, as SQLite does). */
  close: () => Promise<void>
  kill: () => Promise<void>
}

let marks = 0

export async function sqlite3 (path: string, opts: { autocheckpoint?: number } = {}): Promise<Sqlite3> {
  const child = spawn('sqlite3', ['-batch', path], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const waiters: Array<{ mark: string, resolve: (lines: string[]) => void, reject: (e: Error) => void, from: number }> = []
  const exited = new Promise<void>(resolve => child.on('close', () => {
    for (const w of waiters.splice(0)) w.reject(new Error(`sqlite3 exited: ${err}`))
    resolve()
  }))
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    for (let i = 0; i < waiters.length;) {
      const w = waiters[i] as typeof waiters[number]
      const at = out.indexOf(`${w.mark}\n`)
      if (at < 0) { i++; continue }
      waiters.splice(i, 1)
      const lines = out.slice(w.from, at).split('\n').filter(l => l !== '')
      if (err !== '') { const e = err; err = ''; w.reject(new Error(`sqlite3: ${e.trim()}`)) } else w.resolve(lines)
    }
  })
  const exec = async (sql: string): Promise<string[]> => await new Promise((resolve, reject) => {
    const mark = `mark-${process.pid}-${++marks}`
    waiters.push({ mark, resolve, reject, from: out.length })
    child.stdin.write(`${sql.trim().replace(/;?$/, ';')}\nSELECT '${mark}';\n`)
  })
  await exec(`PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=${opts.autocheckpoint ?? 0}`)
  return {
    child,
    exec,
    close: async () => { child.stdin.end(); await exited },
    kill: async () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); await exited }
  }
}
