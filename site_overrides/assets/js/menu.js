/* Community Map: the site menu (Material's navigation drawer) for the keyboard and screen
 * readers. Loaded on every page.
 *
 * Below 1220 CSS px (a phone, or a desktop at 200 % zoom) Material shows the site's
 * navigation as a drawer opened by a checkbox (#__drawer) and a <label> in the header: the
 * label is not focusable and has no name or role, and the closed drawer, moved off screen,
 * still takes every Tab stop. This script puts a real button in the label's place (named,
 * with aria-expanded), makes the closed drawer inert, opens and closes its sections with
 * Enter and Space, and closes the drawer (or the open section) with Escape, returning focus
 * to what opened it. Without JavaScript Material's label still opens the drawer by pointer.
 */
(function () {
  "use strict";

  var toggle = document.getElementById("__drawer");
  var label = document.querySelector('label.md-header__button[for="__drawer"]');
  var drawer = document.querySelector(".md-sidebar--primary");
  if (!toggle || !label || !drawer || !window.matchMedia) return;
  // The width below which Material turns the navigation into a drawer (76.25em).
  var narrow = window.matchMedia("(max-width: 76.234375em)");

  var button = document.createElement("button");
  button.type = "button";
  button.className = label.className + " cm-menu-button";
  while (label.firstChild) button.appendChild(label.firstChild);
  button.setAttribute("aria-label", "Menu");
  if (!drawer.id) drawer.id = "cm-site-menu";
  button.setAttribute("aria-controls", drawer.id);
  label.parentNode.replaceChild(button, label);

  // A <button> standing in for one of Material's <label>s in the drawer (a label may have
  // no role): the same classes and content, cloned node by node.
  function buttonFor(label, extra) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = label.className + " " + extra;
    b.hidden = true;
    for (var c = label.firstChild; c; c = c.nextSibling) b.appendChild(c.cloneNode(true));
    label.parentNode.insertBefore(b, label.nextSibling);
    return b;
  }

  // Sections of the menu: in the drawer each opens as a panel of its own. There, a button
  // opens it (aria-expanded) and another at the top of the panel goes back; on wide
  // screens Material's own labels stay.
  var sections = [];
  var toggles = drawer.querySelectorAll("input.md-nav__toggle[id^='__nav_']");
  for (var i = 0; i < toggles.length; i++) {
    var input = toggles[i];
    var opener = drawer.querySelector('label.md-nav__link[for="' + input.id + '"]');
    var panel = input.parentNode.querySelector(":scope > nav.md-nav");
    if (!opener || !panel) continue;
    var back = panel.querySelector(':scope > label.md-nav__title[for="' + input.id + '"]');
    var s = { input: input, opener: opener, panel: panel, back: back,
      open: buttonFor(opener, "cm-nav-button"),
      close: back ? buttonFor(back, "cm-nav-back") : null };
    s.open.setAttribute("aria-controls", panel.id || (panel.id = input.id + "_panel"));
    s.open.removeAttribute("id");
    if (s.close) s.close.setAttribute("aria-label", "Back to the main menu");
    // What an open section's panel covers: the rest of the menu it came from.
    var item = input.parentNode;
    var covered = [];
    var siblings = item.parentNode.children;
    for (var j = 0; j < siblings.length; j++) if (siblings[j] !== item) covered.push(siblings[j]);
    var parentNav = item.parentNode.parentNode;
    var heads = parentNav.querySelectorAll(":scope > .md-nav__title, :scope > .md-nav__source");
    for (var h = 0; h < heads.length; h++) covered.push(heads[h]);
    covered.push(opener, s.open);
    s.covered = covered;
    sections.push(s);
  }

  function isOpen() {
    return narrow.matches && toggle.checked;
  }

  function sync() {
    var open = toggle.checked;
    var small = narrow.matches;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    drawer.inert = small && !open;
    sections.forEach(function (s) {
      var expanded = s.input.checked;
      s.opener.hidden = small;
      s.open.hidden = !small;
      s.open.setAttribute("aria-expanded", expanded ? "true" : "false");
      if (s.close) {
        s.back.hidden = small;
        s.close.hidden = !small;
      }
      // A section's panel is off to the side until its section is opened; then it covers
      // the menu it came from, which takes no focus until the panel is closed.
      s.panel.inert = small && !expanded;
      s.covered.forEach(function (node) { node.inert = false; });
    });
    sections.forEach(function (s) {
      if (small && s.input.checked) {
        s.covered.forEach(function (node) { node.inert = true; });
      }
    });
  }

  function focusFirst(container) {
    var all = container.querySelectorAll("a[href], button:not([disabled]), [tabindex='0']");
    for (var k = 0; k < all.length; k++) {
      if (!all[k].closest("[inert]") && all[k].getClientRects().length) {
        all[k].focus();
        return;
      }
    }
  }

  function setDrawer(open) {
    if (toggle.checked !== open) toggle.click(); // fires "change" for Material's own scripts
    sync();
  }

  button.addEventListener("click", function () {
    setDrawer(!toggle.checked);
    if (toggle.checked) {
      // After the drawer has become visible (it was inert and off screen).
      window.requestAnimationFrame(function () { focusFirst(drawer); });
    }
  });

  function setSection(s, open) {
    if (s.input.checked !== open) s.input.click();
    sync();
    window.requestAnimationFrame(function () {
      if (open) focusFirst(s.panel.querySelector(":scope > ul") || s.panel);
      else s.open.focus();
    });
  }

  sections.forEach(function (s) {
    s.open.addEventListener("click", function () { setSection(s, !s.input.checked); });
    if (s.close) s.close.addEventListener("click", function () { setSection(s, false); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !isOpen()) return;
    var inside = drawer.contains(document.activeElement);
    if (inside) {
      // In an open section of the drawer: back to the main menu first.
      for (var k = sections.length - 1; k >= 0; k--) {
        var s = sections[k];
        if (s.input.checked && s.panel.contains(document.activeElement)) {
          event.preventDefault();
          setSection(s, false);
          return;
        }
      }
    }
    event.preventDefault();
    setDrawer(false);
    button.focus();
  });

  // Tabbing out of the open drawer closes it, so focus never goes behind its overlay.
  drawer.addEventListener("focusout", function (event) {
    var to = event.relatedTarget;
    if (isOpen() && to && !drawer.contains(to) && to !== button) setDrawer(false);
  });

  toggle.addEventListener("change", sync);
  sections.forEach(function (s) { s.input.addEventListener("change", sync); });
  if (narrow.addEventListener) narrow.addEventListener("change", sync);
  else narrow.addListener(sync);
  // Material closes the drawer itself too (the overlay, a link to the same page) without a
  // "change" event: check again after any click.
  document.addEventListener("click", function () { window.setTimeout(sync, 0); }, true);
  sync();
})();
