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

  /* Columns to records ({i, n, c, a, u, d, w, t, k, x, g, z}), leaving out empty values. */
  function rows(index) {
    var cols = index.cols;
    var names = Object.keys(cols);
    var out = new Array(index.n);
    for (var i = 0; i < index.n; i++) {
      var r = {};
      for (var c = 0; c < names.length; c++) {
        var name = names[c];
        var v = cols[name][i];
        // k (cost) 0 means "free"; elsewhere 0, null and [] mean "none" and are left out
        if (name === "k" || (v !== 0 && v !== null && !(Array.isArray(v) && !v.length))) r[name] = v;
      }
      out[i] = r;
    }
    return out;
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
    return getJson(cfg.index).then(function (index) {
      data = { v: index.v, region: index.region, vocab: index.vocab, items: rows(index) };
      return data;
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
