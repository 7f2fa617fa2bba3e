/* Community Map finder data: a compact index first, details and places only when needed.
 *
 * At 10,000 activities the whole data file is 850 KB gzipped: too much to fetch and parse on
 * a cheap phone before the first result. The build (build_tools/site/finder.py) splits it:
 *
 *   finder/index.json      every activity's id, name and what the filters test, as columns
 *   finder/details-N.json  summary, when, where and organisation of activities N*chunk ...
 *   finder/places.json     every activity's [lat, lon] (0 when it has none): "near me" only
 *
 * `load()` resolves to the same shape as activities.json ({v, region, vocab, items}), with
 * items holding the index keys; `detail(i)` is item i's details once its chunk is here;
 * `ensure(positions)` fetches the chunks those items need; `places()` adds `p` to every item.
 * Without `cfg.index` (an older build) the whole activities.json is read instead.
 *
 * In the index, the category, area, audience and accessibility columns named in `masks` are
 * bit masks (bit n: the n-th term of that vocabulary) rather than lists; items keep them so
 * (finder.js reads either). Every item has the same keys, in the same order, so a phone's
 * JavaScript engine handles the 10,000 of them as one shape; the work after the index
 * arrives is split into short tasks, so the page keeps answering while it is done.
 */
(function () {
  "use strict";

  var cfg = null;
  var data = null;
  var chunks = {}; // chunk number -> array of detail records, once loaded
  var pending = {}; // chunk number -> Promise
  var placesPromise = null;
  var whole = false; // true when every record came complete from activities.json

  function getJson(url) {
    return fetch(url).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    });
  }

  /* One activity: every key always there (0 for none; k 0 is "free"), p filled by places(). */
  function Item(i, n, c, a, u, d, w, t, k, x, g, z) {
    this.i = i;
    this.n = n;
    this.c = c;
    this.a = a;
    this.u = u;
    this.d = d;
    this.w = w;
    this.t = t;
    this.k = k;
    this.x = x;
    this.g = g;
    this.z = z;
    this.p = 0;
  }

  /* The next task: lets the browser paint and answer input between two pieces of work. */
  function pause() {
    if (window.scheduler && typeof window.scheduler.yield === "function") return window.scheduler.yield();
    return new Promise(function (done) {
      setTimeout(done, 0);
    });
  }

  var SLICE = 2500; // items made per task (a few milliseconds on a slow phone)

  /* Columns to items, a slice per task. */
  function rows(index) {
    var C = index.cols;
    var n = index.n;
    var out = new Array(n);
    function col(name) {
      return C[name] || [];
    }
    var ci = col("i"), cn = col("n"), cc = col("c"), ca = col("a"), cu = col("u"), cd = col("d");
    var cw = col("w"), ct = col("t"), ck = col("k"), cx = col("x"), cg = col("g"), cz = col("z");
    function slice(from) {
      var to = Math.min(n, from + SLICE);
      for (var i = from; i < to; i++) {
        out[i] = new Item(ci[i], cn[i], cc[i] || 0, ca[i] || 0, cu[i] || 0, cd[i] || 0, cw[i] || 0,
          ct[i] || 0, ck[i] === undefined ? -1 : ck[i], cx[i] || 0, cg[i] || 0, cz[i] || 0);
      }
      return to >= n ? out : pause().then(function () {
        return slice(to);
      });
    }
    return Promise.resolve(slice(0));
  }

  function load(config) {
    cfg = config;
    if (!cfg.index) {
      whole = true;
      return getJson(cfg.data).then(function (json) {
        data = json;
        return data;
      });
    }
    // The first results without filters are the first activities, A to Z: their details are
    // fetched beside the index rather than after it.
    if (cfg.details) fetchChunk(0).catch(function () {});
    return getJson(cfg.index).then(function (index) {
      return pause().then(function () {
        return rows(index);
      }).then(function (items) {
        data = { v: index.v, region: index.region, vocab: index.vocab, masks: index.masks || [], items: items };
        return data;
      });
    });
  }

  function chunkOf(i) {
    return Math.floor(i / cfg.chunk);
  }

  function detail(i) {
    if (whole) return data.items[i];
    var list = chunks[chunkOf(i)];
    return list ? list[i % cfg.chunk] : null;
  }

  function fetchChunk(n) {
    if (chunks[n]) return Promise.resolve(chunks[n]);
    if (!pending[n]) {
      pending[n] = getJson(cfg.details.replace("{n}", String(n))).then(
        function (json) {
          chunks[n] = json.items || [];
          return chunks[n];
        },
        function (err) {
          delete pending[n]; // try again next time
          throw err;
        }
      );
    }
    return pending[n];
  }

  /* Resolves once the details of every item at `positions` are here (or failed to load). */
  function ensure(positions) {
    if (whole) return Promise.resolve();
    var wanted = {};
    positions.forEach(function (i) {
      var n = chunkOf(i);
      if (!chunks[n]) wanted[n] = true;
    });
    return Promise.all(
      Object.keys(wanted).map(function (n) {
        return fetchChunk(Number(n)).catch(function () {});
      })
    );
  }

  function places() {
    if (whole) return Promise.resolve();
    if (!placesPromise) {
      placesPromise = getJson(cfg.places).then(
        function (json) {
          var p = json.p || [];
          for (var i = 0; i < data.items.length; i++) {
            if (p[i]) data.items[i].p = p[i];
          }
        },
        function (err) {
          placesPromise = null;
          throw err;
        }
      );
    }
    return placesPromise;
  }

  window.CommunityMapFinderData = { load: load, detail: detail, ensure: ensure, places: places };
})();
