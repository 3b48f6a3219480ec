// The web playground: `difflab serve` starts it; tests and the benchmark start it in-process.
export { allowedHosts, isLoopback, startServer, WEB_DIR, type PlaygroundServer, type ServerOptions } from './app.js';
export { DEFAULT_LIMITS, RequestError, parseJob, type JobRequest, type Limits, type ModelInfo } from './protocol.js';
