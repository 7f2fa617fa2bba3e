/* Community Map: the map page around the map iframe (built by build_tools/site/mapping.py).
 *
 * The map itself (assets/js/map-frame.js) tells this page where it is; this page keeps the
 * address bar shareable (#lat=..&lon=..&z=.. or #activity=<id>, with replaceState, so the
 * Back button is not filled with map moves), points "View these activities as a list" at the
 * finder for the nearest area, and sends the map the key's ticks, the town jumps and the
 * "Near me" position. Messages are accepted only from the iframe, on this origin.
 */
(function () {
  "use strict";

  var frame = document.getElementById("cm-map-frame");
  if (!frame || !window.postMessage) return;
  var root = frame.closest(".cm-mappage");
  var jump = document.getElementById("cm-map-jump");
  var town = document.getElementById("cm-map-town");
  var locate = document.getElementById("cm-map-locate");
  var key = document.getElementById("cm-map-key");
  var status = document.getElementById("cm-map-status");
  var list = document.getElementById("cm-map-list");
  var listArea = list && list.querySelector(".cm-map-list__area");
  var finder = list ? list.getAttribute("data-finder") : "";
  var townZoom = parseInt(root.getAttribute("data-town-zoom"), 10) || 13;
  var region = root.getAttribute("data-region") || "the region";
  var bounds = (root.getAttribute("data-bounds") || "-90,-180,90,180").split(",").map(Number);
  var origin = window.location.origin && window.location.origin !== "null"
    ? window.location.origin : "*";
  var total = 0;
  var boxes = key ? key.querySelectorAll('input[type="checkbox"]') : [];

  function send(msg) {
    if (frame.contentWindow) frame.contentWindow.postMessage(msg, origin);
  }

  function say(message) {
    // Clear first so the same words said twice are announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  // 12,345 (by hand: toLocaleString is slow enough to show up in a profile)
  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function plural(n) {
    return number(n) + " activit" + (n === 1 ? "y" : "ies");
  }

  /* ---- From the map --------------------------------------------------------------- */

  var areaNames = {};
  Array.prototype.forEach.call(town.options, function (opt) {
    if (opt.value) areaNames[opt.value] = opt.getAttribute("data-area") || opt.textContent;
  });

  var lastShown = -1;
  window.addEventListener("message", function (e) {
    if (e.source !== frame.contentWindow) return;
    if (origin !== "*" && e.origin !== origin) return;
    var d = e.data;
    if (!d || typeof d !== "object") return;
    if (d.type === "cm-map-state") {
      if (typeof d.hash === "string" && /^#[a-z0-9=&.\-]+$/i.test(d.hash) &&
          d.hash !== window.location.hash) {
        history.replaceState(history.state, "", d.hash);
      }
      if (list) {
        var area = typeof d.area === "string" && areaNames.hasOwnProperty(d.area) ? d.area : "";
        list.href = area ? finder + "?area=" + encodeURIComponent(area) : finder;
        listArea.textContent = area ? "(" + areaNames[area] + ")" : "";
      }
      if (Array.isArray(d.hidden)) { // e.g. a link to an activity whose category was unticked
        Array.prototype.forEach.call(boxes, function (box) {
          box.checked = d.hidden.indexOf(box.value) < 0;
        });
      }
      total = Number(d.total) || total;
      var shown = Number(d.shown);
      if (lastShown >= 0 && shown !== lastShown) {
        say("Showing " + number(shown) + " of " + plural(total) + ".");
      }
      lastShown = shown;
    } else if (d.type === "cm-map-missing") {
      say("That activity is not on the map: it may not meet in person.");
    }
  });

  /* ---- To the map ------------------------------------------------------------------ */

  window.addEventListener("hashchange", function () {
    send({type: "cm-map-hash", hash: window.location.hash});
  });

  function sendFilter() {
    var hidden = [];
    Array.prototype.forEach.call(boxes, function (box) {
      if (!box.checked) hidden.push(box.value);
    });
    send({type: "cm-map-filter", hidden: hidden});
  }
  if (key) {
    key.addEventListener("change", sendFilter);
    key.addEventListener("submit", function (e) { e.preventDefault(); });
    var all = key.querySelector(".cm-map-key__all");
    all.addEventListener("click", function (e) {
      var which = e.target.closest("[data-cm-all]");
      if (!which) return;
      var show = which.getAttribute("data-cm-all") === "show";
      Array.prototype.forEach.call(boxes, function (box) { box.checked = show; });
      sendFilter();
    });
  }

  // Keyboard users can pass the map (and its many pins) to reach the key.
  var skip = document.getElementById("cm-map-skip");
  if (skip && key) {
    skip.hidden = false;
    skip.addEventListener("click", function (e) {
      e.preventDefault(); // no #fragment: the address holds the map's view
      var first = key.querySelector("input");
      if (first) first.focus();
    });
  }

  jump.addEventListener("submit", function (e) {
    e.preventDefault();
    var opt = town.options[town.selectedIndex];
    if (!opt || !opt.value) {
      say("Choose a town first.");
      town.focus();
      return;
    }
    send({
      type: "cm-map-goto",
      lat: parseFloat(opt.getAttribute("data-lat")),
      lon: parseFloat(opt.getAttribute("data-lon")),
      zoom: townZoom
    });
    say("The map shows " + opt.textContent + ".");
  });

  if (!navigator.geolocation) {
    locate.hidden = true;
  } else {
    locate.addEventListener("click", function () {
      // Asked only when pressed; the position goes to the map in this page, nowhere else.
      say("Finding where you are…");
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        locate.disabled = false;
        var lat = pos.coords.latitude, lon = pos.coords.longitude;
        if (!(lat >= bounds[0] && lat <= bounds[2] && lon >= bounds[1] && lon <= bounds[3])) {
          say("You seem to be outside " + region + ", so the map has not moved. " +
              "Choose a town instead.");
          return;
        }
        send({
          type: "cm-map-goto", here: true, zoom: townZoom,
          lat: lat, lon: lon
        });
        say("The map shows activities near you.");
      }, function (err) {
        locate.disabled = false;
        say(err.code === 1
          ? "The map cannot see where you are: your browser did not allow it. Choose a town instead."
          : "Your position could not be found. Choose a town instead.");
      }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 0});
    });
  }

  // The map may have started before this script: ask it where it is.
  send({type: "cm-map-hello"});
  frame.addEventListener("load", function () { send({type: "cm-map-hello"}); });
})();
