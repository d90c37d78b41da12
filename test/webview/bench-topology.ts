// The generator lives in test/helpers/bench-topology.ts; bench/webview.ts still imports it from
// here, and bench/ is being changed elsewhere this session: point it at test/helpers, then delete this.
export { benchTopology } from '../helpers/bench-topology.js';
