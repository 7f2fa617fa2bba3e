/* Community Map shortlist: loaded on every page.
 *
 * Keeps the ids of chosen activities in localStorage["community-map:shortlist"] (a JSON
 * array; nothing is sent anywhere), turns every `.cm-shortlist-btn` into a working toggle,
 * and adds a "Shortlist" link with a count to the header. Other scripts (the finder, the
 * shortlist page) use `window.CommunityMapShortlist`.
 */
(function () {
  "use strict";

  var KEY = "community-map:shortlist";
  var ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var listeners = [];
  var script = document.currentScript;

  function storageWorks() {
    try {
      var probe = KEY + ":probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return true;
    } catch (e) {
      return false;
    }
  }

  var available = storageWorks();

  function clean(list) {
    var seen = {};
    var out = [];
    if (!Array.isArray(list)) return out;
    list.forEach(function (id) {
      if (typeof id === "string" && id.length <= 80 && ID.test(id) && !seen[id]) {
        seen[id] = true;
        out.push(id);
      }
    });
    return out;
  }

  function ids() {
    if (!available) return [];
    try {
      return clean(JSON.parse(window.localStorage.getItem(KEY) || "[]"));
    } catch (e) {
      return [];
    }
  }

  function notify() {
    var current = ids();
    refreshButtons(document);
    refreshLink(current.length);
    listeners.forEach(function (fn) {
      try {
        fn(current);
      } catch (e) {
        /* one broken listener must not stop the others */
      }
    });
  }

  function set(list) {
    if (!available) return false;
    try {
      window.localStorage.setItem(KEY, JSON.stringify(clean(list)));
    } catch (e) {
      return false;
    }
    notify();
    return true;
  }

  function has(id) {
    return ids().indexOf(id) !== -1;
  }

  function add(id) {
    var list = ids();
    if (list.indexOf(id) === -1) list.push(id);
    return set(list);
  }

  function remove(id) {
    return set(ids().filter(function (x) {
      return x !== id;
    }));
  }

  // One pattern, not two: the button's name says what it will do ("Add to shortlist",
  // "Remove from shortlist") and it has no aria-pressed, which would be read as
  // "Remove from shortlist, toggle button, pressed". The change is announced (say).
  function refreshButton(btn, list) {
    var on = list.indexOf(btn.getAttribute("data-shortlist-id")) !== -1;
    btn.removeAttribute("aria-pressed");
    btn.classList.toggle("cm-shortlist-btn--on", on);
    btn.textContent = on ? "Remove from shortlist" : "Add to shortlist";
  }

  var status = null;
  var sayTimer = null;

  /* A polite live region of its own, so every page can confirm a change. */
  function say(message) {
    if (!status) {
      status = document.createElement("div");
      status.id = "cm-shortlist-status";
      status.className = "cm-visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    // Emptied first, so the same words said twice are heard twice.
    status.textContent = "";
    clearTimeout(sayTimer);
    sayTimer = setTimeout(function () { status.textContent = message; }, 100);
  }

  function activities(n) {
    return n === 1 ? "1 activity" : n + " activities";
  }

  function refreshButtons(root) {
    var list = ids();
    var buttons = root.querySelectorAll(".cm-shortlist-btn[data-cm-ready]");
    for (var i = 0; i < buttons.length; i++) refreshButton(buttons[i], list);
  }

  function onClick(event) {
    var btn = event.currentTarget;
    var id = btn.getAttribute("data-shortlist-id");
    var adding = !has(id);
    var done = adding ? add(id) : remove(id);
    if (!done) {
      say("Your shortlist could not be changed: this browser is not saving it.");
      return;
    }
    var n = ids().length;
    say((adding ? "Added to your shortlist (" : "Removed from your shortlist (") +
      activities(n) + ")");
  }

  /* Make the (hidden) buttons under `root` work; safe to call again on new content. */
  function enhance(root) {
    if (!available) return;
    var list = ids();
    var buttons = (root || document).querySelectorAll(".cm-shortlist-btn");
    for (var i = 0; i < buttons.length; i++) {
      var btn = buttons[i];
      if (!ID.test(btn.getAttribute("data-shortlist-id") || "")) continue;
      if (!btn.hasAttribute("data-cm-ready")) {
        btn.setAttribute("data-cm-ready", "");
        btn.addEventListener("click", onClick);
      }
      refreshButton(btn, list);
      btn.hidden = false;
    }
  }

  /* The shortlist page's address, from where this script was loaded (assets/js/...). */
  function shortlistUrl() {
    var src = script && script.src;
    if (!src) return null;
    return src.replace(/assets\/js\/shortlist\.js(\?.*)?$/, "shortlist/");
  }

  var link = null;

  function refreshLink(count) {
    if (!link) return;
    link.querySelector(".cm-shortlist-link__n").textContent = String(count);
    link.querySelector(".cm-shortlist-link__sr").textContent =
      count === 1 ? " (1 activity)" : " (" + count + " activities)";
  }

  function addLink() {
    var url = shortlistUrl();
    var header = document.querySelector(".md-header__inner");
    if (!url || !header || document.querySelector(".cm-shortlist-link")) return;
    link = document.createElement("a");
    link.className = "cm-shortlist-link";
    link.href = url;
    var label = document.createElement("span");
    label.className = "cm-shortlist-link__label";
    label.textContent = "Shortlist";
    var count = document.createElement("span");
    count.className = "cm-shortlist-link__n";
    count.setAttribute("aria-hidden", "true");
    var sr = document.createElement("span");
    sr.className = "cm-visually-hidden cm-shortlist-link__sr";
    link.appendChild(label);
    link.appendChild(count);
    link.appendChild(sr);
    if (location.href.split("#")[0].split("?")[0] === url) link.setAttribute("aria-current", "page");
    var source = header.querySelector(".md-header__source");
    header.insertBefore(link, source);
    refreshLink(ids().length);
  }

  window.CommunityMapShortlist = {
    available: available,
    ids: ids,
    has: has,
    add: add,
    remove: remove,
    set: set,
    clear: function () {
      return set([]);
    },
    enhance: enhance,
    onChange: function (fn) {
      listeners.push(fn);
    },
  };

  function start() {
    if (!available) return;
    if (!status && document.body) say("");
    addLink();
    enhance(document);
  }

  // Another tab changed the shortlist: show the same state here.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) notify();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
