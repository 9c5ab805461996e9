export type {
  AlertErrorHandler,
  AlertMessage,
  AlertSeverity,
  AlertSink,
  AlertSinkError,
  AlertSinkErrorKind,
  AlertState,
} from './alert-message.js';
export {
  createDingTalkSink,
  type DingTalkSinkOptions,
  dingTalkSinkOptionsSchema,
  signDingTalk,
} from './dingtalk-sink.js';
export {
  createFeishuSink,
  createLarkSink,
  type FeishuSinkOptions,
  feishuHosts,
  feishuSinkOptionsSchema,
  signFeishu,
} from './feishu-sink.js';
export { createSlackSink, type SlackSinkOptions, slackSinkOptionsSchema } from './slack-sink.js';
export { truncateUtf8, utf8Length } from './utf8-truncate.js';
export {
  createWebhookSink,
  type WebhookAlertBody,
  type WebhookSinkOptions,
  webhookSinkOptionsSchema,
} from './webhook-sink.js';
export {
  createWeComSink,
  type WeComSinkOptions,
  weComContentLimits,
  weComSinkOptionsSchema,
} from './wecom-sink.js';
