/** A client of a home's control socket (src/api/rpc.ts), as the CLI is one: lines out, each answer line parsed. */
import { connect, type Socket } from 'node:net'
import { socketPath } from '../../src/api/rpc.js'
import { until } from './wait.js'

export interface SocketClient {
  sock: Socket
  /** Every answer so far, parsed, in order. */
  got: any[]
  /** Writes one line as given (bad JSON included). */
  write: (line: string) => void
  /** Writes `v` as one JSON line. */
  send: (v: unknown) => void
  /** The first answer `pred` holds of, once one has come. */
  next: (pred: (m: any) => boolean) => Promise<any>
}

export async function socketClient (home: string): Promise<SocketClient> {
  const sock = connect(socketPath(home))
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
  const got: any[] = []
  let buf = ''
  sock.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) { got.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1) }
  })
  const write = (line: string): void => { sock.write(line + '\n') }
  const next = async (pred: (m: any) => boolean): Promise<any> => {
    await until(() => got.some(pred), 'an answer')
    return got.find(pred)
  }
  return { sock, got, write, send: (v) => { write(JSON.stringify(v)) }, next }
}
