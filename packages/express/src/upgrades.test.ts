import { describeUpgradeConformance } from '@ferry/adapter-conformance';
import express from 'express';
import { ferry } from './index.js';

describeUpgradeConformance('@ferry/express', {
  mount(options, { prefix }) {
    const app = express();
    const middleware = ferry(options);
    if (prefix === undefined) app.use(middleware);
    else app.use(prefix, middleware);
    app.get('/health', (_request, response) => {
      response.json({ ok: true });
    });
    return {
      listener: app,
      attach: (server) => middleware.attach(server, prefix === undefined ? {} : { prefix }),
      close: () => middleware.close(),
    };
  },
});
