/** `@ferry/core/alerts`: alert sinks (DingTalk, Feishu, Lark, WeCom, Slack, signed webhooks). */
export * from '../alerts/sinks/index.js';
