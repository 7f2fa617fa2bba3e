/* Community Map service worker: the directory keeps working with no connection.
 *
 * Registered as /sw.js (the site root, so its scope is the whole site); that small file is
 * written by each build (build_tools/site/offline.py) with self.CM_BUILD = {version, date,
 * precache} and then loads this one. Each deployment is a new version, with a cache of its
 * own ("community-map-<version>"):
 *
 * - Install: every file in CM_BUILD.precache (the home, finder, map and shortlist pages and
 *   everything they load, listed by the build) is fetched fresh from the server, never from
 *   the browser's HTTP cache, and all of them must arrive, or this version is not installed
 *   and the old one carries on whole. The pages an older version kept (activities visited or
 *   shortlisted) are fetched again too; one the new site no longer has is dropped. Only then
 *   does the new version take over (skipWaiting).
 * - Activate: the older versions' caches are deleted, open pages are claimed and told the
 *   new version ("cm-active"), so nothing from an earlier deployment is shown after a visit
 *   with a connection.
 * - Every same-origin GET: the network first (so what is shown online is current), stored as
 *   it arrives; this version's cached copy only when the network fails. Pages asked for with
 *   a query (find/?q=walk) fall back to the page without it: the finder reads its filters
 *   from the address. A worker whose cache a newer version has deleted stores nothing more
 *   (no old copy comes back) and answers from the newest cache.
 * - Messages: "cm-keep" {urls} keeps extra pages (the shortlisted activities), answered with
 *   "cm-kept"; "cm-version" is answered, once this worker has finished taking over, with its
 *   version, build date and whether it answered the asking page from its cache (the page
 *   then shows the offline notice even if the browser believes it is online).
 * - Other sites (map tiles, the postcode lookup) are left alone: offline they simply fail,
 *   and the page says so (assets/js/offline.js).
 */
/* global CM_BUILD */
(function () {
  "use strict";

  var BUILD = self.CM_BUILD || { version: "dev", date: "", precache: [] };
  var PREFIX = "community-map-";
  var CACHE = PREFIX + BUILD.version;
  var MAX_PAGES = 300; // pages carried over from an older version, and kept per message
  var scope = self.registration.scope; // the site root, with a trailing slash

  function sameSite(url) {
    return url.indexOf(scope) === 0;
  }

  function info(type) {
    return { type: type, version: BUILD.version, date: BUILD.date };
  }

  /* A copy from the server itself: GitHub Pages lets the HTTP cache keep files for ten
   * minutes, and a new version must not start with a file from the old one. */
  function store(cache, url) {
    return fetch(url, { cache: "no-cache", credentials: "same-origin" }).then(function (resp) {
      if (resp.status !== 200) throw new Error(url + ": HTTP " + resp.status);
      return cache.put(url, resp);
    });
  }

  /* This version's cache, or null once a newer version has deleted it. Opened once, so a
   * late write from this worker goes to the deleted cache, never brings it back. */
  var own = null;
  function ownCache() {
    own = own || caches.has(CACHE).then(function (has) {
      return has ? caches.open(CACHE) : null;
    });
    return own;
  }

  /* The pages (addresses ending in "/", no query) older versions kept. */
  function pagesKeptBefore() {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) {
        return caches.open(name).then(function (cache) { return cache.keys(); });
      }));
    }).then(function (lists) {
      var urls = [];
      lists.forEach(function (requests) {
        requests.forEach(function (r) {
          var u = new URL(r.url);
          if (sameSite(r.url) && !u.search && /\/$/.test(u.pathname) && urls.indexOf(r.url) < 0) {
            urls.push(r.url);
          }
        });
      });
      return urls.slice(0, MAX_PAGES);
    });
  }

  self.addEventListener("install", function (event) {
    var wanted = BUILD.precache.map(function (path) { return new URL(path, scope).href; });
    event.waitUntil(
      caches.open(CACHE).then(function (cache) {
        return Promise.all(wanted.map(function (url) { return store(cache, url); }))
          .then(pagesKeptBefore)
          .then(function (pages) {
            return Promise.all(pages.filter(function (url) {
              return wanted.indexOf(url) < 0;
            }).map(function (url) {
              return store(cache, url).catch(function () {}); // gone from the new site
            }));
          });
      }).then(function () {
        return self.skipWaiting();
      }, function (err) {
        return caches.delete(CACHE).then(function () { throw err; }); // next visit tries again
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
      }).then(function () {
        return self.clients.matchAll({ type: "window" });
      }).then(function (pages) {
        pages.forEach(function (page) { page.postMessage(info("cm-active")); });
      })
    );
  });

  /* Once activation is over. The pages a worker already controls switch to the new one when
   * its activation starts (skipWaiting), before the old caches are gone. */
  function activated() {
    var active = self.registration.active;
    if (!active || active.state !== "activating") return Promise.resolve();
    return new Promise(function (resolve) {
      active.addEventListener("statechange", resolve);
    });
  }

  function fromCache(request) {
    return caches.has(CACHE).then(function (has) {
      // Ours only; a worker a newer version replaced answers from the newest (the only one).
      var from = has ? caches.open(CACHE) : Promise.resolve(caches);
      return from.then(function (where) {
        return where.match(request).then(function (hit) {
          if (hit || request.mode !== "navigate") return hit;
          return where.match(request, { ignoreSearch: true });
        });
      });
    });
  }

  var answeredFromCache = {}; // pages (client ids) this worker answered from its cache

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET" || !sameSite(request.url)) return;
    event.respondWith(
      fetch(request).then(function (resp) {
        if (resp.status === 200 && resp.type === "basic") {
          var copy = resp.clone();
          event.waitUntil(ownCache().then(function (cache) {
            return cache && cache.put(request, copy);
          }).catch(function () {}));
        }
        return resp;
      }, function (err) {
        return fromCache(request).then(function (hit) {
          if (!hit) throw err;
          if (event.resultingClientId) answeredFromCache[event.resultingClientId] = true;
          return hit;
        });
      })
    );
  });

  self.addEventListener("message", function (event) {
    var d = event.data;
    var reply = function (msg) { if (event.source) event.source.postMessage(msg); };
    if (d && d.type === "cm-version") {
      var msg = info("cm-version");
      msg.cached = !!(event.source && answeredFromCache[event.source.id]);
      event.waitUntil(activated().then(function () { reply(msg); }));
      return;
    }
    if (!d || d.type !== "cm-keep" || !Array.isArray(d.urls)) return;
    var urls = d.urls.filter(function (u) {
      return typeof u === "string" && sameSite(new URL(u, scope).href);
    }).slice(0, MAX_PAGES).map(function (u) { return new URL(u, scope).href; });
    event.waitUntil(
      ownCache().then(function (cache) {
        if (!cache) return 0; // replaced: the page asks the new version when it takes over
        return Promise.all(urls.map(function (url) {
          return cache.match(url).then(function (hit) {
            return hit || store(cache, url).catch(function () {});
          });
        })).then(function () { return urls.length; });
      }).then(function (count) {
        reply({ type: "cm-kept", count: count });
      })
    );
  });
})();
