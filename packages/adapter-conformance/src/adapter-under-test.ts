import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Gateway, GatewayOptions } from '@ferry/core';

/** A body parser of the framework that can sit in front of Ferry. */
export interface BodyParserCase {
  /** Shown in test names and passed back to `mount` as `bodyParser`. */
  name: string;
  /** True when the parser keeps the exact bytes (`rawBody`), so the upstream gets them unchanged. */
  keepsRawBody: boolean;
}

/** How the suite wants an app built. */
export interface MountSetup {
  /** A body parser (one of `bodyParsers` by name) to run before Ferry, or none. */
  bodyParser: string | undefined;
  /** Mount Ferry under this path prefix (`/llm`), or at the root. */
  prefix: string | undefined;
  /** The app's own handler, after Ferry: every request Ferry passes on must reach it. */
  fallback: (request: IncomingMessage, response: ServerResponse) => void;
}

/** An app built by `mount`. */
export interface MountedApp {
  /** The app as a Node request listener (an Express app, Koa's `app.callback()`). */
  listener: RequestListener;
  /** The gateway behind the mounted middleware (`middleware.gateway`). */
  gateway: Gateway;
}

/** What an adapter tells the suite about itself. */
export interface AdapterUnderTest {
  /** The framework's body parsers; every parser scenario runs without one and behind each. */
  bodyParsers: readonly BodyParserCase[];
  /** The one warning the adapter logs when a body parser read the request before Ferry. */
  parserWarning: RegExp;
  /**
   * Ferry sits in front of the app at the HTTP server (`withGateway`), not inside it: the app's
   * body parsers never see gateway requests, so every body reaches the upstream byte for byte
   * and the parser warning is never logged.
   */
  front?: boolean;
  /**
   * Builds a fresh app: the body parser (if any), Ferry (from options or a gateway), then
   * `fallback`; in front mode, the app (parser, then `fallback`) behind Ferry.
   */
  mount(ferry: GatewayOptions | Gateway, setup: MountSetup): MountedApp;
}
