/* Community Map search: what a query means, worked out around Pagefind.
 *
 * The finder (finder.js) loads this file when someone first searches. It turns a query into
 * terms, asks a backend (Pagefind, or a plain text match when the index is missing) for the
 * activities each term finds, and ranks them by how many terms they match:
 *
 * - Words and "quoted phrases": every word counts on its own (`walking group` lists every
 *   walk, those with both words first); a quoted phrase is one exact term. Little words
 *   ("to", "the") are left out unless the query is nothing else.
 * - Synonyms (assets/data/search.json, built from schema/synonyms.yml): a word or phrase a
 *   category or audience lists (`lonely`, `money worries`) also matches every activity of that
 *   category or audience, and the finder says "Also showing results for ...".
 * - Typos: a word of five or more letters that no activity has is corrected to the indexed
 *   word one or two edits away (`dementai` -> `dementia`), using the word list the build
 *   writes beside the index; the list is fetched only when a word finds nothing.
 *
 * The pure parts (parse, expand, distance, correct, rank) are exported for tests.
 * A backend is {find(text, term) -> Promise<{hits: [{i, s}], known}>, members(group) ->
 * [positions], words() -> Promise<[word, ...]>, listed}: `i` a result's position in the
 * finder's data, `s` its score, `known` true when the word itself was found, false when
 * nothing was, null when only a similar word was (Pagefind answers an unknown word with a
 * shorter one). `listed`, if given, is the index's whole word list, already loaded: then a
 * word it lacks is corrected (or dropped) before any search, which saves Pagefind's index
 * chunks for it and the fragment that tells a stand-in from the word.
 */
(function (root) {
  "use strict";

  // Words too common to rank by (they would match nearly every activity).
  var STOP = {};
  ("a an and are as at be by for from i in is it me my near of on or our the to with " +
    "someone something somewhere some any want need looking find help please")
    .split(" ")
    .forEach(function (w) {
      STOP[w] = true;
    });
  // Endings that make two words the same word for search ("walks", "walking", "walk").
  var ENDINGS = ["", "s", "es", "e", "ed", "d", "ing", "er", "ers", "ies", "y", "ly", "al", "ness"];
  var MAX_TERMS = 12; // a search each: a pasted paragraph must not start hundreds
  var MIN_TYPO = 5; // letters a word needs before it is corrected
  var MAX_EDITS = 2;
  // For being in a category or audience the query names: as much as the best text match, so
  // that `exercise` lists the physical activities before a lunch club that mentions it.
  var GROUP_BONUS = 1;

  var groups = []; // from search.json: {k, id, n, d, w}

  /* Lower case, accents and apostrophes removed, anything else not a letter or digit a
   * space: "Men’s Café" is "mens cafe". */
  function plain(text) {
    return String(text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/['\u2019]/g, "")
      .replace(/[^a-z0-9]+/g, " ")
      .trim();
  }

  function tokens(text) {
    var p = plain(text);
    return p ? p.split(" ") : [];
  }

  /* The query's terms: {text, phrase, exact, at} (`at`: the word's place among `words`, the
   * unquoted words in order, which synonyms are matched against). */
  function parse(q) {
    var terms = [];
    var words = [];
    var re = /"([^"]*)"?|([^\s"]+)/g;
    var m;
    while ((m = re.exec(String(q || "")))) {
      if (m[1] !== undefined) {
        var inQuotes = tokens(m[1]);
        if (inQuotes.length) terms.push({ text: inQuotes.join(" "), phrase: inQuotes.length > 1, exact: true });
      } else {
        tokens(m[2]).forEach(function (w) {
          terms.push({ text: w, phrase: false, exact: false, at: words.length });
          words.push(w);
        });
      }
    }
    var kept = terms.filter(function (t) {
      return t.exact || !STOP[t.text];
    });
    return { terms: (kept.length ? kept : terms).slice(0, MAX_TERMS), words: words };
  }

  function sameToken(queryWord, synonymWord) {
    return queryWord === synonymWord || queryWord === synonymWord + "s" || queryWord === synonymWord + "es";
  }

  /* The categories and audiences the query's words name: [{group, covers: [word places]}],
   * longest phrases first; `words` are the query's unquoted words (after corrections). */
  function expand(words, list) {
    var found = [];
    (list || groups).forEach(function (group) {
      var covers = {};
      var any = false;
      (group.w || []).forEach(function (synonym) {
        var syn = tokens(synonym);
        if (!syn.length) return;
        for (var start = 0; start + syn.length <= words.length; start++) {
          var ok = true;
          for (var k = 0; k < syn.length && ok; k++) ok = sameToken(words[start + k], syn[k]);
          if (!ok) continue;
          for (k = 0; k < syn.length; k++) covers[start + k] = true;
          any = true;
        }
      });
      if (any) {
        found.push({
          group: group,
          covers: Object.keys(covers).map(Number),
        });
      }
    });
    return found;
  }

  /* Edits (insert, delete, change, swap two neighbours) from a to b, or max + 1 once it is
   * clear there are more than `max`. */
  function distance(a, b, max) {
    if (max === undefined) max = Infinity;
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prevPrev = null;
    var prev = [];
    for (var j = 0; j <= b.length; j++) prev[j] = j;
    for (var i = 1; i <= a.length; i++) {
      var row = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (prevPrev && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          v = Math.min(v, prevPrev[j - 2] + 1);
        }
        row[j] = v;
        if (v < best) best = v;
      }
      if (best > max) return max + 1;
      prevPrev = prev;
      prev = row;
    }
    return prev[b.length] > max ? max + 1 : prev[b.length];
  }

  /* Whether two words are one word for search: the same but for an ending ("walks",
   * "walking"; "dementai" and "dementia" are not). */
  function sameWord(a, b) {
    if (a === b) return true;
    var n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    if (n < 3) return false;
    return ENDINGS.indexOf(a.slice(n)) !== -1 && ENDINGS.indexOf(b.slice(n)) !== -1;
  }

  /* Whether an index has `word`: a listed word is it, or begins with it (as Pagefind matches). */
  function known(word, list) {
    for (var n = 0; n < list.length; n++) {
      var w = list[n];
      if (w.slice(0, word.length) === word || sameWord(word, w)) return true;
    }
    return false;
  }

  /* The listed word (most frequent first) fewest edits from `word`, or "" if it is listed,
   * too short, or more than two edits from every word. */
  function correct(word, list) {
    if (!word || word.length < MIN_TYPO || /[0-9]/.test(word) || known(word, list)) return "";
    var best = "";
    var bestEdits = MAX_EDITS + 1;
    for (var n = 0; n < list.length && bestEdits > 1; n++) {
      var w = list[n];
      if (w.length < 4) continue;
      var edits = distance(word, w, bestEdits - 1);
      if (edits < bestEdits) {
        best = w;
        bestEdits = edits;
      }
    }
    return best;
  }

  /* What Pagefind matched in a result: the words at its locations, whole and in parts
   * ("home-cooked", "MenCare", "Men’s"). Costs that result's fragment. */
  function matchedWords(hit) {
    return hit.data().then(function (page) {
      var words = String((page && page.content) || "").split(/[\r\n\s]+/g);
      var heads = [];
      ((page && page.locations) || []).forEach(function (at) {
        var w = words[at] || "";
        var parts = plain(w.replace(/([a-z])([A-Z])/g, "$1 $2"));
        if (parts) heads.push.apply(heads, parts.split(" ").concat(parts.replace(/ /g, "")));
      });
      return heads;
    });
  }

  /* true: a matched word is `word` (or begins with it); null: only one with its first few
   * letters (a stand-in, perhaps a typo's); false: not even that. */
  function verdict(word, heads) {
    var head = word.slice(0, Math.min(word.length, 4));
    var near = false;
    for (var n = 0; n < heads.length; n++) {
      var h = heads[n];
      if (h.slice(0, word.length) === word || sameWord(word, h)) return true;
      if (h.slice(0, head.length) === head) near = true;
    }
    return near ? null : false;
  }

  /* Order the activities by how many terms they match, then by the terms' scores (each term's
   * best result scores 1) and a bonus per category or audience they are in.
   * `found`: per term, its hits; `expansions`: [{covers: [term numbers], members: [positions]}]. */
  function rank(found, expansions) {
    // typed arrays by position: thousands of results without a Map or an object each
    var size = 0;
    found.forEach(function (result) {
      ((result && result.hits) || []).forEach(function (h) {
        if (h.i !== undefined && h.i !== null && h.i >= size) size = h.i + 1;
      });
    });
    expansions.forEach(function (e) {
      (e.members || []).forEach(function (i) {
        if (i >= size) size = i + 1;
      });
    });
    var terms = new Uint32Array(size); // bit t: term t matched (MAX_TERMS < 32)
    var named = new Uint32Array(size); // bit t: the bonus for term t counted
    var score = new Float64Array(size);
    found.forEach(function (result, term) {
      var hits = (result && result.hits) || [];
      var top = 0;
      hits.forEach(function (h) {
        if (h.s > top) top = h.s;
      });
      hits.forEach(function (h) {
        if (h.i === undefined || h.i === null) return;
        terms[h.i] |= 1 << term;
        score[h.i] += top > 0 ? h.s / top : 1;
      });
    });
    expansions.forEach(function (e) {
      (e.members || []).forEach(function (i) {
        e.covers.forEach(function (term) {
          var bit = 1 << term;
          terms[i] |= bit;
          if (!(named[i] & bit)) score[i] += GROUP_BONUS;
          named[i] |= bit;
        });
      });
    });
    var order = [];
    var count = new Uint8Array(size);
    for (var i = 0; i < size; i++) {
      if (!terms[i]) continue;
      for (var bits = terms[i]; bits; bits &= bits - 1) count[i]++;
      order.push(i);
    }
    order.sort(function (a, b) {
      return count[b] - count[a] || score[b] - score[a] || a - b;
    });
    return order;
  }

  function displayName(name) {
    return /^.[a-z]/.test(name) ? name.charAt(0).toLowerCase() + name.slice(1) : name;
  }

  /* Search: {order: [positions], also: [names], corrected: "the corrected query" or "",
   * fixes: [[typed, corrected]]}. */
  function run(q, backend) {
    var parsed = parse(q);
    var terms = parsed.terms;
    if (!terms.length) return Promise.resolve({ order: [], also: [], corrected: "", fixes: [] });
    function ask(t) {
      return backend.find(t.phrase ? '"' + t.text + '"' : t.text, t);
    }
    // A word a category or audience lists means something even if no page has it.
    var named = {};
    expand(parsed.words).forEach(function (e) {
      e.covers.forEach(function (place) {
        named[place] = true;
      });
    });
    var first = Promise.all(
      terms.map(function (t) {
        var list = backend.listed;
        if (!list || t.exact || !listable(t.text)) return ask(t);
        t.checked = true;
        if (known(t.text, list)) return ask(t);
        var fixed = !named[t.at] && correct(t.text, list);
        if (!fixed) return { hits: [], known: named[t.at] ? true : false };
        t.typed = t.text;
        t.text = fixed;
        return ask(t);
      })
    );
    return first
      .then(function (found) {
        var doubtful = terms.filter(function (t, n) {
          return (
            !t.exact &&
            !named[t.at] &&
            !t.checked &&
            t.text.length >= MIN_TYPO &&
            !/[0-9]/.test(t.text) &&
            found[n].known !== true
          );
        });
        if (!doubtful.length) return found;
        return Promise.resolve(backend.words())
          .then(function (list) {
            return Promise.all(
              terms.map(function (t, n) {
                if (doubtful.indexOf(t) === -1 || !list || !list.length) return found[n];
                if (known(t.text, list)) return found[n];
                var fixed = correct(t.text, list);
                if (!fixed) return { hits: [], known: false }; // a stand-in matched: nothing
                t.typed = t.text;
                t.text = fixed;
                return ask(t);
              })
            );
          })
          .catch(function () {
            return found; // no word list: keep what was found
          });
      })
      .then(later) // rank in a task of its own: Pagefind's search is a long one already
      .then(function (found) {
        var words = parsed.words.slice();
        var fixes = [];
        terms.forEach(function (t) {
          if (t.typed) {
            words[t.at] = t.text;
            fixes.push([t.typed, t.text]);
          }
        });
        var byPlace = {};
        terms.forEach(function (t, n) {
          if (t.at !== undefined) byPlace[t.at] = n;
        });
        var said = {};
        terms.forEach(function (t) {
          said[t.text] = true;
        });
        var also = [];
        var expansions = [];
        expand(words).forEach(function (e) {
          var covers = e.covers
            .map(function (place) {
              return byPlace[place];
            })
            .filter(function (n) {
              return n !== undefined;
            });
          if (!covers.length) return; // only little words named it ("help")
          var name = displayName(e.group.n || e.group.id);
          if (!said[plain(name)] && also.indexOf(name) === -1) also.push(name);
          expansions.push({ covers: covers, members: backend.members(e.group) });
        });
        return {
          order: rank(found, expansions),
          also: also,
          corrected: fixes.length ? correctedQuery(q, fixes) : "",
          fixes: fixes,
        };
      });
  }

  /* The query as typed, each corrected word in place of its typo. */
  function correctedQuery(q, fixes) {
    var out = String(q).trim().split(/\s+/);
    fixes.forEach(function (f) {
      for (var n = 0; n < out.length; n++) {
        if (out[n].charAt(0) !== '"' && plain(out[n]) === f[0]) {
          out[n] = f[1];
          return;
        }
      }
    });
    return out.join(" ");
  }

  /* Pagefind as a backend: one search per term. `pf` is {pagefind, byHash (hash -> position,
   * -1 for a hash two parts share), words (the word list, if the id map had it)}; `own`
   * gives resultIndex(pf, hit) -> Promise<position> for a shared hash, members(group) and
   * wordsUrl. Without the word list, the top result's fragment tells whether the word itself
   * was found or only a shorter stand-in (Pagefind issue #793). */
  function pagefindBackend(pf, own) {
    var words = pf.words ? Promise.resolve(pf.words) : null;
    return {
      listed: pf.words,
      find: function (text, term) {
        return pf.pagefind.search(text).then(function (result) {
          var list = (result && result.results) || [];
          if (!list.length) return { hits: [], known: false };
          var check =
            term.phrase || (pf.words && listable(term.text))
              ? Promise.resolve(true)
              : matchedWords(list[0]).then(
                  function (heads) {
                    return verdict(term.text, heads);
                  },
                  function () {
                    return true; // cannot tell: keep Pagefind's answer
                  }
                );
          return check.then(function (known) {
            if (known === false) return { hits: [], known: false };
            // positions by hash at once; only a hash two parts share waits for its page
            var pending = [];
            var hits = list.map(function (hit, n) {
              var i = pf.byHash.get(hit.id);
              if (i === -1) {
                pending.push(
                  own.resultIndex(pf, hit).then(function (j) {
                    hits[n].i = j;
                  })
                );
              }
              return { i: i === -1 ? undefined : i, s: hit.score || 0 };
            });
            return Promise.all(pending).then(function () {
              return { known: known, hits: hits };
            });
          });
        });
      },
      members: own.members,
      // every indexed word, fetched only when a word finds nothing (for "Did you mean")
      words: function () {
        if (!words) {
          words = fetch(own.wordsUrl)
            .then(function (resp) {
              if (!resp.ok) throw new Error("no word list");
              return resp.json();
            })
            .then(function (json) {
              return String(json.w || "").split(" ").filter(Boolean);
            });
          words.catch(function () {
            words = null; // try again next time
          });
        }
        return words;
      },
    };
  }

  /* A backend without Pagefind: each text (one per activity) is searched for the term,
   * a word by its stem as a prefix of a word, a phrase as it is. */
  function textBackend(texts, members) {
    var haystacks = texts.map(function (t) {
      return " " + plain(t) + " ";
    });
    var list = null;
    return {
      find: function (text, term) {
        var needle = " " + (term.exact ? term.text : stem(term.text));
        var hits = [];
        for (var i = 0; i < haystacks.length; i++) {
          if (haystacks[i].indexOf(needle) !== -1) hits.push({ i: i, s: 1 });
        }
        return Promise.resolve({ hits: hits, known: hits.length > 0 });
      },
      members: members,
      words: function () {
        if (!list) {
          var counts = new Map();
          haystacks.forEach(function (h) {
            h.split(" ").forEach(function (w) {
              if (w.length >= 4 && /^[a-z]+$/.test(w)) counts.set(w, (counts.get(w) || 0) + 1);
            });
          });
          list = Array.from(counts.keys()).sort(function (a, b) {
            return counts.get(b) - counts.get(a) || (a < b ? -1 : 1);
          });
        }
        return Promise.resolve(list);
      },
    };
  }

  /* A promise of `value` in a later task, so one long task becomes two shorter ones. */
  function later(value) {
    return new Promise(function (resolve) {
      setTimeout(function () {
        resolve(value);
      }, 0);
    });
  }

  /* A word the index's word list can speak for: letters only. */
  function listable(word) {
    return /^[a-z]+$/.test(word);
  }

  function stem(w) {
    if (w.length <= 3) return w;
    var m = /^(.{3,}?)(ies|es|s|ing|ed)$/.exec(w);
    if (!m) return w;
    return m[2] === "ies" ? m[1] + "y" : m[1];
  }

  root.CommunityMapSearch = {
    setData: function (data) {
      groups = (data && Array.isArray(data.groups) && data.groups) || [];
    },
    groups: function () {
      return groups;
    },
    plain: plain,
    parse: parse,
    expand: expand,
    distance: distance,
    sameWord: sameWord,
    known: known,
    listable: listable,
    correct: correct,
    matchedWords: matchedWords,
    verdict: verdict,
    rank: rank,
    run: run,
    textBackend: textBackend,
    pagefindBackend: pagefindBackend,
    later: later,
  };
})(window);
