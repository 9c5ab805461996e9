export type { Fault } from './fault.js';
export { parseFault } from './fault.js';
export type { MockUpstreamOptions } from './options.js';
export type { MockQuota, QuotaCounts } from './quota.js';
export type { RealtimeUsage } from './realtime-usage.js';
export type { RecordedRequest } from './request-recorder.js';
export type { MockUpstream } from './server.js';
export { startMockUpstream } from './server.js';
export type { RecordedSocket } from './socket-recorder.js';
