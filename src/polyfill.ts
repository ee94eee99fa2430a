/**
 * libp2p 3.x, yamux and the peer store call `Promise.withResolvers` (Node 22+) without declaring
 * an engine; on Node 20 every inbound upgrade fails without it. Imported first by every entry
 * point (the CLI, the package index, vitest's setupFiles) so that mesh runs on Node 20 and 22+.
 */
interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T> (): Resolvers<T> {
    let resolve!: Resolvers<T>['resolve']
    let reject!: Resolvers<T>['reject']
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

export {}
