/* Assure search: queries the index shipped in search-index.js (a plain script, so it
   works from file:// where fetch() is blocked). IDs and titles rank first. */
(function () {
  "use strict";
  var index = window.ASSURE_SEARCH_INDEX || [];
  var input = document.getElementById("search-page-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!input || !list) return;

  function norm(s) { return (s || "").toLowerCase(); }

  function score(entry, terms, whole) {
    var id = norm(entry.id), title = norm(entry.title), text = norm(entry.text), total = 0;
    if (id === whole) return 1000;
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i], s = 0;
      if (id === t) s = 500;
      else if (id.indexOf(t) === 0) s = 200;
      else if (id.indexOf(t) !== -1) s = 120;
      else if (title.indexOf(t) !== -1) s = 80;
      else if (text.indexOf(t) !== -1) s = 10;
      else return 0; /* every term must match somewhere */
      total += s;
    }
    return total;
  }

  /* Appends `text` to `el`, each occurrence of a search term in a <mark>. */
  function highlighted(el, text, terms) {
    var lower = text.toLowerCase(), at = 0;
    while (at < text.length) {
      var next = -1, len = 0;
      for (var i = 0; i < terms.length; i++) {
        var p = lower.indexOf(terms[i], at);
        if (p !== -1 && (next === -1 || p < next || (p === next && terms[i].length > len))) { next = p; len = terms[i].length; }
      }
      if (next === -1) break;
      if (next > at) el.appendChild(document.createTextNode(text.slice(at, next)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(next, next + len);
      el.appendChild(mark);
      at = next + len;
    }
    if (at < text.length) el.appendChild(document.createTextNode(text.slice(at)));
  }

  /* About 180 characters of the text around the first term it holds, cut at spaces. */
  function excerpt(text, terms) {
    var lower = text.toLowerCase(), first = -1;
    terms.forEach(function (t) { var p = lower.indexOf(t); if (p !== -1 && (first === -1 || p < first)) first = p; });
    var start = first > 60 ? text.lastIndexOf(" ", first - 50) + 1 : 0;
    var end = Math.min(text.length, start + 180);
    if (end < text.length) { var sp = text.lastIndexOf(" ", end); if (sp > start + 60) end = sp; }
    return (start > 0 ? "…" : "") + text.slice(start, end).trim() + (end < text.length ? "…" : "");
  }

  function run(query) {
    var whole = norm(query).trim();
    list.textContent = "";
    if (!whole) { status.textContent = "Type an ID (for example a recommendation number) or some words."; return; }
    var terms = whole.split(/\s+/);
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var s = score(index[i], terms, whole);
      if (s > 0) hits.push([s, i]);
    }
    hits.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    status.textContent = hits.length === 0 ? "No records match “" + query + "”." :
      hits.length + (hits.length === 1 ? " record matches" : " records match") + " “" + query + "”.";
    hits.slice(0, 100).forEach(function (h) {
      var e = index[h[1]];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "result-title";
      a.href = e.url;
      highlighted(a, e.title, terms);
      li.appendChild(a);
      var meta = document.createElement("span");
      meta.className = "meta";
      var type = document.createElement("strong");
      type.className = "tag";
      type.textContent = e.type;
      var id = document.createElement("span");
      id.className = "id";
      id.textContent = e.id;
      meta.appendChild(type);
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(id);
      li.appendChild(meta);
      if (e.text) {
        var p = document.createElement("p");
        p.className = "excerpt";
        highlighted(p, excerpt(e.text, terms), terms);
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  var params = new URLSearchParams(window.location.search);
  var q = params.get("q") || "";
  input.value = q;
  run(q);
  input.addEventListener("input", function () { run(input.value); });
})();
