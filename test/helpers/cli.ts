/** Runs the real `mesh` command (bin/mesh.js over dist/) in a child process with its own HOME. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'mesh.js')

export interface RunResult { code: number, stdout: string, stderr: string }

export function cliEnv (userHome: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: userHome, ...extra }
  delete env.MESH_HOME
  delete env.MESH_WALLET
  delete env.XDG_CONFIG_HOME
  delete env.XDG_DATA_HOME
  return { ...env, ...extra }
}

export function runCli (args: string[], opts: { env: NodeJS.ProcessEnv, input?: string, timeoutMs?: number, cwd?: string }): Promise<RunResult> {
  return runProcess(process.execPath, [BIN, ...args], opts)
}

/** Runs `command args` to its end, `input` on its stdin, and gives its exit code and output; killed (and rejected) after `timeoutMs`. */
export function runProcess (command: string, args: string[], opts: { env: NodeJS.ProcessEnv, input?: string, timeoutMs?: number, cwd?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${command} ${args.join(' ')} timed out\n${stdout}\n${stderr}`)) }, opts.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, stdout, stderr }) })
    child.stdin.end(opts.input ?? '')
  })
}
