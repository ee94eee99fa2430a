/**
 * The baseline most Yjs apps sync with: a y-websocket relay. Its clients write and observe the
 * session document with the same code as mesh (crdt/session.ts's appendMessages and onMessages,
 * which the SDK's subscribe uses), so the relay carries the same Yjs updates and each side does the
 * same Yjs work: what differs is only the path between A and B.
 */
import { WebSocketServer, WebSocket } from 'ws'
import * as Y from 'yjs'
import { setupWSConnection } from '@y/websocket-server/utils'
import { WebsocketProvider } from 'y-websocket'
import { SessionDoc, type Message } from '../../crdt/index.js'

export async function relayServer (): Promise<{ port: number, close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', (ws: WebSocket, req: any) => { setupWSConnection(ws, req, { gc: true }) })
  await new Promise(resolve => wss.once('listening', resolve))
  return { port: (wss.address() as any).port as number, close: async () => { await new Promise(resolve => wss.close(resolve)) } }
}

export interface RelayClient { doc: Y.Doc, append: (content: string) => void, onMessages: (fn: (ms: Message[]) => void) => void, destroy: () => void }

export async function relayClient (port: number, device: string): Promise<RelayClient> {
  const doc = new Y.Doc()
  // disableBc: two providers in one process would otherwise bypass the server.
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}`, 'bench', doc, { WebSocketPolyfill: WebSocket as any, disableBc: true })
  while (!provider.synced) await new Promise(resolve => setTimeout(resolve, 5))
  const s = new SessionDoc(doc)
  return {
    doc,
    append: (content) => { s.appendMessages([{ role: 'user', content }], device) },
    onMessages: (fn) => { s.onMessages(added => { fn(added) }) },
    destroy: () => { provider.destroy() }
  }
}
