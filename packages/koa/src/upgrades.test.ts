import { describeUpgradeConformance } from '@ferry/adapter-conformance';
import Koa from 'koa';
import { ferry } from './index.js';

describeUpgradeConformance('@ferry/koa', {
  mount(options, { prefix }) {
    const app = new Koa();
    const middleware = ferry(options, prefix === undefined ? {} : { prefix });
    app.use(middleware);
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    return {
      listener: app.callback(),
      attach: (server) => middleware.attach(server),
      close: () => middleware.close(),
    };
  },
});
