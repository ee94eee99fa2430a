/**
 * api: the one typed local API. The schema (methods and events, zod), the in-process
 * implementation over the vault and node, owning a home (`hostHome`), and its transports: the
 * home's unix socket (rpc.ts / rpc-client.ts), HTTP/WebSocket and MCP. Every front-end (CLI, SDK
 * client, MCP, HTTP, dashboard) goes through `MeshApi`.
 *
 * @example
 * const host = await hostHome({ home, node: {} })         // what `mesh join` does
 * const client = await connectRpc(home)                    // what `mesh status` does beside it
 * await client?.call('sessions.append', { key: 'fix-login', role: 'user', content: 'hi' })
 */
export * from './api.js'
export * from './schema.js'
export * from './client.js'
export * from './local.js'
export * from './host.js'
export * from './rpc.js'
export * from './rpc-client.js'
export * from './vault.js'
export * from './session.js'
export * from './wallet.js'
