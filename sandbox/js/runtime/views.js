  // res.render(view, data[, cb]): the app's codehooks-js renders (app.render, with the
  // 'view engine' and 'views' settings); the HTML is sent as text/html unless a callback
  // takes it, as in Express.
  async function renderView(res, view, data, cb) {
    const app = manifest && manifest.app;
    try {
      if (!app || typeof app.render !== "function") {
        throw new Error("res.render: the app has no view engine; set app.set('view engine', {hbs: handlebars}) and app.set('views', '/views')");
      }
      // The HTML comes to the callback (Node style), or as the promise's value.
      const html = await new Promise((resolve, reject) => {
        const ret = app.render(view, data || {}, (e, h) => {
          if (e) reject(e instanceof Error ? e : new Error(String(e)));
          else resolve(h === undefined || h === null ? "" : String(h));
        });
        Promise.resolve(ret).then((v) => { if (typeof v === "string") resolve(v); }, reject);
      });
      if (typeof cb === "function") return cb(null, html);
      if (!res.getHeader("content-type")) res.set("content-type", "text/html; charset=utf-8");
      res.end(html);
      return html;
    } catch (e) {
      if (typeof cb === "function") return cb(e);
      console.error(e);
      if (!res.finished) errorJSON(res, 500, `render ${view}: ${e && e.message}`);
    }
  }

