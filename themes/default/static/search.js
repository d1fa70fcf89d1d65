/* Static search for the /search/ page. Fetches /search/meta.json, then only the
   index shards for the words typed and the result shards for the hits shown
   (see docs/SEARCH.md). Builds the results with DOM calls, never innerHTML.
   Without JS the form stays hidden and the page offers the browse links. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-search-form]");
  if (!form || !window.fetch || !window.Promise || !window.Set) { return; }
  var input = form.querySelector("input[name=q]");
  var verdictSelect = form.querySelector("select[name=verdict]");
  var topicSelect = form.querySelector("select[name=topic]");
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var more = document.querySelector("[data-search-more]");
  var nojs = document.querySelector("[data-search-nojs]");
  var PAGE = 10;
  var cache = {};
  var meta = null;
  var stop = null;
  var hits = [];
  var shown = 0;
  var summary = "";  // the status line of the last search: how many match what
  var runs = 0;
  var timer = null;

  function getJSON(path) {
    var url = path + (meta ? "?v=" + meta.version : "");
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error(path + ": " + response.status); }
        return response.json();
      });
      cache[url].catch(function () { delete cache[url]; });
    }
    return cache[url];
  }

  function normalise(text) {
    return text.normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase();
  }

  function tokens(text) {
    var words = normalise(text).match(/[\p{L}\p{N}]+/gu) || [];
    var seen = {};
    return words.filter(function (word) {
      if (word.length < 2 || stop.has(word) || seen[word]) { return false; }
      seen[word] = true;
      return true;
    });
  }

  /* The file name of an index shard: its prefix if a-z0-9, else code points. */
  function shardFile(prefix) {
    if (/^[a-z0-9]+$/.test(prefix)) { return prefix; }
    return "u" + Array.from(prefix).map(function (c) { return c.codePointAt(0).toString(16); }).join("-");
  }

  /* Shards that can hold words starting with `word`: the longest prefix of the
     word that has a shard, and any longer shard prefix that starts with it. */
  function shardsFor(word) {
    var longest = "";
    var result = [];
    meta.prefixes.forEach(function (prefix) {
      if (word.lastIndexOf(prefix, 0) === 0 && prefix.length > longest.length) {
        longest = prefix;
      } else if (prefix.length > word.length && prefix.lastIndexOf(word, 0) === 0) {
        result.push(prefix);
      }
    });
    if (longest) { result.push(longest); }
    return result;
  }

  function ungap(gaps) {
    var ids = new Array(gaps.length);
    var id = 0;
    for (var i = 0; i < gaps.length; i += 1) { id += gaps[i]; ids[i] = id; }
    return ids;
  }

  /* Claim ids for one query word: every indexed word that starts with it. */
  function idsForWord(word) {
    return Promise.all(shardsFor(word).map(function (prefix) {
      return getJSON("/search/index/" + shardFile(prefix) + ".json");
    })).then(function (shards) {
      var ids = new Set();
      shards.forEach(function (shard) {
        Object.keys(shard).forEach(function (token) {
          if (token.lastIndexOf(word, 0) === 0) {
            ungap(shard[token]).forEach(function (id) { ids.add(id); });
          }
        });
      });
      return ids;
    });
  }

  function facet(kind, value) {
    return getJSON("/search/facets/" + kind + "/" + encodeURIComponent(value) + ".json")
      .then(function (gaps) { return new Set(ungap(gaps)); });
  }

  function intersect(sets) {
    sets.sort(function (a, b) { return a.size - b.size; });
    var result = [];
    sets[0].forEach(function (id) {
      for (var i = 1; i < sets.length; i += 1) { if (!sets[i].has(id)) { return; } }
      result.push(id);
    });
    return result.sort(function (a, b) { return a - b; });
  }

  /* "7 October 2024", as the builder writes dates on the pages. */
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"];
  function formatDate(iso) {
    var parts = iso.split("-");
    return parts.length === 3 ? +parts[2] + " " + MONTHS[+parts[1] - 1] + " " + parts[0] : iso;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function resultItem(doc) {
    var item = element("li");
    var card = element("article", "card");
    var title = element("h2", "card__title");
    var link = element("a", "", doc[1]);
    link.href = doc[0];
    title.appendChild(link);
    card.appendChild(title);
    var metaLine = element("p", "card__meta");
    var verdict = meta.verdicts[doc[3]];
    if (verdict) {
      var badge = element("a", "verdict verdict--" + verdict[0]);
      badge.href = verdict[2];
      badge.appendChild(element("span", "visually-hidden", "Verdict: "));
      badge.appendChild(document.createTextNode(verdict[1]));
      metaLine.appendChild(badge);
      metaLine.appendChild(document.createTextNode(" "));
    }
    if (doc[2].length) {
      metaLine.appendChild(element("span", "card__who", "Claimed by " + doc[2].join(", ")));
      metaLine.appendChild(document.createTextNode(" "));
    }
    var date = element("span", "card__date", "Published ");
    var time = element("time", "", formatDate(doc[4]));
    time.setAttribute("datetime", doc[4]);
    date.appendChild(time);
    metaLine.appendChild(date);
    card.appendChild(metaLine);
    item.appendChild(card);
    return item;
  }

  // focusNew: the reader pressed "Show more", which hides itself after the last
  // batch: focus moves to the first new result (else it would fall to the page's
  // start), and the status says how many are shown
  function showMore(run, focusNew) {
    var page = hits.slice(shown, shown + PAGE);
    var shards = {};
    page.forEach(function (id) { shards[Math.floor(id / meta.shard)] = true; });
    return Promise.all(Object.keys(shards).map(function (n) {
      return getJSON("/search/docs/" + n + ".json").then(function (docs) { return [+n, docs]; });
    })).then(function (loaded) {
      if (run !== runs) { return; }
      var byShard = {};
      loaded.forEach(function (pair) { byShard[pair[0]] = pair[1]; });
      var first = null;
      page.forEach(function (id) {
        var doc = byShard[Math.floor(id / meta.shard)][id % meta.shard];
        if (doc) {
          var item = list.appendChild(resultItem(doc));
          first = first || item;
        }
      });
      shown += page.length;
      more.hidden = shown >= hits.length;
      if (focusNew) {
        status.textContent = summary + " Showing " + Math.min(shown, hits.length) + " of " +
          hits.length + ".";
        var link = first && first.querySelector("a");
        if (link) { link.focus(); }
      }
    });
  }

  function describe(words) {
    var parts = [];
    if (words.length) { parts.push("\u201c" + words.join(" ") + "\u201d"); }
    if (verdictSelect.value) {
      parts.push("rated " + verdictSelect.options[verdictSelect.selectedIndex].text);
    }
    if (topicSelect.value) {
      parts.push("on " + topicSelect.options[topicSelect.selectedIndex].text);
    }
    return parts.join(", ");
  }

  function updateAddress(query) {
    if (!window.history || !history.replaceState) { return; }
    var params = new URLSearchParams();
    if (query) { params.set("q", query); }
    if (verdictSelect.value) { params.set("verdict", verdictSelect.value); }
    if (topicSelect.value) { params.set("topic", topicSelect.value); }
    var search = params.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  function search() {
    runs += 1;
    var run = runs;
    var query = input.value.trim();
    var words = tokens(query);
    updateAddress(query);
    var sets = words.map(idsForWord);
    if (verdictSelect.value) { sets.push(facet("v", verdictSelect.value)); }
    if (topicSelect.value) { sets.push(facet("t", topicSelect.value)); }
    list.textContent = "";
    more.hidden = true;
    hits = [];
    shown = 0;
    if (!sets.length) {
      status.textContent = query ? "Type a longer word to search." : "";
      return Promise.resolve();
    }
    status.textContent = "Searching\u2026";
    return Promise.all(sets).then(function (found) {
      if (run !== runs) { return; }
      hits = intersect(found);
      var about = describe(words);
      summary = hits.length === 0 ? "No fact-checks match " + about + "."
        : hits.length + " fact-check" + (hits.length === 1 ? "" : "s") + " match " + about + ".";
      status.textContent = summary;
      return showMore(run);
    }).catch(function () {
      if (run !== runs) { return; }
      status.textContent = "Search failed to load. Check your connection, or browse the lists below.";
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  }

  getJSON("/search/meta.json").then(function (data) {
    meta = data;
    stop = new Set(data.stop);
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    verdictSelect.value = params.get("verdict") || "";
    topicSelect.value = params.get("topic") || "";
    form.hidden = false;
    if (nojs) { nojs.hidden = true; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      search();
    });
    input.addEventListener("input", later);
    verdictSelect.addEventListener("change", search);
    topicSelect.addEventListener("change", search);
    more.addEventListener("click", function () { showMore(runs, true); });
    if (input.value || verdictSelect.value || topicSelect.value) { search(); }
  }, function () {
    if (nojs) { nojs.textContent = "Search could not load. You can still browse every fact-check below."; }
  });
}());
