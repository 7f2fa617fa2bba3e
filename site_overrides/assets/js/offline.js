/* Community Map offline support, on every page: registers the service worker (sw.js at the
 * site root), asks it to keep the shortlisted activities' pages, and with no connection
 * shows "Offline: showing the directory as of <build date>", saying that map images and the
 * postcode lookup need a connection; the same when the worker answered the page from its cache
 * while the browser thought it was online. <html data-cm-version> names the version of the worker
 * serving the page once it has said so (and again when a new deployment's worker takes over:
 * then the shortlist is kept by the new one too).
 */
(function () {
  "use strict";

  var me = document.currentScript;
  if (!me || !me.src) return;
  var root = new URL("../../", me.src).href; // this file is assets/js/offline.js
  var SHORTLIST = "community-map:shortlist";
  var notice = null;

  function shortlisted() {
    try {
      var ids = JSON.parse(window.localStorage.getItem(SHORTLIST) || "[]");
      return (Array.isArray(ids) ? ids : [])
        .filter(function (id) {
          return typeof id === "string" && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(id);
        })
        .map(function (id) {
          return root + "activities/" + id + "/";
        });
    } catch (e) {
      return [];
    }
  }

  /* The worker serving this page (or, on the first visit, the one just installed). */
  function worker() {
    var sw = navigator.serviceWorker;
    if (sw.controller) return Promise.resolve(sw.controller);
    return sw.getRegistration(root).then(function (reg) {
      return reg && reg.active;
    });
  }

  function tell(message) {
    if (!navigator.serviceWorker) return;
    worker().then(function (w) {
      if (w) w.postMessage(message);
    });
  }

  function keepShortlist() {
    var urls = shortlisted();
    if (urls.length) tell({ type: "cm-keep", urls: urls });
  }

  function longDate(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    var months = ["January", "February", "March", "April", "May", "June", "July", "August",
      "September", "October", "November", "December"];
    return d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  function showNotice() {
    if (notice) return;
    notice = document.createElement("div");
    notice.className = "cm-offline";
    notice.setAttribute("role", "status");
    var text = document.createElement("p");
    text.textContent = "Offline: showing the directory as it was when you last had a connection. " +
      "Map images and the postcode search need a connection.";
    notice.appendChild(text);
    var main = document.querySelector(".md-content") || document.body;
    main.insertBefore(notice, main.firstChild);
    fetch(root + "assets/data/build.json")
      .then(function (resp) {
        return resp.ok ? resp.json() : null;
      })
      .then(function (build) {
        var when = build && longDate(build.date);
        if (when && notice) {
          text.textContent = "Offline: showing the directory as of " + when + ". " +
            "Map images and the postcode search are not available until you are back online.";
        }
      })
      .catch(function () {});
    document.documentElement.classList.add("cm-is-offline");
  }

  function hideNotice() {
    if (notice && notice.parentNode) notice.parentNode.removeChild(notice);
    notice = null;
    document.documentElement.classList.remove("cm-is-offline");
  }

  // Set when the worker says it answered this page from its cache: the browser may think it
  // is online (a weak signal, the site unreachable), but what is shown is not live.
  var fromCache = false;

  function check() {
    if (navigator.onLine === false || fromCache) showNotice();
    else hideNotice();
  }

  window.addEventListener("offline", check);
  window.addEventListener("online", check);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", check);
  else check();

  if (!("serviceWorker" in navigator) || window.isSecureContext === false) return;
  navigator.serviceWorker.addEventListener("message", function (event) {
    var d = event.data || {};
    var html = document.documentElement;
    var from = navigator.serviceWorker.controller;
    if (from && event.source !== from) return; // a replaced worker's late answer
    if (/^cm-(version|active)$/.test(d.type) && typeof d.version === "string") {
      html.setAttribute("data-cm-version", d.version); // it has finished taking over
    }
    if (d.type === "cm-version" && d.cached === true) {
      fromCache = true;
      check();
    }
    if (d.type === "cm-kept") html.setAttribute("data-cm-kept", String(d.count));
  });
  if (navigator.serviceWorker.controller) tell({ type: "cm-version" }); // was this page cached?
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    tell({ type: "cm-version" });
    keepShortlist();
  });
  // After the page has loaded and settled: the first visit's own requests come first.
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      navigator.serviceWorker.register(root + "sw.js", { scope: root }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function () {
        document.documentElement.setAttribute("data-cm-offline-ready", "");
        tell({ type: "cm-version" });
        keepShortlist();
      }).catch(function () {});
    }, 2000);
  });
  // A shortlist change on this page: keep the new activity too.
  document.addEventListener("click", function (event) {
    var t = event.target;
    if (t && t.closest && t.closest("[data-shortlist-id]")) window.setTimeout(keepShortlist, 0);
  });
  window.addEventListener("online", keepShortlist); // one added while offline could not be kept
})();
