/* Community Map service worker: the directory keeps working with no connection.
 *
 * Registered as /sw.js (the site root, so its scope is the whole site); that small file is
 * written by each build (build_tools/site/offline.py) with self.CM_BUILD = {version, date,
 * precache} and then loads this one. A new deployment is a new version: the browser installs
 * it, it caches the new pages and data, and the old cache is deleted, so nothing from an
 * earlier build is kept once a visit with a connection has happened.
 *
 * - On install: the pages and data listed in CM_BUILD.precache (home, finder, map and its
 *   frame, shortlist, the finder's data), and the scripts, stylesheets and frames those
 *   pages load, found in their HTML.
 * - Every same-origin GET: the network first (so what is shown online is always current),
 *   stored as it arrives; the cached copy only when the network fails. Pages asked for with a
 *   query (find/?q=walk) fall back to the page without it: the finder reads its filters
 *   from the address itself.
 * - Pages ask it to keep extra pages (the shortlisted activities) with a "cm-keep" message.
 * - Other sites (map tiles, the postcode lookup) are left alone: offline they simply fail,
 *   and the page says so (assets/js/offline.js).
 */
/* global CM_BUILD */
(function () {
  "use strict";

  var BUILD = self.CM_BUILD || { version: "dev", precache: [] };
  var CACHE = "community-map-" + BUILD.version;
  var PREFIX = "community-map-";
  var scope = self.registration.scope; // the site root, with a trailing slash

  function sameSite(url) {
    return url.indexOf(scope) === 0;
  }

  /* Same-origin scripts, stylesheets, icons and frames named in a page's HTML. */
  function assetsOf(html, base) {
    var found = [];
    var re = /<(?:script|link|iframe|img)\b[^>]*?\b(?:src|href)="([^"#]+)"/gi;
    var m;
    while ((m = re.exec(html))) {
      var tag = m[0].toLowerCase();
      if (tag.indexOf("<link") === 0 && !/rel="(?:stylesheet|icon|manifest)"/.test(tag)) continue;
      var url = new URL(m[1].replace(/&amp;/g, "&"), base).href;
      if (sameSite(url)) found.push(url);
    }
    return found;
  }

  /* The data files the finder and shortlist pages name in their JSON configuration. */
  function dataOf(html, base) {
    var found = [];
    var re = /id="cm-(?:finder|shortlist)-config">([^<]*)<\/script>/g;
    var m;
    while ((m = re.exec(html))) {
      var cfg;
      try {
        cfg = JSON.parse(m[1]);
      } catch (e) {
        continue;
      }
      ["data", "index", "places"].forEach(function (key) {
        if (typeof cfg[key] === "string") found.push(new URL(cfg[key], base).href);
      });
      if (typeof cfg.details === "string") {
        for (var n = 0; n < (Number(cfg.chunks) || 0) && n < 1000; n++) {
          found.push(new URL(cfg.details.replace("{n}", String(n)), base).href);
        }
      }
    }
    return found.filter(sameSite);
  }

  function keep(cache, url, depth) {
    return fetch(url, { credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) throw new Error(url + ": HTTP " + resp.status);
      var copy = resp.clone();
      var type = resp.headers.get("Content-Type") || "";
      var put = cache.put(url, copy);
      if (depth > 0 && type.indexOf("text/html") === 0) {
        return resp.text().then(function (html) {
          return Promise.all([put].concat(assetsOf(html, url).concat(dataOf(html, url)).map(function (asset) {
            return cache.match(asset).then(function (hit) {
              return hit || keep(cache, asset, depth - 1);
            });
          })));
        });
      }
      return put;
    });
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(
      caches.open(CACHE).then(function (cache) {
        return Promise.all(BUILD.precache.map(function (path) {
          return keep(cache, new URL(path, scope).href, 2);
        }));
      }).then(function () {
        return self.skipWaiting();
      })
    );
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(
      caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) {
          return name.indexOf(PREFIX) === 0 && name !== CACHE ? caches.delete(name) : null;
        }));
      }).then(function () {
        return self.clients.claim();
      })
    );
  });

  /* Any of our caches: while a new version takes over, only the newest one is left. */
  function fromCache(request) {
    return caches.match(request).then(function (hit) {
      if (hit || request.mode !== "navigate") return hit;
      return caches.match(request, { ignoreSearch: true });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET" || !sameSite(request.url)) return;
    event.respondWith(
      fetch(request).then(function (resp) {
        if (resp.ok && resp.type === "basic") {
          var copy = resp.clone();
          caches.open(CACHE).then(function (cache) {
            return cache.put(request, copy);
          });
        }
        return resp;
      }, function (err) {
        return fromCache(request).then(function (hit) {
          if (hit) return hit;
          throw err;
        });
      })
    );
  });

  self.addEventListener("message", function (event) {
    var d = event.data;
    if (!d || d.type !== "cm-keep" || !Array.isArray(d.urls)) return;
    var urls = d.urls.filter(function (u) {
      return typeof u === "string" && sameSite(new URL(u, scope).href);
    }).slice(0, 200);
    event.waitUntil(
      caches.open(CACHE).then(function (cache) {
        return Promise.all(urls.map(function (u) {
          var url = new URL(u, scope).href;
          return cache.match(url).then(function (hit) {
            return hit || keep(cache, url, 1).catch(function () {});
          });
        }));
      }).then(function () {
        if (event.source) event.source.postMessage({ type: "cm-kept", count: urls.length });
      })
    );
  });
})();
