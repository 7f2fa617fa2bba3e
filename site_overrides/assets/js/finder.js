/* Community Map finder: search, filters and "near me" over assets/data/activities.json.
 *
 * The page arrives with every activity as a plain list (that is the no-JavaScript version).
 * This script loads the compact data file, shows the filters, and from then on draws only
 * the first `pageSize` matches ("Show more" adds more), so a filter change stays fast at
 * 10,000 activities. Filters are kept in the address (see PARAMS) so a list can be shared.
 *
 * Record keys in activities.json: i id, n name, s summary, o organisation, c categories,
 * a areas, u audiences, x accessibility (indexes into data.vocab.*, or a bit mask of them
 * when finder-data.js says so in data.masks), d delivery bits,
 * w day bits, t time-of-day bits, k cost (an index), b booking (an index), f referral bits
 * (bit n, or index n, is the n-th id of that list in the #cm-labels block), l meeting
 * place, h when (lines), cn cost note,
 * g region-wide (matches every area),
 * ph/em/web contact, p [lat, lon], r last checked (ISO date), z paused.
 *
 * Speed at 10,000 activities on a slow phone: each filter value has a bit set of the
 * activities it matches, made once after loading, so a filter change is a few hundred word
 * operations instead of a test of every record; only the drawn results are built, and
 * those off screen are not laid out (content-visibility in finder.css); the address is
 * written once the filters rest, not in the frame that shows the results.
 */
(function () {
  "use strict";

  /* Fixed labels and the bit/index orders of activities.json, written by the build from the
   * same table the pages use (build_tools/site/labels.py): [[id, label], ...] per list. */
  var labelsEl = document.getElementById("cm-labels");
  var LABELS = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  function ids(name) {
    return (LABELS[name] || []).map(function (pair) { return pair[0]; });
  }
  function labelsOf(name) {
    return (LABELS[name] || []).map(function (pair) { return pair[1]; });
  }
  var DAYS = ids("day");
  var TIMES = ids("time");
  var COSTS = ids("cost");
  var COST_NAMES = labelsOf("cost");
  var DELIVERY = ids("delivery");
  var DELIVERY_NAMES = labelsOf("delivery");
  var RADII = ["1", "3", "10", "30"];
  var LISTS = ["category", "area", "day", "time", "cost", "audience", "access", "delivery"];
  var VOCAB = { category: "category", area: "area", audience: "audience", access: "access" };
  var POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$/;

  var Data = window.CommunityMapFinderData; // finder-data.js: index first, details lazily
  var configEl = document.getElementById("cm-finder-config");
  var form = document.getElementById("cm-filters");
  if (!configEl || !form || !Data) return;
  var cfg = JSON.parse(configEl.textContent);
  var root = document.documentElement.classList;
  root.add("cm-finder-started");
  var pageSize = cfg.pageSize || 50;

  var el = {
    q: document.getElementById("cm-q"),
    postcode: document.getElementById("cm-postcode"),
    postcodeGo: document.getElementById("cm-postcode-go"),
    locate: document.getElementById("cm-locate"),
    radius: document.getElementById("cm-radius"),
    nearStatus: document.getElementById("cm-near-status"),
    nearError: document.getElementById("cm-near-error"),
    clear: document.getElementById("cm-clear"),
    count: document.getElementById("cm-count"),
    results: document.getElementById("cm-results"),
    other: document.getElementById("cm-other"),
    otherResults: document.getElementById("cm-other-results"),
    more: document.getElementById("cm-more"),
  };

  var data = null; // the parsed activities.json
  var items = []; // data.items
  var index = {}; // vocabulary name -> {id: position}
  var state = emptyState();
  var origin = null; // {lat, lon, label} once a postcode or location is known
  var distances = null; // km per item for the current origin (NaN without a position)
  var textMatch = null; // null, or Map(item position -> rank) for the current words
  var textQuery = ""; // the words textMatch is for
  var shown = pageSize;
  var searchSeq = 0;
  var lookupSeq = 0;
  var haystacks = null;
  var pagefindPromise = null;

  function emptyState() {
    var s = { q: "", postcode: "", radius: "" };
    LISTS.forEach(function (name) {
      s[name] = [];
    });
    return s;
  }

  /* ---------- reading and writing the address ---------- */

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    var s = emptyState();
    s.q = (params.get("q") || "").slice(0, 200);
    s.postcode = (params.get("postcode") || "").slice(0, 10);
    s.radius = RADII.indexOf(params.get("radius")) !== -1 ? params.get("radius") : "";
    LISTS.forEach(function (name) {
      var raw = params.get(name);
      if (!raw) return;
      var allowed = boxes(name).map(function (b) {
        return b.value;
      });
      raw.split(",").forEach(function (v) {
        v = v.trim();
        if (allowed.indexOf(v) !== -1 && s[name].indexOf(v) === -1) s[name].push(v);
      });
    });
    return s;
  }

  /* Keep the address in step with the filters once they rest: replaceState takes several
   * milliseconds on a slow phone, which a filter change should not wait for. Written at
   * once when the page is left or a result is opened, so "Back" returns to the same list. */
  var URL_DELAY = 300;
  var urlTimer = null;

  function writeUrl() {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(writeUrlNow, URL_DELAY);
  }

  function flushUrl() {
    if (urlTimer === null) return;
    writeUrlNow();
  }

  function writeUrlNow() {
    clearTimeout(urlTimer);
    urlTimer = null;
    var parts = [];
    if (state.q.trim()) parts.push("q=" + encodeURIComponent(state.q.trim()));
    LISTS.forEach(function (name) {
      if (state[name].length) parts.push(name + "=" + state[name].map(encodeURIComponent).join(","));
    });
    if (state.postcode) parts.push("postcode=" + encodeURIComponent(state.postcode));
    if (state.radius) parts.push("radius=" + state.radius);
    var url = window.location.pathname + (parts.length ? "?" + parts.join("&") : "") + window.location.hash;
    window.history.replaceState(null, "", url);
  }

  /* ---------- the form ---------- */

  function boxes(name) {
    return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'));
  }

  function showState() {
    el.q.value = state.q;
    el.postcode.value = state.postcode;
    el.radius.value = state.radius;
    LISTS.forEach(function (name) {
      boxes(name).forEach(function (box) {
        box.checked = state[name].indexOf(box.value) !== -1;
      });
    });
    refreshSummaries();
  }

  /* "(2 selected)" beside each filter's name; only what changed is written, so a filter
   * change restyles one summary, not all eight. */
  function refreshSummaries() {
    LISTS.forEach(function (name) {
      var details = form.querySelector('details[data-param="' + name + '"]');
      if (!details) return;
      var n = state[name].length;
      var words = n ? "(" + n + " selected)" : "";
      var label = details.querySelector(".cm-filter__n");
      if (label.textContent !== words) label.textContent = words;
      if (details.classList.contains("cm-filter--on") !== n > 0) details.classList.toggle("cm-filter--on", n > 0);
    });
  }

  function readBoxes(name) {
    state[name] = boxes(name)
      .filter(function (b) {
        return b.checked;
      })
      .map(function (b) {
        return b.value;
      });
  }

  /* ---------- matching ---------- */

  /* Bit sets: one bit per activity (bit i & 31 of word i >> 5), one set per filter value. */
  var words = 0; // 32-bit words per set
  var sets = null; // filter name -> [set per value position]; plus regionWide and every

  /* Each value of a list (an array of positions, or a bit mask of them) sets bit `bit` of
   * word `w` in that value's set. */
  function mark(group, value, w, bit) {
    if (!value) return;
    if (typeof value === "number") {
      for (var v = 0; value; v++, value >>>= 1) if (value & 1 && group[v]) group[v][w] |= bit;
    } else {
      for (var j = 0; j < value.length; j++) if (group[value[j]]) group[value[j]][w] |= bit;
    }
  }

  function group(count) {
    var out = [];
    for (var v = 0; v < count; v++) out.push(new Uint32Array(words));
    return out;
  }

  /* The sets for every filter, in one pass over the activities (a few milliseconds). */
  function buildSets() {
    if (sets) return sets;
    words = (items.length + 31) >>> 5;
    var s = {
      category: group((data.vocab.category || []).length),
      area: group((data.vocab.area || []).length),
      audience: group((data.vocab.audience || []).length),
      access: group((data.vocab.access || []).length),
      cost: group(COSTS.length),
      day: group(DAYS.length),
      time: group(TIMES.length),
      delivery: group(DELIVERY.length),
      regionWide: new Uint32Array(words),
      every: new Uint32Array(words),
    };
    for (var i = 0; i < items.length; i++) {
      var r = items[i];
      var w = i >>> 5;
      var bit = 1 << (i & 31);
      s.every[w] |= bit;
      mark(s.category, r.c, w, bit);
      mark(s.area, r.a, w, bit);
      mark(s.audience, r.u, w, bit);
      mark(s.access, r.x, w, bit);
      mark(s.day, r.w, w, bit);
      mark(s.time, r.t, w, bit);
      mark(s.delivery, r.d, w, bit);
      if (r.g) s.regionWide[w] |= bit;
      if (r.k >= 0 && s.cost[r.k]) s.cost[r.k][w] |= bit;
    }
    sets = s;
    return sets;
  }

  /* Value positions of a filter's ticked values (vocabulary filters by id, the fixed lists
   * by their order in the labels block). */
  var ORDERS = { day: DAYS, time: TIMES, cost: COSTS, delivery: DELIVERY };

  function positions(name, values) {
    var map = VOCAB[name] ? index[VOCAB[name]] : null;
    var order = ORDERS[name];
    var out = [];
    values.forEach(function (v) {
      var at = map ? map[v] : order ? order.indexOf(v) : -1;
      if (at !== undefined && at !== -1) out.push(at);
    });
    return out;
  }

  /* The activities the filters let through, as a bit set: within a filter any ticked value
   * will do (except accessibility, where every ticked feature is needed; an area also lets
   * through what runs region-wide); filters combine with "and". Null: no filter is on. */
  function selection() {
    var s = buildSets();
    var acc = null;
    var any = new Uint32Array(words);
    LISTS.forEach(function (name) {
      if (!state[name].length) return;
      var at = positions(name, state[name]);
      var w;
      if (!acc) acc = s.every.slice();
      if (name === "access") {
        at.forEach(function (v) {
          for (w = 0; w < words; w++) acc[w] &= s.access[v][w];
        });
        return;
      }
      if (name === "area") any.set(s.regionWide);
      else any.fill(0);
      at.forEach(function (v) {
        var set = s[name][v];
        for (w = 0; w < words; w++) any[w] |= set[w];
      });
      for (w = 0; w < words; w++) acc[w] &= any[w];
    });
    return acc;
  }

  /* The matching positions: {main, other}. With a place to measure from, `main` holds the
   * activities with a position, nearest first (within the radius), and `other` those with
   * none (online, telephone, home visits), which no radius can rule out. */
  function compute() {
    var acc = selection();
    var main = [];
    var other = [];
    var radius = state.radius ? Number(state.radius) : Infinity;
    function take(i) {
      if (textMatch && !textMatch.has(i)) return;
      if (origin) {
        if (items[i].p) {
          if (distances[i] <= radius) main.push(i);
        } else {
          other.push(i);
        }
      } else {
        main.push(i);
      }
    }
    if (!acc) {
      for (var i = 0; i < items.length; i++) take(i);
    } else {
      for (var w = 0; w < words; w++) {
        var bits = acc[w] | 0;
        while (bits) {
          var low = bits & -bits;
          take((w << 5) + 31 - Math.clz32(low));
          bits ^= low;
        }
      }
    }
    if (origin) {
      main.sort(function (a, b) {
        return distances[a] - distances[b] || a - b;
      });
    } else if (textMatch && textMatch.ranked) {
      main.sort(function (a, b) {
        return textMatch.get(a) - textMatch.get(b);
      });
    }
    return { main: main, other: other };
  }

  /* ---------- drawing results ---------- */

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  /* A list column as positions: an array of positions already, or a bit mask of them. */
  function positionsOf(list) {
    if (typeof list !== "number") return list || [];
    var at = [];
    for (var b = 0; list; b++, list >>>= 1) if (list & 1) at.push(b);
    return at;
  }

  /* The names of a list's terms; `list` is an array of positions or a bit mask of them. */
  function names(vocab, list) {
    var terms = data.vocab[vocab];
    return positionsOf(list)
      .map(function (i) {
        return terms[i] ? terms[i][1] : "";
      })
      .filter(Boolean)
      .join(", ");
  }

  function formatDistance(km) {
    var miles = km / 1.609344;
    return km.toFixed(1) + " km away (" + miles.toFixed(1) + (miles.toFixed(1) === "1.0" ? " mile)" : " miles)");
  }

  function resultItem(i) {
    var r = items[i];
    var li = text("li", "cm-r");
    li.setAttribute("data-id", r.i);
    var h = text("h3");
    h.id = "cm-r-" + r.i;
    var a = text("a", null, r.n);
    a.href = cfg.base + "activities/" + r.i + "/";
    h.appendChild(a);
    if (r.z) {
      h.appendChild(document.createTextNode(" "));
      h.appendChild(text("span", "cm-tag", "Paused"));
    }
    li.appendChild(h);
    if (origin && r.p) li.appendChild(text("p", "cm-r__d", formatDistance(distances[i])));
    var body = text("div", "cm-r__body");
    body.setAttribute("data-pos", String(i));
    fillBody(body, i);
    li.appendChild(body);
    var btn = text("button", "cm-shortlist-btn", "Add to shortlist");
    btn.type = "button";
    btn.setAttribute("data-shortlist-id", r.i);
    btn.setAttribute("aria-describedby", h.id);
    btn.hidden = true;
    li.appendChild(btn);
    return li;
  }

  /* Summary, when and where: from the details file, which may still be on its way. */
  function fillBody(body, i) {
    var r = items[i];
    var d = Data.detail(i);
    if (!d) return false;
    body.appendChild(text("p", null, d.s));
    var meta = [r.g ? "Across " + (data.region || "the region") : names("area", r.a), (d.h || []).join("; "), COST_NAMES[r.k] || ""].filter(Boolean);
    body.appendChild(text("p", "cm-r__m", meta.join(" · ")));
    var modes = DELIVERY_NAMES.filter(function (_, n) {
      return r.d & (1 << n) && n > 0;
    });
    var where = d.l ? d.l + (modes.length ? " (also " + modes.join(", ").toLowerCase() + ")" : "") : modes.join(", ");
    if (where) body.appendChild(text("p", "cm-r__m", where));
    body.removeAttribute("data-pos");
    return true;
  }

  /* Fetch the details the drawn results lack, then fill them in place (focus stays put). */
  function fillPending() {
    var waiting = Array.prototype.slice.call(document.querySelectorAll(".cm-r__body[data-pos]"));
    if (!waiting.length) return;
    Data.ensure(waiting.map(function (b) {
      return Number(b.getAttribute("data-pos"));
    })).then(function () {
      waiting.forEach(function (b) {
        if (b.isConnected) fillBody(b, Number(b.getAttribute("data-pos")));
      });
    });
  }

  function number(n) {
    var digits = String(n);
    var out = "";
    for (var i = 0; i < digits.length; i++) {
      if (i && (digits.length - i) % 3 === 0) out += ",";
      out += digits[i];
    }
    return out;
  }

  function plural(n) {
    return n === 1 ? "1 activity" : number(n) + " activities";
  }

  function render(focusFrom) {
    var found = compute();
    var total = found.main.length + found.other.length;
    var mainFrag = document.createDocumentFragment();
    var otherFrag = document.createDocumentFragment();
    var budget = Math.min(shown, total);
    var drawn = 0;
    for (var m = 0; m < found.main.length && drawn < budget; m++, drawn++) {
      mainFrag.appendChild(resultItem(found.main[m]));
    }
    var otherDrawn = 0;
    for (var o = 0; o < found.other.length && drawn < budget; o++, drawn++, otherDrawn++) {
      otherFrag.appendChild(resultItem(found.other[o]));
    }
    // The shortlist buttons are made ready before the results go in: one change of the
    // page, not a second one for 50 buttons.
    if (window.CommunityMapShortlist) {
      window.CommunityMapShortlist.enhance(mainFrag);
      window.CommunityMapShortlist.enhance(otherFrag);
    }
    el.results.textContent = "";
    el.results.appendChild(mainFrag);
    el.otherResults.textContent = "";
    el.otherResults.appendChild(otherFrag);
    el.other.hidden = otherDrawn === 0;
    fillPending();

    var words = plural(total) + " found";
    if (origin) words += ", nearest to " + origin.label + " first";
    if (total > drawn) words += ". Showing the first " + number(drawn) + ".";
    if (!total) words = "No activities match. Try removing a filter or searching for a different word.";
    el.count.textContent = words;
    showSearchNote(total);
    el.count.setAttribute("data-count", String(total));
    el.count.setAttribute("data-shown", String(drawn));
    el.count.setAttribute("data-q", textQuery);
    el.more.hidden = total <= drawn;
    el.more.textContent = "Show more (" + number(total - drawn) + " more)";

    if (focusFrom !== undefined) {
      var links = document.querySelectorAll("#cm-results .cm-r h3 a, #cm-other-results .cm-r h3 a");
      if (links[focusFrom]) links[focusFrom].focus();
    }
  }

  function update() {
    shown = pageSize;
    refreshSummaries();
    writeUrl();
    render();
  }

  /* ---------- words: Pagefind, or a simple match when its index is missing ---------- */

  function absolute(path) {
    return new URL(path, document.baseURI).href;
  }

  /* Pagefind's index may come in parts (one per few thousand activities, so that building it
   * fits in memory): the main one here, the others listed in the id map and merged in.
   * Page hashes are unique within a part; a hash two parts share is resolved by its URL. */
  function loadPagefind() {
    if (pagefindPromise) return pagefindPromise;
    loadSearch().catch(function () {}); // the query logic comes with the index
    var version = (cfg.data.split("?v=")[1] || "").split("&")[0];
    pagefindPromise = Promise.all([
      import(absolute(cfg.pagefind + "pagefind.js")),
      fetch(absolute(cfg.pagefind + "community-map-ids.json")).then(function (resp) {
        if (!resp.ok) throw new Error("no id map");
        return resp.json();
      }),
    ]).then(function (loaded) {
      var pagefind = loaded[0];
      var map = loaded[1];
      // The index must come from the same build as the data, or the positions would not match.
      var hashes = map && typeof map.h === "string" ? map.h.split(",") : [];
      if (map.v !== version || hashes.length !== items.length) {
        throw new Error("search index and data differ");
      }
      var byHash = new Map();
      hashes.forEach(function (hash, i) {
        if (!hash) return;
        var key = map.p + hash;
        byHash.set(key, byHash.has(key) ? -1 : i); // -1: in more than one part
      });
      var parts = Array.isArray(map.parts) ? map.parts : [];
      // Pagefind searches in its own Web Worker (pagefind-worker.js, same origin): its
      // WebAssembly and decompression then run off the main thread. At 10,000 activities
      // this took the search page's blocking time at 4x slowdown from 363-542 ms to
      // 104-208 ms (Lighthouse, alternating runs); Pagefind falls back to the main thread
      // by itself where a worker cannot start.
      return Promise.resolve(pagefind.options({ basePath: absolute(cfg.pagefind) }))
        .then(function () {
          return pagefind.init && pagefind.init();
        })
        .then(function () {
          return Promise.all(
            parts.map(function (part) {
              return pagefind.mergeIndex(absolute(cfg.pagefind + part));
            })
          );
        })
        .then(function () {
          // the index's words, when the build found the list small enough to send with the map
          var words = typeof map.w === "string" ? map.w.split(" ").filter(Boolean) : null;
          return { pagefind: pagefind, byHash: byHash, words: words };
        });
    });
    return pagefindPromise;
  }

  var byId = null;

  /* The record a search result is for: by its hash, or (for a shared hash) by its URL. */
  function resultIndex(pf, hit) {
    var i = pf.byHash.get(hit.id);
    if (i !== -1) return Promise.resolve(i);
    if (!byId) {
      byId = new Map();
      items.forEach(function (r, n) {
        byId.set(r.i, n);
      });
    }
    return hit.data().then(
      function (page) {
        var found = /\/activities\/([a-z0-9-]+)\/(?:index\.html)?$/.exec((page && page.url) || "");
        return found ? byId.get(found[1]) : undefined;
      },
      function () {
        return undefined;
      }
    );
  }

  function simpleMatch(q) {
    if (!haystacks) {
      haystacks = items.map(function (r, i) {
        var d = Data.detail(i) || {};
        return [r.n, d.s || "", d.o || "", d.l || "", names("area", r.a), names("category", r.c)].join(" ").toLowerCase();
      });
    }
    var words = q
      .toLowerCase()
      .split(/[^a-z0-9\u00c0-\u024f']+/)
      .filter(Boolean)
      .map(function (w) {
        return w.length > 3 ? w.replace(/(ies|es|s)$/, function (end) {
          return end === "ies" ? "y" : end === "es" ? "e" : "";
        }) : w;
      });
    var found = new Map();
    for (var i = 0; i < haystacks.length; i++) {
      var ok = true;
      for (var w = 0; w < words.length && ok; w++) ok = haystacks[i].indexOf(words[w]) !== -1;
      if (ok) found.set(i, found.size);
    }
    found.ranked = false;
    return found;
  }

  /* search.js (the query logic) and its data, fetched with the index on the first search. */
  var searchLib = null;

  function loadSearch() {
    if (searchLib) return searchLib;
    searchLib = new Promise(function (resolve, reject) {
      if (window.CommunityMapSearch) return resolve(window.CommunityMapSearch);
      var tag = document.createElement("script");
      tag.src = absolute(cfg.base + "assets/js/search.js");
      tag.onload = function () {
        if (window.CommunityMapSearch) resolve(window.CommunityMapSearch);
        else reject(new Error("no search.js"));
      };
      tag.onerror = reject;
      document.head.appendChild(tag);
    }).then(function (S) {
      return fetch(absolute(cfg.base + "assets/data/search.json"))
        .then(function (resp) {
          return resp.ok ? resp.json() : null;
        })
        .catch(function () {
          return null; // no synonyms: words still search
        })
        .then(function (json) {
          S.setData(json);
          return S;
        });
    });
    return searchLib;
  }

  /* The activities of a category or audience ({k: "c" or "u", id}), by position. */
  var memberCache = {};

  function members(group) {
    var key = group.k + ":" + group.id;
    if (memberCache[key]) return memberCache[key];
    var n = index[group.k === "c" ? "category" : "audience"];
    var at = n ? n[group.id] : undefined;
    var found = [];
    var set = at === undefined ? null : buildSets()[group.k === "c" ? "category" : "audience"][at];
    if (set) {
      for (var i = 0; i < items.length; i++) {
        if (set[i >>> 5] & (1 << (i & 31))) found.push(i);
      }
    }
    memberCache[key] = found;
    return found;
  }

  /* Without Pagefind: each activity's name, summary, organisation, place, areas and the names
   * and descriptions of its categories and audiences. */
  function textBackend(S) {
    var about = {};
    S.groups().forEach(function (g) {
      about[g.k + ":" + g.id] = (g.n || "") + " " + (g.d || "");
    });
    var vocab = data.vocab || {};
    var texts = items.map(function (r, i) {
      var d = Data.detail(i) || {};
      var topics = positionsOf(r.c).map(function (n) {
        return about["c:" + ((vocab.category || [])[n] || [])[0]] || "";
      }).concat(positionsOf(r.u).map(function (n) {
        return about["u:" + ((vocab.audience || [])[n] || [])[0]] || "";
      }));
      return [r.n, d.s || "", d.o || "", d.l || "", names("area", r.a), names("category", r.c)].concat(topics).join(" ");
    });
    return S.textBackend(texts, members);
  }

  var searchNote = null; // what search.js said about the current words: {also, corrected}

  function search() {
    var seq = ++searchSeq;
    var q = state.q.trim();
    if (!q) {
      textMatch = null;
      textQuery = "";
      searchNote = null;
      update();
      return;
    }
    function done(answer) {
      if (seq !== searchSeq) return;
      var ranks = new Map();
      answer.order.forEach(function (i) {
        ranks.set(i, ranks.size);
      });
      ranks.ranked = true;
      textMatch = ranks;
      textQuery = q;
      searchNote = answer;
      update();
    }
    loadSearch()
      .then(function (S) {
        return loadPagefind()
          .then(function (pf) {
            return S.run(q, S.pagefindBackend(pf, {
              resultIndex: resultIndex,
              members: members,
              wordsUrl: absolute(cfg.pagefind + "community-map-words.json"),
            }));
          })
          .catch(function () {
            return S.run(q, textBackend(S)); // no index: the same logic over the plain text
          })
          .then(S.later) // paint in a task of its own, not after Pagefind's
          .then(done);
      })
      .catch(function () {
        if (seq !== searchSeq) return;
        textMatch = simpleMatch(q); // no search.js either: every word, in plain text
        textQuery = q;
        searchNote = null;
        update();
      });
  }

  /* "Also showing results for befriending." and "Did you mean dementia?" in the status. */
  function showSearchNote(total) {
    var note = textMatch && searchNote;
    el.count.removeAttribute("data-also");
    el.count.removeAttribute("data-corrected");
    if (!note || !total || !(note.corrected || (note.also && note.also.length))) return;
    if (!/[.]$/.test(el.count.textContent)) el.count.appendChild(document.createTextNode("."));
    if (note.corrected) {
      el.count.setAttribute("data-corrected", note.corrected);
      el.count.appendChild(document.createTextNode(" Did you mean "));
      var fix = text("button", "cm-link-button", note.corrected);
      fix.type = "button";
      fix.addEventListener("click", function () {
        el.q.value = note.corrected;
        state.q = note.corrected;
        el.q.focus();
        search();
      });
      el.count.appendChild(fix);
      el.count.appendChild(document.createTextNode("?"));
    }
    if (note.also && note.also.length) {
      var list = note.also.length > 1
        ? note.also.slice(0, -1).join(", ") + " and " + note.also[note.also.length - 1]
        : note.also[0];
      el.count.setAttribute("data-also", note.also.join("|"));
      el.count.appendChild(document.createTextNode(" Also showing results for " + list + "."));
    }
  }

  var searchTimer = null;

  function onSearchInput() {
    state.q = el.q.value.slice(0, 200);
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 150);
  }

  /* ---------- near me ---------- */

  function toRad(d) {
    return (d * Math.PI) / 180;
  }

  function haversine(lat1, lon1, lat2, lon2) {
    var dLat = toRad(lat2 - lat1);
    var dLon = toRad(lon2 - lon1);
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function setOrigin(lat, lon, label) {
    origin = { lat: lat, lon: lon, label: label };
    distances = new Float64Array(items.length);
    for (var i = 0; i < items.length; i++) {
      var p = items[i].p;
      distances[i] = p ? haversine(lat, lon, p[0], p[1]) : NaN;
    }
    el.nearStatus.textContent = "";
    el.nearStatus.appendChild(document.createTextNode("Sorted by distance from " + label + ". "));
    var stop = text("button", "cm-link-button", "Stop sorting by distance");
    stop.type = "button";
    stop.addEventListener("click", function () {
      clearOrigin();
      update();
      el.postcode.focus();
    });
    el.nearStatus.appendChild(stop);
  }

  function clearOrigin() {
    origin = null;
    distances = null;
    state.postcode = "";
    el.postcode.value = "";
    el.nearStatus.textContent = "";
    showError("");
  }

  // `invalid`: the message is about what was typed in the postcode field (aria-invalid,
  // and the field is described by the message).
  function showError(message, invalid) {
    el.nearError.textContent = message;
    el.nearError.classList.toggle("cm-error--on", !!message);
    if (message && invalid) el.postcode.setAttribute("aria-invalid", "true");
    else el.postcode.removeAttribute("aria-invalid");
  }

  function normalisePostcode(raw) {
    var value = String(raw || "").toUpperCase().replace(/\s+/g, " ").trim();
    var m = POSTCODE.exec(value);
    return m ? m[1] + " " + m[2] : null;
  }

  function lookupPostcode(raw) {
    // Busy, not `disabled`: a disabled button drops focus to <body> while the lookup runs.
    if (el.postcodeGo.getAttribute("aria-disabled") === "true") return;
    var postcode = normalisePostcode(raw);
    showError("");
    if (!postcode) {
      showError(
        raw.trim()
          ? "“" + raw.trim() + "” is not a UK postcode. Check it and try again, for example ME15 6JQ."
          : "Enter a UK postcode, for example ME15 6JQ.",
        true
      );
      return;
    }
    var seq = ++lookupSeq;
    var url = cfg.postcodeUrl.replace("{postcode}", encodeURIComponent(postcode));
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 10000) : null;
    el.postcodeGo.setAttribute("aria-disabled", "true");
    el.nearStatus.textContent = "Looking up " + postcode + "…";
    fetch(url, {
      credentials: "omit",
      referrerPolicy: "no-referrer",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (resp) {
        if (resp.status === 404) throw new Error("notfound");
        if (!resp.ok) throw new Error("unavailable");
        return resp.json().catch(function () {
          throw new Error("unavailable");
        });
      })
      .then(function (body) {
        var res = body && body.result;
        var lat = res && typeof res.latitude === "number" ? res.latitude : NaN;
        var lon = res && typeof res.longitude === "number" ? res.longitude : NaN;
        if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
          throw new Error("notfound");
        }
        if (seq !== lookupSeq) return;
        return Data.places().then(function () {
          if (seq !== lookupSeq) return;
          state.postcode = postcode;
          el.postcode.value = postcode;
          setOrigin(lat, lon, postcode);
          update();
        });
      })
      .catch(function (err) {
        if (seq !== lookupSeq) return;
        if (origin) setOrigin(origin.lat, origin.lon, origin.label);
        else el.nearStatus.textContent = "";
        showError(
          err && err.message === "notfound"
            ? "We could not find the postcode " + postcode + ". Check it and try again. The list has not changed."
            : "The postcode could not be looked up just now (no connection, or the lookup service is not answering). The list has not changed.",
          err && err.message === "notfound"
        );
      })
      .then(function () {
        if (timer) clearTimeout(timer);
        el.postcodeGo.removeAttribute("aria-disabled");
      });
  }

  function useLocation() {
    if (!navigator.geolocation) return;
    showError("");
    el.nearStatus.textContent = "Finding your location…";
    var seq = ++lookupSeq;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        if (seq !== lookupSeq) return;
        Data.places().then(function () {
          if (seq !== lookupSeq) return;
          state.postcode = "";
          el.postcode.value = "";
          setOrigin(pos.coords.latitude, pos.coords.longitude, "your location");
          update();
        }, function () {
          el.nearStatus.textContent = "";
          showError("The list could not be sorted by distance just now. Reloading the page may help.");
        });
      },
      function (err) {
        if (seq !== lookupSeq) return;
        el.nearStatus.textContent = "";
        if (origin) setOrigin(origin.lat, origin.lon, origin.label);
        showError(
          err && err.code === 1
            ? "Your browser did not allow us to use your location. You can enter a postcode instead."
            : "Your location could not be found. You can enter a postcode instead."
        );
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
    );
  }

  /* ---------- start ---------- */

  function wire() {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    el.q.addEventListener("input", onSearchInput);
    // Start fetching the search index as soon as someone is about to type.
    el.q.addEventListener("focus", function () {
      loadPagefind().catch(function () {});
    });
    el.q.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        clearTimeout(searchTimer);
        state.q = el.q.value.slice(0, 200);
        search();
      }
    });
    el.postcode.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        lookupPostcode(el.postcode.value);
      }
    });
    el.postcodeGo.addEventListener("click", function () {
      lookupPostcode(el.postcode.value);
    });
    if (navigator.geolocation && window.isSecureContext !== false) {
      el.locate.addEventListener("click", useLocation);
    } else {
      el.locate.hidden = true;
    }
    el.radius.addEventListener("change", function () {
      state.radius = el.radius.value;
      update();
    });
    form.addEventListener("change", function (event) {
      var t = event.target;
      if (t && t.type === "checkbox" && LISTS.indexOf(t.name) !== -1) {
        readBoxes(t.name);
        update();
      }
    });
    el.clear.addEventListener("click", function () {
      state = emptyState();
      textMatch = null;
      textQuery = "";
      searchNote = null;
      searchSeq++;
      lookupSeq++;
      clearOrigin();
      showState();
      update();
    });
    el.more.addEventListener("click", function () {
      var from = Number(el.count.getAttribute("data-shown")) || 0;
      shown += pageSize;
      render(from);
    });
    // The address waits for the filters to rest (writeUrl): not when the page is left.
    window.addEventListener("pagehide", flushUrl);
    form.parentNode.addEventListener("click", function (event) {
      if (event.target && event.target.closest && event.target.closest("a[href]")) flushUrl();
    }, true);
  }

  /* The next task: lets the browser paint and answer input between two pieces of work. */
  function pause() {
    if (window.scheduler && typeof window.scheduler.yield === "function") return window.scheduler.yield();
    return new Promise(function (done) {
      setTimeout(done, 0);
    });
  }

  function reveal() {
    form.hidden = false;
    el.results.hidden = false;
    root.add("cm-finder-ready");
  }

  function start(json) {
    data = json;
    items = data.items || [];
    Object.keys(data.vocab).forEach(function (name) {
      index[name] = {};
      data.vocab[name].forEach(function (term, i) {
        index[name][term[0]] = i;
      });
    });
    state = readUrl();
    showState();
    wire();
    if (state.q.trim()) {
      reveal();
      el.count.textContent = "Searching…";
      search();
    } else {
      // The filters' bit sets in a task of their own; then the first results' details
      // before the first paint, so nothing moves once shown.
      pause().then(function () {
        var first = compute();
        return Data.ensure(first.main.concat(first.other).slice(0, pageSize));
      }).then(function () {
        reveal();
        update();
      });
    }
    // The plain list is hidden and no longer needed: dropping it keeps every later
    // re-render (style and layout) small, even with 10,000 activities.
    var plain = document.getElementById("cm-all");
    if (plain) plain.parentNode.removeChild(plain);
    if (window.performance && performance.mark) performance.mark("cm-finder-ready");
    if (state.postcode) lookupPostcode(state.postcode);
  }

  var staticCount = el.count.textContent;
  el.count.textContent = "Loading the list…";
  Data.load(cfg)
    .then(start)
    .catch(function () {
      root.remove("cm-finder-js"); // show the plain list again
      el.count.textContent = staticCount;
      var note = text("p", "cm-error cm-error--on",
        "The filters could not be loaded, so here is every activity from A to Z. Reloading the page may help.");
      form.parentNode.insertBefore(note, form);
    });
})();
