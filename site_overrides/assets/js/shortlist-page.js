/* Community Map shortlist page: shows the chosen activities, ready to print, and a link that
 * recreates the list elsewhere (shortlist/#ids=a,b,c). The list lives in this browser only
 * (see shortlist.js); the optional name is never stored.
 *
 * It reads only the activities it shows: the build files every activity's record under a
 * hash of its id (build_tools/site/finder.py, `bucket`: FNV-1a, 32 bits, modulo the number
 * of files), so five shortlisted activities cost at most five small files, whatever the
 * size of the directory. The config names the files ("details", with {n}) and their number
 * ("chunks"); the offline worker keeps them all.
 */
(function () {
  "use strict";

  /* Labels in the order of the records' bits and indexes, from the build's table
   * (build_tools/site/labels.py), so the shortlist says what the activity page says. */
  var labelsEl = document.getElementById("cm-labels");
  var LABELS = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  function labelsOf(name) {
    return (LABELS[name] || []).map(function (pair) { return pair[1]; });
  }
  var COST_NAMES = labelsOf("cost");
  var BOOKING = labelsOf("booking");
  var REFERRAL = labelsOf("referral");
  var DELIVERY = labelsOf("delivery");
  var ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

  var configEl = document.getElementById("cm-shortlist-config");
  var app = document.getElementById("cm-sl-app");
  var SL = null; // set in boot(): shortlist.js may run after this script
  if (!configEl || !app) return;
  var cfg = JSON.parse(configEl.textContent);

  var el = {
    title: document.getElementById("cm-sl-title"),
    date: document.getElementById("cm-sl-date"),
    items: document.getElementById("cm-sl-items"),
    empty: document.getElementById("cm-sl-empty"),
    status: document.getElementById("cm-sl-status"),
    name: document.getElementById("cm-sl-name"),
    print: document.getElementById("cm-sl-print"),
    clear: document.getElementById("cm-sl-clear"),
    share: document.getElementById("cm-sl-share"),
    link: document.getElementById("cm-sl-link"),
    copy: document.getElementById("cm-sl-copy"),
    copied: document.getElementById("cm-sl-copied"),
    importBox: document.getElementById("cm-sl-import"),
    importText: document.getElementById("cm-sl-import-text"),
    importAdd: document.getElementById("cm-sl-import-add"),
    importReplace: document.getElementById("cm-sl-import-replace"),
    importIgnore: document.getElementById("cm-sl-import-ignore"),
  };

  var byId = {}; // id -> record, for every id whose file is here
  var files = {}; // file number -> Promise of its records
  var loaded = {}; // file number -> true once its records are in byId
  var undo = null;

  function node(tag, className, content) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (content !== undefined) n.textContent = content;
    return n;
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  /* "2 December 2026", as the activity pages write it. By hand: toLocaleDateString sets up
   * a date formatter on every call, tens of milliseconds each on a slow phone. */
  function longDate(value) {
    return value.getDate() + " " + MONTHS[value.getMonth()] + " " + value.getFullYear();
  }

  function isoDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? longDate(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : "";
  }

  function pageUrl(id) {
    return new URL(cfg.base + "activities/" + id + "/", window.location.href).href;
  }

  function row(dl, label, content) {
    if (!content) return;
    dl.appendChild(node("dt", null, label));
    var dd = node("dd");
    if (typeof content === "string") dd.textContent = content;
    else dd.appendChild(content);
    dl.appendChild(dd);
  }

  function link(href, label) {
    var a = node("a", null, label);
    a.href = href;
    return a;
  }

  /* Links are built with encodeURIComponent, as pages.py builds them with quote(): a value
   * can never add a second recipient, a subject, a body or another scheme. */
  function mailHref(email) {
    return "mailto:" + encodeURIComponent(String(email).trim()).replace(/%40/g, "@");
  }

  function telHref(phone) {
    var plus = /^\s*\+/.test(phone) ? "+" : "";
    return "tel:" + plus + encodeURIComponent(String(phone).replace(/[^0-9]/g, ""));
  }

  function contact(r) {
    var frag = document.createDocumentFragment();
    var lines = 0;
    function line(label, a) {
      var p = node("span", "cm-sl-line");
      p.appendChild(document.createTextNode(label + ": "));
      p.appendChild(a);
      frag.appendChild(p);
      lines++;
    }
    if (r.ph && r.ph.replace(/[^0-9]/g, "")) line("Phone", link(telHref(r.ph), r.ph));
    if (r.em) line("Email", link(mailHref(r.em), r.em));
    if (r.web && /^https?:\/\//i.test(r.web)) line("Website", link(r.web, r.web));
    return lines ? frag : null;
  }

  function where(r) {
    var modes = DELIVERY.filter(function (_, i) {
      return r.d & (1 << i) && i > 0;
    });
    if (!r.l) return modes.join(", ");
    return r.l + (modes.length ? " (also " + modes.join(", ").toLowerCase() + ")" : "");
  }

  /* The activity page's "How to join": the booking label, then who can refer. */
  function howToJoin(r) {
    var parts = [];
    if (BOOKING[r.b]) parts.push(BOOKING[r.b]);
    REFERRAL.forEach(function (label, n) {
      if (r.f & (1 << n)) parts.push(label);
    });
    return parts.map(function (part) { return part + "."; }).join(" ");
  }

  function item(id, position) {
    var r = byId[id];
    var li = node("li", "cm-sl-item");
    li.setAttribute("data-id", id);
    var h = node("h2", "cm-sl-item__title");
    h.id = "cm-sl-h-" + position;
    if (r) {
      h.appendChild(link(pageUrl(id), r.n));
      if (r.z) {
        h.appendChild(document.createTextNode(" "));
        h.appendChild(node("span", "cm-tag", "Paused"));
      }
    } else {
      h.textContent = "An activity that is no longer listed";
    }
    li.appendChild(h);
    if (r) {
      if (r.o) li.appendChild(node("p", "cm-sl-org", "Run by " + r.o));
      li.appendChild(node("p", "cm-sl-summary", r.s));
      var dl = node("dl", "cm-sl-facts");
      row(dl, "When", (r.h || []).join("\n"));
      row(dl, "Where", where(r));
      row(dl, "Contact", contact(r));
      var cost = COST_NAMES[r.k] || "";
      row(dl, "Cost", cost + (r.cn ? ": " + r.cn : ""));
      row(dl, "How to join", howToJoin(r));
      row(dl, "Last checked", isoDate(r.r));
      row(dl, "Details online", link(pageUrl(id), pageUrl(id)));
      li.appendChild(dl);
    } else {
      li.appendChild(node("p", null,
        "It may have closed. Its reference was “" + id + "”. Remove it to tidy your list."));
    }
    var remove = node("button", "md-button cm-sl-remove", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-describedby", h.id);
    remove.addEventListener("click", function () {
      removeItem(id, position, r ? r.n : "the activity");
    });
    li.appendChild(remove);
    return li;
  }

  function render() {
    var ids = SL.ids();
    var frag = document.createDocumentFragment();
    ids.forEach(function (id, i) {
      frag.appendChild(item(id, i));
    });
    el.items.textContent = "";
    el.items.appendChild(frag);
    el.items.hidden = ids.length === 0;
    el.empty.hidden = ids.length > 0;
    el.share.hidden = ids.length === 0;
    el.print.disabled = ids.length === 0;
    el.clear.hidden = ids.length === 0;
    var url = new URL(window.location.href);
    url.search = "";
    url.hash = ids.length ? "ids=" + ids.join(",") : "";
    el.link.value = url.href;
  }

  function say(message, withUndo) {
    el.status.textContent = message;
    if (withUndo) {
      var btn = node("button", "cm-link-button", "Undo");
      btn.type = "button";
      btn.addEventListener("click", function () {
        if (undo) SL.set(undo);
        undo = null;
        say("Your shortlist is back.");
        var first = el.items.querySelector("a, button");
        if (first) first.focus();
      });
      el.status.appendChild(document.createTextNode(" "));
      el.status.appendChild(btn);
    }
  }

  function removeItem(id, position, name) {
    undo = SL.ids();
    SL.remove(id);
    say("Removed " + name + " from your shortlist.", true);
    // Keep the keyboard where it was: on the next item's button, or the previous one.
    var buttons = el.items.querySelectorAll(".cm-sl-remove");
    var next = buttons[Math.min(position, buttons.length - 1)];
    if (next) next.focus();
    else el.title.focus();
  }

  function refreshTitle() {
    var name = el.name.value.trim();
    el.title.textContent = name ? "Shortlist for " + name : "Your shortlist";
  }

  /* A shared link (#ids=a,b,c): load it straight into an empty shortlist, ask otherwise. */
  function sharedIds() {
    var m = /(?:^|[#&])ids=([^&]*)/.exec(window.location.hash);
    if (!m) return null;
    var out = [];
    decodeURIComponent(m[1]).split(",").forEach(function (id) {
      id = id.trim();
      if (id && id.length <= 80 && ID.test(id) && out.indexOf(id) === -1) out.push(id);
    });
    return out.slice(0, 200);
  }

  function forgetHash() {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  function describeShared(ids) {
    var known = ids.filter(function (id) {
      return byId[id];
    }).length;
    var text = ids.length === 1 ? "1 activity" : ids.length + " activities";
    var gone = ids.length - known;
    return text + (gone ? " (" + gone + " no longer listed)" : "");
  }

  var pending = null; // ids from a shared link, waiting for a decision

  function handleShared() {
    var shared = sharedIds();
    if (shared === null) return;
    var current = SL.ids();
    var same = shared.length === current.length && shared.every(function (id) {
      return current.indexOf(id) !== -1;
    });
    if (!shared.length || same) {
      forgetHash();
      return;
    }
    if (!current.length) {
      SL.set(shared);
      forgetHash();
      say("Loaded " + describeShared(shared) + " from the shared link.");
      return;
    }
    pending = shared;
    var newOnes = shared.filter(function (id) {
      return current.indexOf(id) === -1;
    }).length;
    el.importText.textContent = "The link you opened has " + describeShared(shared) + ", " +
      newOnes + " of them not on your shortlist yet. Your shortlist has " +
      (current.length === 1 ? "1 activity" : current.length + " activities") + ".";
    el.importBox.hidden = false;
    el.importAdd.focus();
  }

  function decided(message) {
    pending = null;
    el.importBox.hidden = true;
    forgetHash();
    say(message);
    el.title.focus();
  }

  function wireImport() {
    el.importAdd.addEventListener("click", function () {
      if (pending) SL.set(SL.ids().concat(pending));
      decided("Added the shared activities to your shortlist.");
    });
    el.importReplace.addEventListener("click", function () {
      undo = SL.ids();
      if (pending) SL.set(pending);
      decided("Your shortlist now holds the shared activities.");
    });
    el.importIgnore.addEventListener("click", function () {
      decided("Your shortlist has not changed.");
    });
    window.addEventListener("hashchange", function () {
      // the records first (the shared ones, so "no longer listed" is counted right, and
      // the list's own, which the page may not have needed yet)
      need(idsToShow()).then(handleShared, function () {
        handleShared();
        showFailure();
      });
    });
  }

  function wire() {
    el.title.setAttribute("tabindex", "-1");
    el.name.addEventListener("input", refreshTitle);
    el.print.addEventListener("click", function () {
      window.print();
    });
    el.clear.addEventListener("click", function () {
      var before = SL.ids();
      if (!before.length) return;
      undo = before;
      SL.clear();
      say("Your shortlist is now empty.", true);
      el.title.focus();
    });
    el.copy.addEventListener("click", function () {
      var done = function () {
        el.copied.textContent = "Link copied.";
      };
      var fallback = function () {
        el.link.focus();
        el.link.select();
        try {
          if (document.execCommand("copy")) return done();
        } catch (e) {
          /* fall through */
        }
        el.copied.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link.";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(el.link.value).then(done, fallback);
      } else {
        fallback();
      }
    });
    el.link.addEventListener("focus", function () {
      el.link.select();
    });
    SL.onChange(refresh);
    wireImport();
  }

  /* The file an id is in: the same hash as the build's (finder.py, `bucket`). */
  function fileOf(id) {
    var h = 0x811c9dc5;
    for (var i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    return (h >>> 0) % Math.max(1, Number(cfg.chunks) || 1);
  }

  function getFile(n) {
    if (!files[n]) {
      files[n] = fetch(cfg.details.replace("{n}", String(n)))
        .then(function (resp) {
          if (!resp.ok) throw new Error("HTTP " + resp.status);
          return resp.json();
        })
        .then(function (json) {
          var items = (json && json.items) || {};
          Object.keys(items).forEach(function (id) {
            byId[id] = items[id];
          });
          loaded[n] = true;
        });
      files[n].catch(function () {
        delete files[n]; // try again next time
      });
    }
    return files[n];
  }

  /* Resolves once the records of `ids` are here; rejects if a file could not be read. */
  function need(ids) {
    var wanted = {};
    ids.forEach(function (id) {
      wanted[fileOf(id)] = true;
    });
    return Promise.all(Object.keys(wanted).map(function (n) {
      return getFile(Number(n));
    }));
  }

  function idsToShow() {
    return SL.ids().concat(sharedIds() || []);
  }

  /* A change of the list (here, in another tab, or an import): drawn at once when its
   * records are here (so focus can move to the redrawn list), else when they arrive. An id
   * with no record once its file is loaded is no longer listed. */
  var drawSeq = 0;

  function refresh() {
    var seq = ++drawSeq;
    var ids = SL.ids();
    if (ids.every(function (id) { return loaded[fileOf(id)]; })) {
      render();
      return;
    }
    need(ids).then(function () {
      if (seq === drawSeq) render();
    }, function () {
      if (seq === drawSeq) render();
      showFailure();
    });
  }

  var failed = null;

  function showFailure() {
    if (failed) return;
    failed = node("p", "cm-error cm-error--on",
      "The shortlist could not be loaded. Reloading the page may help.");
    app.parentNode.insertBefore(failed, app);
  }

  function start() {
    el.date.textContent = "Made on " + longDate(new Date());
    el.date.hidden = false;
    wire();
    handleShared();
    render();
    app.hidden = false;
  }

  function boot() {
    SL = window.CommunityMapShortlist;
    if (!SL || !SL.available) {
      var note = node("p", "cm-note",
        "Your browser is not letting this site keep a shortlist (storage is turned off or full).");
      app.parentNode.insertBefore(note, app);
      return;
    }
    need(idsToShow()).then(start, showFailure);
  }

  if (window.CommunityMapShortlist || document.readyState === "complete") boot();
  else document.addEventListener("DOMContentLoaded", boot);
})();
