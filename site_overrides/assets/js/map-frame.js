/* Community Map: the map inside assets/map/frame.html (built by build_tools/site/mapping.py).
 *
 * Folium writes the Leaflet map, the tile layer and the activity layer
 * (CommunityMap.clusters). The clustering runs in a Web Worker (assets/js/map-worker.js,
 * with the vendored supercluster): this file gives it the URL of the points, asks it for
 * the clusters and pins of the view after every move, and draws only those, a few at a time
 * so that no task is long. It also builds the popups and tooltips (DOM with textContent
 * only: provider text never meets innerHTML; a popup's summary and times are fetched from
 * its chunk of assets/map/<frame>-data/ when it opens), keyboard support, the deep links
 * (#activity=<id>, #lat=..&lon=..&z=..) and the messages to and from the map page around the
 * iframe (assets/js/map-page.js), which owns the address bar, the category checkboxes, the
 * town jumps and "Near me".
 */
(function () {
  "use strict";

  // Defaults for the map and tile layer Folium creates after this file has run (Folium sets
  // neither option). Tiles appear without their fade-in (no opacity animation frame after
  // frame, and the old zoom's tiles go at once instead of staying under the new ones), and a
  // zoom fetches its tiles once it ends rather than on its way. At 10,000 activities, 4x
  // CPU slowdown: less style recalculation while panning and zooming in every run, and on a
  // heavily loaded machine about half the main-thread blocking (no change when it is idle).
  L.Map.mergeOptions({fadeAnimation: false});
  L.TileLayer.mergeOptions({updateWhenZooming: false});

  var CM = (window.CommunityMap = {});
  var config = null;   // {categories, areas, link, areaZoom, total, details, chunk, worker...}
  var icons = [];      // category index -> L.DivIcon
  var hidden = {};     // category index -> true when unticked
  var map = null;
  var layer = null;    // the L.FeatureGroup of what is drawn
  var worker = null;
  var popup = null;
  var tooltip = null;
  var popupIndex = -1; // the activity whose popup is open
  var popupPin = null; // ...and its pin's data
  var openedByKey = false;
  var ready = false;
  var moved = false;   // has the view changed since the map opened?
  var shown = 0;       // activities on the map (their categories ticked), from the worker

  var pending = "";    // the id of an #activity= link, until its popup is open
  var ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var DEEP_ZOOM = 16;
  var PAD = 0.5;       // draw half a screen around the view, for smooth panning
  var BUDGET = 8;      // ms of marker drawing per task before yielding to the browser
  var SPREAD = 22;     // px between pins at one place, spread round it at the deepest zoom

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function loadConfig() {
    if (config) return;
    config = readJSON("cm-map-config");
    config.categories.forEach(function (cat, i) { icons[i] = categoryIcon(cat); });
  }

  /* ---- The worker ---------------------------------------------------------------------- */

  var asked = 0, answers = {};

  function ask(msg) {
    msg.req = ++asked;
    return new Promise(function (resolve, reject) {
      answers[msg.req] = {resolve: resolve, reject: reject};
      worker.postMessage(msg);
    });
  }

  function startWorker() {
    var url = new URL(config.worker, document.baseURI).href;
    worker = new Worker(url);
    worker.onmessage = function (e) {
      var d = e.data, waiting = answers[d.req];
      delete answers[d.req];
      if (!waiting) return;
      if (d.error) waiting.reject(new Error(d.error)); else waiting.resolve(d);
    };
    worker.onerror = function () {
      failed("The map could not be drawn in this browser.");
    };
    // The worker fetches and parses the points itself: this page's main thread never does.
    return ask({
      type: "load",
      url: new URL(config.data, document.baseURI).href,
      library: new URL(config.library, document.baseURI).href,
      options: {radius: config.radius, maxZoom: config.clusterMaxZoom}
    }).then(function (d) { shown = d.shown; return d; });
  }

  function failed(message) {
    var note = el("p", "cm-noscript", message + " ");
    var link = el("a", null, "The list of activities");
    link.href = config.link.replace(/activities\/$/, "find/");
    link.target = "_top";
    note.appendChild(link);
    note.appendChild(document.createTextNode(" works without it."));
    (document.querySelector("main") || document.body).appendChild(note);
  }

  /* ---- Markers ------------------------------------------------------------------------ */

  function categoryIcon(cat) {
    // The icon SVG comes from the site's own vocabulary (schema/categories.yml), not from
    // providers; the shape inside the pin tells categories apart, not the colour alone.
    return L.divIcon({
      className: "cm-marker",
      html: '<span class="cm-pin" style="background-color:' + cat.colour + '">' + cat.svg +
        "</span>",
      iconSize: [32, 32],
      iconAnchor: [16, 16],
      popupAnchor: [0, -14],
      tooltipAnchor: [0, -16]
    });
  }

  // A pin's data, from the worker: [1, i, lat, lon, name, shown category, paused, id,
  // [categories], k, n, marked]; a cluster's: [0, cluster id, count, lat, lon, marked].
  function pinLabel(p) {
    return p[4] + " (" + config.categories[p[5]].name + (p[6] ? ", paused" : "") + ")";
  }

  var ActivityMarker = L.Marker.extend({
    _initIcon: function () {
      L.Marker.prototype._initIcon.call(this);
      // Leaflet gives keyboard markers tabindex=0 and role=button; a divIcon has no text,
      // so name it here.
      if (this.cmPin) this._icon.setAttribute("aria-label", pinLabel(this.cmPin));
      this._icon.cmMarker = this;
    }
  });

  var ClusterIcon = L.DivIcon.extend({
    createIcon: function (oldIcon) {
      var div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      div.setAttribute("aria-label", this.options.label);
      return div;
    }
  });

  // 12,345: by hand, as toLocaleString costs more than the rest of a cluster icon.
  function formatCount(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  var COMPASS = ["north", "north-east", "east", "south-east", "south", "south-west", "west",
    "north-west"];

  // The area town (schema/areas.yml, in the config) nearest to a point, and how far.
  function nearestTown(latlng) {
    var best = null, bestD = Infinity;
    config.areas.forEach(function (area) {
      var d = latlng.distanceTo([area.lat, area.lon]);
      if (d < bestD) { bestD = d; best = area; }
    });
    return best ? {area: best, metres: bestD} : null;
  }

  // Where a cluster is, in words: "near Maidstone", or "6 km north-east of Maidstone", so
  // that clusters of the same size can be told apart.
  function placeWords(latlng) {
    var near = nearestTown(latlng);
    if (!near) return "";
    var town = near.area.town || near.area.name;
    var km = Math.round(near.metres / 1000);
    if (km < 2) return " near " + town;
    var dy = latlng.lat - near.area.lat;
    var dx = (latlng.lng - near.area.lon) * Math.cos(latlng.lat * Math.PI / 180);
    var angle = (Math.atan2(dx, dy) * 180 / Math.PI + 360) % 360;
    return " " + km + " km " + COMPASS[Math.round(angle / 45) % 8] + " of " + town;
  }

  // Cluster icons are focusable buttons (the marker's keyboard option) announced with their
  // size and place.
  function clusterIcon(n, latlng) {
    var size = n < 10 ? 36 : n < 100 ? 42 : n < 1000 ? 48 : 56;
    return new ClusterIcon({
      html: "<span>" + formatCount(n) + "</span>",
      className: "marker-cluster cm-cluster",
      iconSize: [size, size],
      label: "Cluster of " + formatCount(n) + " activit" + (n === 1 ? "y" : "ies") +
        placeWords(latlng) + ": zoom in"
    });
  }

  function keyOf(f) {
    // A cluster id is only an index into the worker's current tree: a re-clustered tree
    // (after a filter) may give the same id to another cluster, so its count and place
    // are part of the key.
    return f[0] ? "p" + f[1] + "," + f[5] + "," + f[9] + "/" + f[10]
      : "c" + f[1] + "," + f[2] + "," + f[3] + "," + f[4];
  }

  function makeMarker(f, zoom) {
    var m;
    if (f[0]) {
      var latlng = L.latLng(f[2], f[3]);
      if (f[10] > 1) { // one of several at the same place: spread round it
        var angle = 2 * Math.PI * f[9] / f[10];
        var r = Math.max(SPREAD, SPREAD * f[10] / (2 * Math.PI));
        var pt = map.project(latlng, zoom).add([r * Math.cos(angle), r * Math.sin(angle)]);
        latlng = map.unproject(pt, zoom);
      }
      m = new ActivityMarker(latlng, {
        icon: icons[f[5]],
        keyboard: true,
        autoPanOnFocus: false, // Tab reaches only pins in view (see keyboard), so never pan
        riseOnHover: true
      });
      m.cmPin = f;
      m.cmIndex = f[1];
    } else {
      var at = L.latLng(f[3], f[4]);
      m = new ActivityMarker(at, {
        icon: clusterIcon(f[2], at), keyboard: true, autoPanOnFocus: false
      });
      m.cmCluster = f;
    }
    m.cmMarked = !!f[f[0] ? 11 : 5];
    return m;
  }

  /* ---- Drawing a view ---------------------------------------------------------------- */

  var drawn = {};       // key -> marker drawn now
  var pins = {};        // activity index -> its pin, when drawn
  var viewSeq = 0;      // the last view asked for
  var drawnSeq = 0;     // the last view fully drawn
  var afterDraw = [];   // [seq, fn]: run once view `seq` (or a later one) is drawn
  var drawing = null;   // the timer of a drawing in progress
  var markNext = false; // flag what holds the cluster just expanded (see openCluster)

  function viewBox() {
    var b = map.getBounds().pad(PAD);
    return [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
      Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
  }

  function requestView() {
    var seq = ++viewSeq;
    var zoom = Math.round(map.getZoom());
    var mark = markNext;
    markNext = false;
    return ask({type: "view", bbox: viewBox(), zoom: zoom, mark: mark}).then(function (d) {
      if (seq !== viewSeq) return; // the map moved again: that answer is coming
      draw(d.features, zoom, seq);
    });
  }

  function draw(features, zoom, seq) {
    if (drawing) { window.clearTimeout(drawing); drawing = null; }
    var want = {}, add = [];
    features.forEach(function (f) {
      var key = keyOf(f);
      want[key] = true;
      var old = drawn[key];
      if (old) { old.cmMarked = !!f[f[0] ? 11 : 5]; return; } // kept (focus stays on it)
      add.push(f);
    });
    Object.keys(drawn).forEach(function (key) {
      if (want[key]) return;
      var m = drawn[key];
      if (m.cmIndex !== undefined && pins[m.cmIndex] === m) delete pins[m.cmIndex];
      layer.removeLayer(m);
      delete drawn[key];
    });
    // Pins and clusters in view first, then the margin around it.
    var centre = map.getCenter();
    add.sort(function (a, b) {
      var la = a[0] ? a : [0, 0, 0, a[3], a[4]], lb = b[0] ? b : [0, 0, 0, b[3], b[4]];
      var da = Math.abs((a[0] ? la[2] : la[3]) - centre.lat) +
        Math.abs((a[0] ? la[3] : la[4]) - centre.lng);
      var db = Math.abs((b[0] ? lb[2] : lb[3]) - centre.lat) +
        Math.abs((b[0] ? lb[3] : lb[4]) - centre.lng);
      return da - db;
    });
    var next = 0;
    function step() {
      drawing = null;
      var t0 = performance.now();
      while (next < add.length) {
        var f = add[next++];
        var m = makeMarker(f, zoom);
        drawn[keyOf(f)] = m;
        if (f[0]) pins[f[1]] = m;
        layer.addLayer(m);
        if (performance.now() - t0 > BUDGET) break;
      }
      if (next < add.length) {
        drawing = window.setTimeout(step, 0);
        return;
      }
      drawnSeq = seq;
      drew();
    }
    step();
  }

  function drew() {
    var due = afterDraw.filter(function (w) { return w[0] <= drawnSeq; });
    afterDraw = afterDraw.filter(function (w) { return w[0] > drawnSeq; });
    if (busy && drawnSeq >= busyUntil) setBusy(false);
    queueRefresh();
    if (!document.documentElement.classList.contains("cm-map-ready")) {
      document.documentElement.classList.add("cm-map-ready");
      if (window.performance && performance.mark) performance.mark("cm-map-markers");
    }
    due.forEach(function (w) { w[1](); });
    sendState();
  }

  // Run fn once what the map shows after the next move (or now, if none comes) is drawn.
  function whenDrawn(fn) {
    afterDraw.push([viewSeq + 1, fn]);
  }

  var busy = false, busyUntil = 0;
  function setBusy(on) {
    busy = on;
    document.documentElement.classList.toggle("cm-map-busy", on);
  }

  /* ---- Popups and tooltips (text only, built with the DOM) --------------------------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function activityURL(id) {
    return config.link + encodeURIComponent(id) + "/";
  }

  // A popup's summary and times: one JSON file per `config.chunk` activities, fetched when
  // the first of them opens ([id, summary, [when]] each).
  var chunks = {};
  function details(i) {
    var n = Math.floor(i / config.chunk);
    if (!chunks[n]) {
      var url = new URL(config.details.replace("{n}", String(n)), document.baseURI).href;
      chunks[n] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      });
      chunks[n].catch(function () { delete chunks[n]; }); // try again next time
    }
    return chunks[n].then(function (rows) { return rows[i - n * config.chunk]; });
  }

  function popupContent(p, more) {
    var box = el("div", "cm-popup");
    var heading = el("h2", "cm-popup__title");
    var link = el("a", null, p[4]);
    link.href = activityURL(p[7]);
    link.target = "_top"; // the activity page opens in the window, not inside the map
    heading.appendChild(link);
    box.appendChild(heading);
    var cats = el("p", "cm-popup__cats");
    cats.textContent = p[8].map(function (c) { return config.categories[c].name; }).join(" · ");
    box.appendChild(cats);
    if (p[6]) box.appendChild(el("p", "cm-popup__paused", "Paused: not meeting at the moment."));
    if (more && more[0] === p[7]) { // the same build's chunk (an old cached one is not used)
      box.appendChild(el("p", "cm-popup__summary", more[1]));
      if (more[2].length) {
        var when = el("ul", "cm-popup__when");
        more[2].forEach(function (line) { when.appendChild(el("li", null, line)); });
        box.appendChild(when);
      }
    }
    var page = el("a", "cm-popup__more", "Details, contact and how to join");
    page.href = activityURL(p[7]);
    page.target = "_top";
    box.appendChild(el("p")).appendChild(page);
    return box;
  }

  var opening = 0;
  function openPopup(i, byKey) {
    var m = pins[i];
    if (!m) return;
    var ticket = ++opening;
    details(i).catch(function () { return null; }).then(function (more) {
      if (ticket !== opening || pins[i] !== m || !m._map) return;
      openedByKey = !!byKey;
      popupIndex = i;
      popupPin = m.cmPin;
      map.closeTooltip(tooltip);
      // As wide as the map allows on a phone, clear of the zoom buttons and attribution.
      var width = Math.max(160, Math.min(300, map.getSize().x - 90));
      L.setOptions(popup, {maxWidth: width, minWidth: Math.min(200, width)});
      popup.setLatLng(m.getLatLng()).setContent(popupContent(m.cmPin, more)).openOn(map);
    });
  }

  function showTooltip(m) {
    if (!m.cmPin) return;
    if (popupIndex === m.cmIndex && map.hasLayer(popup)) return;
    tooltip.setLatLng(m.getLatLng()).setContent(el("span", null, m.cmPin[4]));
    map.openTooltip(tooltip);
  }

  /* ---- Views and deep links ---------------------------------------------------------- */

  function parseHash(hash) {
    var out = {};
    (hash || "").replace(/^#/, "").split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq > 0) {
        try {
          out[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1));
        } catch (e) { /* a malformed escape: ignore that part */ }
      }
    });
    return out;
  }

  function initialHash() {
    // Same origin as the page around it: read its address directly (no message round trip,
    // so the map starts at the right place). Opened on its own, use the frame's own hash.
    try {
      if (window.parent !== window && window.parent.location.hash) {
        return window.parent.location.hash;
      }
    } catch (e) { /* not the same origin (e.g. opened from a file): fall back */ }
    return window.location.hash;
  }

  function viewFromHash(h) {
    var lat = parseFloat(h.lat), lon = parseFloat(h.lon), z = parseInt(h.z, 10);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 85 || Math.abs(lon) > 180) {
      return null;
    }
    if (!isFinite(z)) z = 13;
    z = Math.max(map.getMinZoom() || 0, Math.min(map.getMaxZoom(), z));
    return {centre: [lat, lon], zoom: z};
  }

  // Zoom to an activity until it is a pin of its own, then open its popup. Its categories
  // unticked? Tick the first again to show it.
  function showActivity(id) {
    return ask({type: "find", id: id, from: Math.min(DEEP_ZOOM, map.getMaxZoom())})
      .then(function (d) {
        if (d.i < 0) { send({type: "cm-map-missing"}); return null; }
        if (d.hidden) {
          delete hidden[d.cat];
          return applyFilter().then(function () { return showActivity(id); });
        }
        var zoom = Math.min(d.zoom, map.getMaxZoom());
        var target = L.latLng(d.lat, d.lon);
        var here = map.getZoom() === zoom && map.getCenter().distanceTo(target) < 1;
        whenDrawn(function () { openPopup(d.i, false); });
        if (here) requestView(); else map.setView(target, zoom, {animate: false});
        return null;
      });
  }

  function applyHash(hash) {
    var h = parseHash(hash);
    if (h.activity) {
      if (!ID.test(h.activity)) { send({type: "cm-map-missing"}); return; }
      moved = true;
      showActivity(h.activity);
      return;
    }
    var view = viewFromHash(h);
    if (view) map.setView(view.centre, view.zoom);
  }

  // Before the tiles are added: start at the linked place, so no tile is fetched for a view
  // nobody sees, and start the worker, so it clusters while Leaflet sets up.
  var loaded = null;
  CM.init = function (leafletMap) {
    map = leafletMap;
    loadConfig();
    loaded = startWorker();
    var h = parseHash(initialHash());
    if (h.activity && ID.test(h.activity)) {
      pending = h.activity; // CM.start shows it once the worker has the rows
      return;
    }
    var view = viewFromHash(h);
    if (view) map.setView(view.centre, view.zoom, {animate: false});
  };

  function nearestArea() {
    if (map.getZoom() < config.areaZoom) return null;
    var c = map.getCenter(), best = null, bestD = Infinity;
    config.areas.forEach(function (area) {
      var d = c.distanceTo([area.lat, area.lon]);
      if (d < bestD) { bestD = d; best = area; }
    });
    return best;
  }

  function round(x, places) {
    var f = Math.pow(10, places);
    return Math.round(x * f) / f;
  }

  function currentHash() {
    if (!moved) return ""; // nothing to remember until the view changes
    if (popupIndex >= 0 && popupPin && map.hasLayer(popup)) {
      return "#activity=" + popupPin[7];
    }
    var c = map.getCenter();
    var z = map.getZoom();
    var places = z >= 14 ? 5 : z >= 10 ? 4 : 3;
    return "#lat=" + round(c.lat, places) + "&lon=" + round(c.lng, places) + "&z=" + z;
  }

  /* ---- The page around the map ------------------------------------------------------- */

  function inFrame() {
    return window.parent && window.parent !== window;
  }

  function targetOrigin() {
    return window.location.origin && window.location.origin !== "null"
      ? window.location.origin : "*";
  }

  function send(msg) {
    if (inFrame()) window.parent.postMessage(msg, targetOrigin());
  }

  function sendState() {
    if (!ready) return;
    var area = nearestArea();
    send({
      type: "cm-map-state",
      hash: currentHash(),
      area: area ? area.id : "",
      shown: shown,
      total: config.total,
      hidden: config.categories.filter(function (c, k) { return hidden[k]; })
        .map(function (c) { return c.id; })
    });
  }

  // An activity is on the map while any of its categories is ticked; its pin shows the
  // first ticked one, so the pins always match the key. The worker re-clusters what is
  // left; the page is busy until that view is drawn.
  function applyFilter() {
    setBusy(true);
    var list = Object.keys(hidden).map(Number);
    return ask({type: "filter", hidden: list}).then(function (d) {
      shown = d.shown;
      var check = popupIndex >= 0 && map.hasLayer(popup)
        ? ask({type: "shown", i: popupIndex}) : Promise.resolve({shown: true});
      return check.then(function (c) {
        if (!c.shown) map.closePopup(popup);
        busyUntil = viewSeq + 1;
        return requestView();
      });
    });
  }

  function onMessage(e) {
    if (e.source !== window.parent || e.origin !== window.location.origin) return;
    var d = e.data;
    if (!d || typeof d !== "object" || !ready) return;
    if (d.type === "cm-map-filter" && Array.isArray(d.hidden)) {
      hidden = {};
      config.categories.forEach(function (cat, k) {
        if (d.hidden.indexOf(cat.id) >= 0) hidden[k] = true;
      });
      applyFilter();
    } else if (d.type === "cm-map-goto") {
      var lat = Number(d.lat), lon = Number(d.lon), z = Number(d.zoom) || 13;
      if (!isFinite(lat) || !isFinite(lon)) return;
      map.closePopup(popup);
      moved = true;
      map.setView([lat, lon], Math.min(z, map.getMaxZoom()));
      if (d.here) showHere([lat, lon]);
    } else if (d.type === "cm-map-hash" && typeof d.hash === "string") {
      if (d.hash !== currentHash()) applyHash(d.hash);
    } else if (d.type === "cm-map-hello") {
      sendState();
    }
  }

  var here = null;
  function showHere(latlng) {
    if (here) map.removeLayer(here);
    here = L.circleMarker(latlng, {
      radius: 9, weight: 3, color: "#ffffff", fillColor: "#1a237e", fillOpacity: 1,
      interactive: false
    }).addTo(map);
  }

  /* ---- Keyboard: what Tab reaches, cluster zooms, popups ---------------------------- */

  // Tab reaches only what is on screen, in screen order (rows top to bottom, each left to
  // right): a pin or cluster off the visible map, at its very edge or under a control (the
  // zoom buttons, the scale bar, the attribution) has tabindex=-1 until the map moves.
  var EDGE = 4;   // px a focusable marker keeps clear of the map's edge and of controls
  var ROW = 40;   // px: markers whose centres are this close in height share a row
  var refreshQueued = false;
  var live = null;

  function say(message) {
    if (!live) return;
    live.textContent = ""; // emptied first, so the same words said twice are heard twice
    window.setTimeout(function () { live.textContent = message; }, 50);
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function markerIcons() {
    return Array.prototype.slice.call(map.getPane("markerPane").children);
  }

  // Where an icon is, in the container's pixels, from Leaflet's own projection (no layout
  // read per icon: with dozens of icons that is what made this refresh a long task).
  function iconBox(icon, origin) {
    var m = icon.cmMarker;
    if (!m || !m._map) {
      var r = icon.getBoundingClientRect();
      return {left: r.left - origin.left, top: r.top - origin.top,
        right: r.right - origin.left, bottom: r.bottom - origin.top, width: r.width};
    }
    var o = m.options.icon.options;
    var size = L.point(o.iconSize || [0, 0]);
    var anchor = o.iconAnchor ? L.point(o.iconAnchor) : size.divideBy(2);
    var at = map.latLngToContainerPoint(m.getLatLng()).subtract(anchor);
    return {left: at.x, top: at.y, right: at.x + size.x, bottom: at.y + size.y, width: size.x};
  }

  function refreshKeyboard() {
    refreshQueued = false;
    if (!map) return;
    var container = map.getContainer();
    var origin = container.getBoundingClientRect();
    var size = map.getSize();
    var box = {left: 0, top: 0, right: size.x, bottom: size.y};
    var controls = [];
    var nodes = container.querySelectorAll(".leaflet-control");
    for (var c = 0; c < nodes.length; c++) {
      var cr = nodes[c].getBoundingClientRect();
      if (cr.width && cr.height) {
        controls.push({left: cr.left - origin.left, right: cr.right - origin.left,
          top: cr.top - origin.top, bottom: cr.bottom - origin.top});
      }
    }
    var items = markerIcons().map(function (icon) {
      var r = iconBox(icon, origin);
      var onScreen = r.width > 0 && icon.style.opacity !== "0" &&
        r.left >= box.left + EDGE && r.right <= box.right - EDGE &&
        r.top >= box.top + EDGE && r.bottom <= box.bottom - EDGE &&
        !controls.some(function (cr) {
          return overlaps(cr, {left: r.left - EDGE, right: r.right + EDGE,
            top: r.top - EDGE, bottom: r.bottom + EDGE});
        });
      var want = onScreen ? "0" : "-1";
      if (icon.getAttribute("tabindex") !== want) icon.setAttribute("tabindex", want);
      return {icon: icon, row: Math.floor((r.top + r.bottom) / 2 / ROW), x: (r.left + r.right) / 2};
    });
    var sorted = items.slice().sort(function (a, b) { return a.row - b.row || a.x - b.x; });
    var active = document.activeElement;
    var pane = map.getPane("markerPane");
    // Move only the icons out of place (new ones are appended at the end by Leaflet).
    var moved = false;
    var at = pane.firstChild;
    sorted.forEach(function (it) {
      if (at === it.icon) { at = at.nextSibling; return; }
      pane.insertBefore(it.icon, at); // z-index is set on each, so drawing is unchanged
      moved = true;
    });
    if (moved && active && pane.contains(active) && document.activeElement !== active) {
      active.focus({preventScroll: true});
    }
  }

  function queueRefresh() {
    if (refreshQueued) return;
    refreshQueued = true;
    window.requestAnimationFrame(refreshKeyboard);
  }

  function focusable(icon) {
    return icon && icon.getAttribute("tabindex") === "0" && icon.getClientRects().length > 0;
  }

  // Focus a marker without letting the browser scroll (pan) the map to it.
  function focusIcon(icon) {
    if (icon) icon.focus({preventScroll: true});
  }

  // After a zoom has been drawn: focus the first (in screen order) of what holds the
  // expanded cluster's activities now (the worker marked them), and say what happened.
  function focusMarked(message) {
    refreshKeyboard();
    var order = markerIcons();
    var targets = order.filter(function (icon) {
      return icon.cmMarker && icon.cmMarker.cmMarked;
    });
    var target = targets.filter(focusable)[0] || targets[0];
    if (target) {
      if (!focusable(target)) target.setAttribute("tabindex", "0");
      focusIcon(target);
    } else {
      map.getContainer().focus({preventScroll: true});
    }
    say(message);
  }

  function activities(n) {
    return formatCount(n) + " activit" + (n === 1 ? "y" : "ies");
  }

  // Enter or Space on a cluster: zoom to it (to the deepest zoom, with its pins spread
  // round, when they are all at one place), then focus the first pin or cluster of what
  // was inside and announce it.
  function openCluster(m) {
    var f = m.cmCluster;
    ask({type: "expand", id: f[1]}).then(function (d) {
      var bounds = L.latLngBounds(d.bounds);
      var near = nearestTown(bounds.getCenter());
      var town = near ? " around " + (near.area.town || near.area.name) : "";
      var max = map.getMaxZoom();
      var zoom, message;
      if (d.single || d.zoom > max) {
        zoom = max;
        message = "Spread out: " + activities(d.n) + " at one place" + town;
      } else {
        var fit = map.getBoundsZoom(bounds, false, L.point(96, 96));
        zoom = Math.min(max, Math.max(d.zoom, fit));
        message = "Zoomed in: " + activities(d.n) + town;
      }
      moved = true;
      markNext = true;
      whenDrawn(function () {
        window.setTimeout(function () { focusMarked(message); }, 0);
      });
      map.setView(bounds.getCenter(), zoom);
    });
  }

  // Keys inside an open popup: Escape closes it, the close button answers Space as well as
  // Enter (focus goes back to the pin), and Tab past its last link goes on to the next pin.
  function popupKeys(event) {
    var box = popup.getElement();
    var m = pins[popupIndex];
    var pin = m && m._icon;
    if (!box || !pin) return;
    var key = event.key;
    var onClose = event.target.classList.contains("leaflet-popup-close-button");
    if (key === "Escape" || (onClose && (key === " " || key === "Enter"))) {
      L.DomEvent.stop(event);
      openedByKey = true; // popupclose puts focus back on the pin
      map.closePopup(popup);
      return;
    }
    if (key !== "Tab") return;
    var stops = Array.prototype.filter.call(
      box.querySelectorAll("a[href], button"), function (e) { return e.getClientRects().length; }
    );
    if (event.shiftKey && event.target === stops[0]) {
      event.preventDefault();
      focusIcon(pin);
    } else if (!event.shiftKey && event.target === stops[stops.length - 1]) {
      var order = markerIcons().filter(focusable);
      var next = order[order.indexOf(pin) + 1];
      if (!next) return; // the last pin: on to the map's controls
      event.preventDefault();
      openedByKey = false;
      map.closePopup(popup);
      focusIcon(next);
    }
  }

  /* ---- Start ------------------------------------------------------------------------- */

  function target(e) {
    return e.propagatedFrom || e.layer;
  }

  function wire() {
    popup = L.popup({autoPanPaddingTopLeft: [56, 16], autoPanPaddingBottomRight: [16, 36]});
    tooltip = L.tooltip({direction: "top", offset: [0, -14], opacity: 1});

    layer.on("click", function (e) {
      var m = target(e);
      if (!m) return;
      if (m.cmCluster) openCluster(m); else openPopup(m.cmIndex, false);
    });
    // Leaflet turns Enter on a marker into "keypress"; buttons also answer to Space.
    layer.on("keypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      var m = target(e);
      if ((key === "Enter" || key === " ") && m) {
        L.DomEvent.preventDefault(e.originalEvent);
        if (m.cmCluster) openCluster(m); else openPopup(m.cmIndex, true);
      }
    });
    live = el("p", "cm-visually-hidden");
    live.id = "cm-map-say";
    live.setAttribute("role", "status");
    (document.querySelector("main") || document.body).appendChild(live);
    // Escape on the pin whose popup is open closes it too.
    map.getPane("markerPane").addEventListener("keydown", function (event) {
      if (event.key === "Escape" && popupIndex >= 0 && map.hasLayer(popup)) {
        L.DomEvent.stop(event);
        openedByKey = true;
        map.closePopup(popup);
      }
    });
    map.on("moveend", function () { requestView(); });
    map.on("moveend zoomend resize", queueRefresh);
    if (window.MutationObserver) {
      new MutationObserver(queueRefresh).observe(map.getPane("markerPane"), {childList: true});
    }
    layer.on("mouseover", function (e) { var m = target(e); if (m) showTooltip(m); });
    layer.on("mouseout", function () { map.closeTooltip(tooltip); });

    var container = map.getContainer();
    container.addEventListener("focusin", function (e) {
      if (e.target.cmMarker) showTooltip(e.target.cmMarker);
    });
    container.addEventListener("focusout", function () { map.closeTooltip(tooltip); });

    map.on("popupopen", function (e) {
      if (e.popup !== popup) return;
      var box = popup.getElement();
      if (box && !box.cmKeys) {
        box.cmKeys = true;
        box.addEventListener("keydown", popupKeys);
      }
      map.closeTooltip(tooltip);
      moved = true;
      if (openedByKey) {
        var link = popup.getElement().querySelector(".cm-popup__title a");
        if (link) link.focus();
      }
      sendState();
    });
    map.on("popupclose", function (e) {
      if (e.popup !== popup) return;
      var m = pins[popupIndex];
      var back = openedByKey && m && m._icon;
      popupIndex = -1;
      popupPin = null;
      openedByKey = false;
      if (back) focusIcon(m._icon);
      sendState();
    });
    // Remember the view once someone moves the map (not when the iframe is resized).
    map.on("dragstart zoomstart", function () { moved = true; });
    map.on("moveend", sendState);
    window.addEventListener("message", onMessage);
    window.addEventListener("hashchange", function () { applyHash(window.location.hash); });
  }

  // Folium's activity layer: an empty FeatureGroup on the map, filled view by view.
  CM.clusters = function (leafletMap) {
    map = leafletMap;
    layer = L.featureGroup().addTo(map);
    return layer;
  };

  // The cluster ids of a drawn cluster marker's activities (for tests and tools).
  CM.leaves = function (marker) {
    if (marker && marker.cmPin) return Promise.resolve([marker.cmIndex]);
    if (!marker || !marker.cmCluster) return Promise.resolve([]);
    return ask({type: "leaves", id: marker.cmCluster[1]}).then(function (d) { return d.leaves; });
  };

  // After Folium has added the layer: wire events, then draw the first view (or follow an
  // #activity= link) once the worker has clustered.
  CM.start = function (leafletMap, activityLayer) {
    map = leafletMap;
    layer = activityLayer;
    loadConfig();
    wire();
    setBusy(true);
    busyUntil = 1;
    loaded.then(function () {
      ready = true; // from now on the state sent to the page is the worker's
      if (pending) {
        var id = pending;
        pending = "";
        moved = true;
        return showActivity(id).then(function () {
          if (viewSeq === 0) requestView(); // not on the map: draw the default view
        });
      }
      return requestView();
    }).catch(function (err) {
      failed("The map could not be drawn (" + err.message + ").");
    });
  };
})();
