/* Community Map: the map's clustering, off the page's main thread (a Web Worker).
 *
 * assets/js/map-frame.js starts this worker with the URL of the frame's points
 * (assets/map/<frame>-data/points.json: [id, name, [category indexes], paused, lat, lon]
 * per activity), and asks it for what to draw: the clusters and pins of one view, from the
 * vendored `supercluster` index (assets/vendor/supercluster-*). Fetching and parsing
 * 10,000 rows and building the cluster tree for every zoom happen here, so the map page
 * never has a long task for them; the page only draws the few dozen markers in view.
 *
 * Messages in: {type, req, ...}; every answer carries the same `req`.
 *   load   {url, library, options: {radius, maxZoom}}  -> {shown, total}
 *   filter {hidden: [category index...]}             -> {shown}
 *   view   {bbox: [w, s, e, n], zoom, mark}          -> {features}
 *   find   {id, from}                                -> {i, lat, lon, zoom, hidden, cat}
 *   expand {id}                                      -> {zoom, bounds, n, single}
 *   leaves {id}                                      -> {leaves}
 *   shown  {i}                                       -> {shown}
 * A view's features: [0, cluster id, count, lat, lon, marked] for a cluster, and
 * [1, i, lat, lon, name, shown category, paused, id, [categories], k, n, marked] for a pin
 * (k of n pins at the very same place, spread around it by the page at the deepest zoom).
 */
/* global Supercluster */
"use strict";

var rows = [];     // activity index -> [id, name, [categories], paused, lat, lon]
var byId = {};     // id -> activity index
var hidden = {};   // category index -> true when unticked on the page's key
var index = null;  // the Supercluster of the activities shown
var options = {radius: 60, maxZoom: 18};
var marked = null; // activity index -> true: the leaves of the cluster last expanded
var shownCount = 0;

function isShown(i) {
  var cats = rows[i][2];
  for (var k = 0; k < cats.length; k++) if (!hidden[cats[k]]) return true;
  return false;
}

function firstShown(cats) {
  for (var k = 0; k < cats.length; k++) if (!hidden[cats[k]]) return cats[k];
  return cats[0];
}

function build() {
  var points = [];
  for (var i = 0; i < rows.length; i++) {
    if (!isShown(i)) continue;
    points.push({
      type: "Feature",
      geometry: {type: "Point", coordinates: [rows[i][5], rows[i][4]]},
      properties: {i: i}
    });
  }
  shownCount = points.length;
  // extent 256: supercluster's pixels are then Leaflet's (256 px tiles), and its zooms too.
  index = new Supercluster({
    radius: options.radius, maxZoom: options.maxZoom, minPoints: 2, extent: 256
  }).load(points);
}

function leavesOf(clusterId) {
  return index.getLeaves(clusterId, Infinity).map(function (f) { return f.properties.i; });
}

function anyMarked(clusterId) {
  var leaves = leavesOf(clusterId);
  for (var k = 0; k < leaves.length; k++) if (marked[leaves[k]]) return 1;
  return 0;
}

function view(d) {
  var found = index.getClusters(d.bbox, d.zoom);
  var out = [];
  var places = {}; // "lat,lon" -> pins there (spread only past the deepest cluster zoom)
  var useMark = d.mark && marked;
  found.forEach(function (f) {
    var c = f.geometry.coordinates;
    if (f.properties.cluster) {
      var id = f.properties.cluster_id;
      out.push([0, id, f.properties.point_count, c[1], c[0], useMark ? anyMarked(id) : 0]);
      return;
    }
    var i = f.properties.i, a = rows[i];
    var pin = [1, i, a[4], a[5], a[1], firstShown(a[2]), a[3], a[0], a[2], 0, 1,
      useMark && marked[i] ? 1 : 0];
    out.push(pin);
    if (d.zoom > options.maxZoom) {
      var key = a[4] + "," + a[5];
      (places[key] = places[key] || []).push(pin);
    }
  });
  Object.keys(places).forEach(function (key) {
    var pins = places[key];
    if (pins.length < 2) return;
    pins.sort(function (x, y) { return x[1] - y[1]; }); // the same order every time
    pins.forEach(function (pin, k) { pin[9] = k; pin[10] = pins.length; });
  });
  return {features: out};
}

// The first zoom, from `from` on, at which activity i is a pin of its own.
function zoomAlone(i, from) {
  var a = rows[i], lat = a[4], lon = a[5], e = 1e-7;
  for (var z = from; z <= options.maxZoom; z++) {
    var here = index.getClusters([lon - e, lat - e, lon + e, lat + e], z);
    for (var k = 0; k < here.length; k++) {
      if (!here[k].properties.cluster && here[k].properties.i === i) return z;
    }
  }
  return options.maxZoom + 1;
}

function load(d) {
  // The vendored library, by the absolute URL the page resolved from its configuration
  // (vendor.py names the folder after the version); the points meanwhile on the network.
  var points = fetch(d.url).then(function (r) {
    if (!r.ok) throw new Error("the map's data: HTTP " + r.status);
    return r.json();
  });
  if (!self.Supercluster) importScripts(d.library);
  return points.then(function (data) {
    rows = data;
    byId = {};
    for (var i = 0; i < rows.length; i++) byId[rows[i][0]] = i;
    if (d.options) options = d.options;
    hidden = {};
    build();
    return {shown: shownCount, total: rows.length};
  });
}

function handle(d) {
  switch (d.type) {
    case "filter":
      hidden = {};
      d.hidden.forEach(function (k) { hidden[k] = true; });
      marked = null;
      build();
      return {shown: shownCount};
    case "view":
      return view(d);
    case "find": {
      if (!Object.prototype.hasOwnProperty.call(byId, d.id)) return {i: -1};
      var n = byId[d.id], a = rows[n];
      if (!isShown(n)) return {i: n, hidden: true, cat: a[2][0]};
      return {i: n, lat: a[4], lon: a[5], zoom: zoomAlone(n, d.from)};
    }
    case "expand": {
      var leaves = leavesOf(d.id);
      marked = {};
      var s = 90, w = 180, nn = -90, e = -180;
      leaves.forEach(function (k) {
        marked[k] = true;
        var r = rows[k];
        s = Math.min(s, r[4]); nn = Math.max(nn, r[4]);
        w = Math.min(w, r[5]); e = Math.max(e, r[5]);
      });
      return {
        zoom: index.getClusterExpansionZoom(d.id),
        bounds: [[s, w], [nn, e]],
        n: leaves.length,
        single: s === nn && w === e
      };
    }
    case "leaves":
      return {leaves: leavesOf(d.id)};
    case "shown":
      return {shown: d.i >= 0 && d.i < rows.length && isShown(d.i)};
    default:
      return {error: "unknown message " + d.type};
  }
}

function reply(d, answer) {
  answer.type = d.type;
  answer.req = d.req;
  self.postMessage(answer);
}

function failure(err) {
  return {error: String(err && err.message || err)};
}

// Messages are answered in order: the ones that come while the points are still loading
// wait for them.
var ready = null;
self.onmessage = function (event) {
  var d = event.data || {};
  if (d.type === "load") {
    try {
      ready = load(d);
    } catch (err) {
      ready = Promise.reject(err);
    }
    ready.then(function (a) { reply(d, a); }, function (err) { reply(d, failure(err)); });
    return;
  }
  (ready || Promise.resolve()).then(function () {
    var answer;
    try {
      answer = handle(d);
    } catch (err) {
      answer = failure(err);
    }
    reply(d, answer);
  }, function (err) { reply(d, failure(err)); });
};
