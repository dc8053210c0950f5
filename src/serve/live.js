// Live reload for `assure serve` (added to pages only by the preview server, never to a
// built site). Listens for the server's events: `reload` names the pages that changed
// (this one reloads if it is among them); `problems` lists the content errors, drawn
// over the page until they are fixed while the last good version stays shown. On the
// "not built yet" page (which lists the problems itself, `data-problems`) a change in
// the problems reloads the page instead.
(function () {
  "use strict";
  var me = document.currentScript;
  var path = (me && me.getAttribute("data-path")) || "";
  var version = (me && me.getAttribute("data-version")) || "";
  var listed = me ? me.getAttribute("data-problems") : null;
  if (!window.EventSource) {
    return;
  }
  var source = new EventSource(
    "/__assure/events?path=" + encodeURIComponent(path) + "&v=" + encodeURIComponent(version)
  );
  var panel = null;
  var hidden = false;

  source.addEventListener("reload", function (e) {
    var data;
    try {
      data = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    if (data.all || (data.pages || []).indexOf(path) !== -1) {
      source.close();
      window.location.reload();
    }
  });

  source.addEventListener("problems", function (e) {
    var list;
    try {
      list = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    if (listed !== null) {
      if (e.data !== listed) {
        source.close();
        window.location.reload();
      }
      return;
    }
    hidden = false;
    show(list);
  });

  function el(tag, css, text) {
    var node = document.createElement(tag);
    if (css) {
      node.style.cssText = css;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // Where, as a path inside the content folder (older servers sent only `path`).
  function where(p) {
    var file = p.file || p.path;
    return p.line ? file + ":" + p.line + ":" + p.column : file;
  }

  // The message as text, its `…` spans as code (never as HTML).
  function message(p, into) {
    var parts = (p.text || p.message || "").split("`");
    parts.forEach(function (part, i) {
      if (i % 2 === 1 && i + 1 < parts.length) {
        into.appendChild(el("code", "font:.95em/1.4 ui-monospace,Menlo,Consolas,monospace;background:#f3f2f1;padding:0 .2em", part));
      } else {
        into.appendChild(document.createTextNode((i % 2 === 1 ? "`" : "") + part));
      }
    });
  }

  function show(list) {
    if (panel) {
      panel.remove();
      panel = null;
    }
    var errors = list.filter(function (p) {
      return p.severity === "error";
    });
    var warnings = list.length - errors.length;
    if (!errors.length || hidden) {
      return;
    }
    var n = errors.length;
    panel = el(
      "section",
      "position:fixed;left:0;right:0;bottom:0;z-index:2147483647;max-height:60vh;overflow:auto;" +
        "box-sizing:border-box;margin:0;padding:1rem 1.25rem;background:#fff;color:#0b0c0c;" +
        "border-top:6px solid #d4351c;box-shadow:0 -2px 12px rgba(0,0,0,.35);" +
        "font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;text-align:left"
    );
    panel.id = "assure-serve-problems";
    panel.setAttribute("aria-labelledby", "assure-serve-problems-title");
    var title = el(
      "h2",
      "margin:0 0 .25rem;font-size:1.25rem;line-height:1.3;color:#0b0c0c",
      n + (n === 1 ? " error" : " errors") + " in the content"
    );
    title.id = "assure-serve-problems-title";
    // Announced once, briefly; the list is there to read at the reader's pace.
    var status = el(
      "p",
      "margin:0 0 .75rem",
      "This page shows the last version that built. Fix the " +
        (n === 1 ? "error" : "errors") +
        " below and save: the page updates by itself."
    );
    status.setAttribute("role", "alert");
    var items = el("ol", "margin:0 0 .75rem;padding-left:1.5rem");
    errors.forEach(function (p) {
      var li = el("li", "margin:0 0 .4rem");
      li.appendChild(el("code", "font:.95em/1.4 ui-monospace,Menlo,Consolas,monospace;font-weight:bold;word-break:break-all", where(p)));
      li.appendChild(document.createTextNode(" "));
      var text = el("span", "", p.code ? p.code + ": " : "");
      message(p, text);
      li.appendChild(text);
      if (p.page && p.page !== path) {
        li.appendChild(document.createTextNode(" "));
        var link = el("a", "color:#1d70b8", "Open the page");
        link.href = "/" + p.page.split("/").map(encodeURIComponent).join("/");
        li.appendChild(link);
      }
      items.appendChild(li);
    });
    var note = null;
    if (warnings) {
      note = (
        el(
          "p",
          "margin:0 0 .75rem",
          "and " + warnings + (warnings === 1 ? " warning" : " warnings") +
            " (warnings do not stop the site; assure check lists them)"
        )
      );
    }
    var close = el(
      "button",
      "font:inherit;padding:.3rem .9rem;border:2px solid #0b0c0c;background:#f3f2f1;color:#0b0c0c;cursor:pointer",
      "Hide"
    );
    close.type = "button";
    close.addEventListener("click", function () {
      hidden = true;
      show([]);
    });
    panel.appendChild(title);
    panel.appendChild(status);
    panel.appendChild(items);
    if (note) {
      panel.appendChild(note);
    }
    panel.appendChild(close);
    (document.body || document.documentElement).appendChild(panel);
  }
})();
