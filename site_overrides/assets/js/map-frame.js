/* Community Map: the map inside assets/map/frame.html (built by build_tools/site/mapping.py).
 *
 * Folium writes the Leaflet map, the tile layer and a FastMarkerCluster whose callback is
 * CommunityMap.marker; this file builds each marker from compact rows, the popups and
 * tooltips (DOM with textContent only: provider text never meets innerHTML), keyboard
 * support, the deep links (#activity=<id>, #lat=..&lon=..&z=..) and the messages to and from
 * the map page around the iframe (assets/js/map-page.js), which owns the address bar, the
 * category checkboxes, the town jumps and "Near me".
 */
(function () {
  "use strict";

  var CM = (window.CommunityMap = {});
  var config = null;   // {categories, areas, link, areaZoom, total, activities}
  var rows = null;     // activity i -> [id, name, summary, [when], [categories], paused, lat, lon]
  var markers = [];    // activity i -> marker
  var byId = {};       // id -> activity i
  var icons = [];      // category index -> L.DivIcon
  var hidden = {};     // category index -> true when unticked
  var map = null;
  var cluster = null;
  var popup = null;
  var tooltip = null;
  var popupIndex = -1; // the activity whose popup is open
  var openedByKey = false;
  var ready = false;
  var moved = false;   // has the view changed since the map opened?

  var pending = "";     // the id of an #activity= link, until its popup is open
  var ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var DEEP_ZOOM = 16;

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function loadConfig() {
    if (config) return;
    config = readJSON("cm-map-config");
    rows = config.activities || [];
    config.categories.forEach(function (cat, i) { icons[i] = categoryIcon(cat); });
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

  function firstShownCategory(cats) {
    for (var k = 0; k < cats.length; k++) {
      if (!hidden[cats[k]]) return cats[k];
    }
    return cats[0];
  }

  function label(i) {
    var a = rows[i];
    var cat = config.categories[firstShownCategory(a[4])];
    return a[1] + " (" + cat.name + (a[5] ? ", paused" : "") + ")";
  }

  var ActivityMarker = L.Marker.extend({
    _initIcon: function () {
      L.Marker.prototype._initIcon.call(this);
      // Leaflet gives keyboard markers tabindex=0 and role=button; a divIcon has no text,
      // so name it here (created only when the marker is drawn, not for all 10,000).
      this._icon.setAttribute("aria-label", label(this.cmIndex));
      this._icon.cmMarker = this;
    }
  });

  function makeMarker(lat, lon, i) {
    var a = rows[i];
    if (a[0] === pending) {
      // The #activity= link's marker: move there before the markers are clustered, so the
      // first clustering already happens around it.
      map.setView([lat, lon], Math.min(DEEP_ZOOM, map.getMaxZoom()), {animate: false});
    }
    var m = new ActivityMarker([lat, lon], {
      icon: icons[firstShownCategory(a[4])],
      keyboard: true,
      autoPanOnFocus: false, // Tab reaches only pins in view (see keyboard), so never pan
      riseOnHover: true
    });
    m.cmIndex = i;
    markers[i] = m;
    byId[a[0]] = i;
    return m;
  }

  // Folium's FastMarkerCluster loops over these rows, [lat, lon, activity index], and
  // passes each to CM.marker (its callback).
  CM.rows = function () {
    loadConfig();
    var out = new Array(rows.length);
    for (var i = 0; i < rows.length; i++) out[i] = [rows[i][6], rows[i][7], i];
    return out;
  };

  CM.marker = function (row) {
    loadConfig();
    return makeMarker(row[0], row[1], row[2]);
  };

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

  // Cluster icons are focusable buttons (Leaflet's keyboard option) announced with their
  // size and place.
  CM.clusterIcon = function (group) {
    var n = group.getChildCount();
    var size = n < 10 ? 36 : n < 100 ? 42 : n < 1000 ? 48 : 56;
    return new ClusterIcon({
      html: "<span>" + formatCount(n) + "</span>",
      className: "marker-cluster cm-cluster",
      iconSize: [size, size],
      label: "Cluster of " + formatCount(n) + " activit" + (n === 1 ? "y" : "ies") +
        // Where its activities are: during a zoom animation getLatLng() is the parent's.
        placeWords(group.getBounds().getCenter()) + ": zoom in"
    });
  };

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

  function popupContent(i) {
    var a = rows[i];
    var box = el("div", "cm-popup");
    var heading = el("h2", "cm-popup__title");
    var link = el("a", null, a[1]);
    link.href = activityURL(a[0]);
    link.target = "_top"; // the activity page opens in the window, not inside the map
    heading.appendChild(link);
    box.appendChild(heading);
    var cats = el("p", "cm-popup__cats");
    cats.textContent = a[4].map(function (c) { return config.categories[c].name; }).join(" · ");
    box.appendChild(cats);
    if (a[5]) box.appendChild(el("p", "cm-popup__paused", "Paused: not meeting at the moment."));
    box.appendChild(el("p", "cm-popup__summary", a[2]));
    if (a[3].length) {
      var when = el("ul", "cm-popup__when");
      a[3].forEach(function (line) { when.appendChild(el("li", null, line)); });
      box.appendChild(when);
    }
    var more = el("a", "cm-popup__more", "Details, contact and how to join");
    more.href = activityURL(a[0]);
    more.target = "_top";
    box.appendChild(el("p")).appendChild(more);
    return box;
  }

  function openPopup(i, byKey) {
    var m = markers[i];
    openedByKey = !!byKey;
    popupIndex = i;
    map.closeTooltip(tooltip);
    // As wide as the map allows on a phone, clear of the zoom buttons and attribution.
    var width = Math.max(160, Math.min(300, map.getSize().x - 90));
    L.setOptions(popup, {maxWidth: width, minWidth: Math.min(200, width)});
    popup.setLatLng(m.getLatLng()).setContent(popupContent(i)).openOn(map);
  }

  function showTooltip(m) {
    if (popupIndex === m.cmIndex && map.hasLayer(popup)) return;
    tooltip.setLatLng(m.getLatLng()).setContent(el("span", null, rows[m.cmIndex][1]));
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

  function activityFromHash(h) {
    if (!h.activity || !ID.test(h.activity) || !(h.activity in byId)) return -1;
    return byId[h.activity];
  }

  function showActivity(i) {
    var m = markers[i];
    if (!isShown(i)) { // its categories are unticked: tick the first again to show it
      delete hidden[rows[i][4][0]];
      applyFilter();
    }
    whenClustered(function () {
      cluster.zoomToShowLayer(m, function () { openPopup(i, false); });
    });
  }

  function applyHash(hash) {
    var h = parseHash(hash);
    if (h.activity) {
      var i = activityFromHash(h);
      if (i < 0) {
        send({type: "cm-map-missing"});
      } else {
        showActivity(i);
      }
      return;
    }
    var view = viewFromHash(h);
    if (view) map.setView(view.centre, view.zoom);
  }

  // Before the tiles and markers are added: start at the linked place, so no tile or
  // cluster is made for a view nobody sees.
  CM.init = function (leafletMap) {
    map = leafletMap;
    if (L.MarkerCluster) L.MarkerCluster.mergeOptions({autoPanOnFocus: false});
    if (L.MarkerClusterGroup && !L.MarkerClusterGroup.prototype.cmPadded) {
      // markercluster 1.1.0 draws clusters for three screens each way (nine times the
      // view); half a screen around it is enough for smooth panning and costs a quarter
      // of the DOM work at each zoom. (Pinned version: see assets/vendor/README.md.)
      L.MarkerClusterGroup.include({
        cmPadded: true,
        _getExpandedVisibleBounds: function () {
          return this._map.getBounds().pad(0.5);
        }
      });
    }
    loadConfig();
    var h = parseHash(initialHash());
    if (h.activity && ID.test(h.activity)) {
      pending = h.activity; // makeMarker moves the map when it meets this activity
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
    if (popupIndex >= 0 && map.hasLayer(popup)) {
      return "#activity=" + rows[popupIndex][0];
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

  function shownCount() {
    var n = 0;
    for (var i = 0; i < markers.length; i++) if (markers[i] && isShown(i)) n++;
    return n;
  }

  function sendState() {
    if (!ready) return;
    var area = nearestArea();
    send({
      type: "cm-map-state",
      hash: currentHash(),
      area: area ? area.id : "",
      shown: shownCount(),
      total: markers.length,
      hidden: config.categories.filter(function (c, k) { return hidden[k]; })
        .map(function (c) { return c.id; })
    });
  }

  function isShown(i) {
    var cats = rows[i][4];
    for (var k = 0; k < cats.length; k++) if (!hidden[cats[k]]) return true;
    return false;
  }

  // An activity is on the map while any of its categories is ticked; its pin shows the
  // first ticked one, so the pins always match the key.
  var busy = false, again = false, waiting = [];
  var firstDone = false; // has the first clustering finished (it may be chunked too)?

  function applyFilter() {
    if (busy) { again = true; return; } // a chunked add is running: apply after it
    var add = [], remove = [], keep = [];
    for (var i = 0; i < markers.length; i++) {
      var m = markers[i];
      if (!m) continue;
      var want = isShown(i), has = cluster.hasLayer(m);
      if (want) {
        var icon = icons[firstShownCategory(rows[i][4])];
        if (m.options.icon !== icon) {
          if (m._map) { m.setIcon(icon); } else { m.options.icon = icon; }
        }
        (has ? keep : add).push(m);
      } else if (has) {
        remove.push(m);
      }
    }
    if (popupIndex >= 0 && !isShown(popupIndex)) map.closePopup(popup);
    if (remove.length > 2000 && remove.length > keep.length) {
      // Removing most markers one by one costs more than starting again with the rest.
      cluster.clearLayers();
      add = add.concat(keep);
    } else if (remove.length) {
      cluster.removeLayers(remove);
    }
    if (add.length) {
      setBusy(true);
      cluster.addLayers(add); // chunked (see start): the page stays responsive
    } else {
      clustered();
    }
  }

  // markercluster calls this after each chunk of addLayers; the last one ends the work.
  function chunkProgress(done, total) {
    if (done < total) return;
    firstDone = true;
    window.setTimeout(clustered, 0); // after markercluster has drawn the result
  }
  CM.chunkProgress = chunkProgress;

  function setBusy(on) {
    busy = on;
    document.documentElement.classList.toggle("cm-map-busy", on);
  }

  function clustered() {
    setBusy(false);
    if (again) {
      again = false;
      applyFilter();
      return;
    }
    var todo = waiting;
    waiting = [];
    todo.forEach(function (fn) { fn(); });
    if (map) queueRefresh();
    sendState();
  }

  function whenClustered(fn) {
    if (busy) { waiting.push(fn); } else { fn(); }
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

  function refreshKeyboard() {
    refreshQueued = false;
    if (!map) return;
    var container = map.getContainer();
    var box = container.getBoundingClientRect();
    var controls = [];
    var nodes = container.querySelectorAll(".leaflet-control");
    for (var c = 0; c < nodes.length; c++) {
      var cr = nodes[c].getBoundingClientRect();
      if (cr.width && cr.height) controls.push(cr);
    }
    var items = markerIcons().map(function (icon) {
      var r = icon.getBoundingClientRect();
      var shown = r.width > 0 && icon.style.opacity !== "0" &&
        r.left >= box.left + EDGE && r.right <= box.right - EDGE &&
        r.top >= box.top + EDGE && r.bottom <= box.bottom - EDGE &&
        !controls.some(function (cr) {
          return overlaps(cr, {left: r.left - EDGE, right: r.right + EDGE,
            top: r.top - EDGE, bottom: r.bottom + EDGE});
        });
      var want = shown ? "0" : "-1";
      if (icon.getAttribute("tabindex") !== want) icon.setAttribute("tabindex", want);
      return {icon: icon, row: Math.floor((r.top + r.height / 2 - box.top) / ROW),
        x: r.left + r.width / 2};
    });
    var sorted = items.slice().sort(function (a, b) { return a.row - b.row || a.x - b.x; });
    var same = sorted.every(function (it, k) { return it === items[k]; });
    if (same) return;
    var active = document.activeElement;
    var pane = map.getPane("markerPane");
    sorted.forEach(function (it) { pane.appendChild(it.icon); }); // z-index is set on each
    if (active && pane.contains(active) && document.activeElement !== active) {
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

  // After a zoom or a spiderfy has been drawn: focus the first (in screen order) of what
  // stands for `children` now, and say what happened.
  function focusInside(children, message) {
    refreshKeyboard();
    var seen = [], icons = [];
    children.forEach(function (m) {
      var v = cluster.getVisibleParent(m);
      if (v && v._icon && seen.indexOf(v) < 0) { seen.push(v); icons.push(v._icon); }
    });
    var order = markerIcons();
    icons.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); });
    var target = icons.filter(focusable)[0] || icons[0];
    if (target) {
      if (!focusable(target)) target.setAttribute("tabindex", "0");
      focusIcon(target);
    } else {
      map.getContainer().focus({preventScroll: true});
    }
    say(message);
  }

  function afterRedraw(fn) {
    var done = false;
    function finish() {
      if (done) return;
      done = true;
      window.setTimeout(fn, 0);
    }
    map.once("moveend", function () {
      window.setTimeout(function () {
        if (cluster._inZoomAnimation) cluster.once("animationend", finish);
        else finish();
      }, 0);
    });
    window.setTimeout(finish, 2000); // whatever happens, focus is not left nowhere
  }

  function activities(n) {
    return formatCount(n) + " activit" + (n === 1 ? "y" : "ies");
  }

  // Enter or Space on a cluster: zoom to it (or spread it out when it cannot zoom further),
  // then focus the first pin or cluster of what was inside and announce it.
  function openCluster(group) {
    var children = group.getAllChildMarkers();
    var n = group.getChildCount();
    var bounds = group.getBounds();
    var near = nearestTown(bounds.getCenter());
    var town = near ? " around " + (near.area.town || near.area.name) : "";
    var bottom = group;
    while (bottom._childClusters.length === 1) bottom = bottom._childClusters[0];
    if (bottom._zoom === cluster._maxZoom && bottom._childCount === group._childCount) {
      cluster.once("spiderfied", function () {
        window.setTimeout(function () {
          focusInside(children, "Spread out: " + activities(n) + " at one place" + town);
        }, 0);
      });
      group.spiderfy();
      return;
    }
    moved = true;
    afterRedraw(function () { focusInside(children, "Zoomed in: " + activities(n) + town); });
    group.zoomToBounds({padding: [48, 48]});
  }

  // Keys inside an open popup: Escape closes it, the close button answers Space as well as
  // Enter (focus goes back to the pin), and Tab past its last link goes on to the next pin.
  function popupKeys(event) {
    var box = popup.getElement();
    var m = markers[popupIndex];
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

  function wire() {
    popup = L.popup({autoPanPaddingTopLeft: [56, 16], autoPanPaddingBottomRight: [16, 36]});
    tooltip = L.tooltip({direction: "top", offset: [0, -14], opacity: 1});

    cluster.on("click", function (e) {
      if (e.layer && e.layer.cmIndex !== undefined) openPopup(e.layer.cmIndex, false);
    });
    // Leaflet turns Enter on a marker into "keypress"; buttons also answer to Space.
    cluster.on("keypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      if ((key === "Enter" || key === " ") && e.layer && e.layer.cmIndex !== undefined) {
        L.DomEvent.preventDefault(e.originalEvent);
        openPopup(e.layer.cmIndex, true);
      }
    });
    cluster.on("clusterkeypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      if (key === "Enter" || key === " ") {
        L.DomEvent.preventDefault(e.originalEvent);
        openCluster(e.layer);
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
    map.on("moveend zoomend resize", queueRefresh);
    cluster.on("animationend spiderfied unspiderfied", queueRefresh);
    if (window.MutationObserver) {
      new MutationObserver(queueRefresh).observe(map.getPane("markerPane"), {childList: true});
    }
    cluster.on("mouseover", function (e) { if (e.layer.cmIndex !== undefined) showTooltip(e.layer); });
    cluster.on("mouseout", function () { map.closeTooltip(tooltip); });

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
      var m = markers[popupIndex];
      var back = openedByKey && m && m._icon;
      popupIndex = -1;
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

  // After Folium has clustered the markers: wire events, then follow an #activity= link.
  CM.start = function (leafletMap, markerCluster) {
    map = leafletMap;
    cluster = markerCluster;
    loadConfig();
    // Adds are chunked from now on (and the first clustering may still be running).
    setBusy(!!cluster.options.chunkedLoading && !firstDone && markers.length > 0);
    L.setOptions(cluster, {chunkedLoading: true, chunkProgress: chunkProgress});
    wire();
    ready = true;
    if (pending) {
      var i = pending in byId ? byId[pending] : -1;
      pending = "";
      if (i >= 0) {
        showActivity(i);
      } else {
        send({type: "cm-map-missing"});
      }
    }
    whenClustered(function () {
      document.documentElement.classList.add("cm-map-ready");
      if (window.performance && performance.mark) performance.mark("cm-map-markers");
    });
    if (!busy) sendState();
  };
})();
