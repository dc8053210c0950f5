// Live reload for `assure serve` (added to pages only by the preview server, never to a
// built site). Listens for the server's events: `reload` names the pages that changed
// (this one reloads if it is among them); `problems` lists the content's errors and
// warnings, drawn over the page until they are fixed (with errors, the last good version
// stays shown). On the
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

  // The list the reader hid, kept for this tab: the same problems stay hidden on the
  // next page, and come back when they change.
  function hiddenList() {
    try {
      return window.sessionStorage.getItem("assure-serve-hidden");
    } catch (err) {
      return null;
    }
  }

  function hideList(data) {
    try {
      window.sessionStorage.setItem("assure-serve-hidden", data);
    } catch (err) {
      // Storage refused: hidden on this page only.
    }
  }

  function listOf(problems, into) {
    var items = el("ol", "margin:0 0 .75rem;padding-left:1.5rem");
    problems.forEach(function (p) {
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
    into.appendChild(items);
  }

  function count(n, what) {
    return n + " " + what + (n === 1 ? "" : "s");
  }

  var BUTTON =
    "font:inherit;padding:.3rem .9rem;border:2px solid #0b0c0c;background:#f3f2f1;color:#0b0c0c;cursor:pointer";

  // Errors and warnings over the page, as `assure check` gives them (SPEC §14.8):
  // errors first, with a red rule (the page is the last version that built); warnings
  // alone with an orange one (the site builds). Hidden, a small button brings it back.
  function show(list) {
    if (panel) {
      panel.remove();
      panel = null;
    }
    if (!list.length) {
      return;
    }
    var data = JSON.stringify(list);
    var errors = list.filter(function (p) {
      return p.severity === "error";
    });
    var warnings = list.filter(function (p) {
      return p.severity !== "error";
    });
    var n = errors.length;
    var summary = n
      ? count(n, "error") + (warnings.length ? " and " + count(warnings.length, "warning") : "")
      : count(warnings.length, "warning");
    if (hidden || hiddenList() === data) {
      panel = el(
        "button",
        BUTTON +
          ";position:fixed;right:.75rem;bottom:.75rem;z-index:2147483647;background:#fff;" +
          "border-color:" + (n ? "#d4351c" : "#f47738") +
          ";font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif",
        "Show " + summary
      );
      panel.type = "button";
      panel.id = "assure-serve-problems-shown";
      panel.addEventListener("click", function () {
        hidden = false;
        hideList("");
        show(list);
      });
      (document.body || document.documentElement).appendChild(panel);
      return;
    }
    panel = el(
      "section",
      "position:fixed;left:0;right:0;bottom:0;z-index:2147483647;max-height:" + (n ? "60vh" : "40vh") + ";overflow:auto;" +
        "box-sizing:border-box;margin:0;padding:1rem 1.25rem;background:#fff;color:#0b0c0c;" +
        "border-top:6px solid " + (n ? "#d4351c" : "#f47738") + ";box-shadow:0 -2px 12px rgba(0,0,0,.35);" +
        "font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;text-align:left"
    );
    panel.id = "assure-serve-problems";
    panel.setAttribute("aria-labelledby", "assure-serve-problems-title");
    var title = el(
      "h2",
      "margin:0 0 .25rem;font-size:1.25rem;line-height:1.3;color:#0b0c0c",
      summary + " in the content"
    );
    title.id = "assure-serve-problems-title";
    // Announced once, briefly (errors as an alert, warnings politely); the list is
    // there to read at the reader's pace.
    var status = el(
      "p",
      "margin:0 0 .75rem",
      n
        ? "This page shows the last version that built. Fix the " +
            (n === 1 ? "error" : "errors") +
            " below and save: the page updates by itself."
        : "The site builds: warnings do not stop it, but each is something a reader of the site or a pack may trip over. Fix them and save: this list updates by itself."
    );
    status.setAttribute("role", n ? "alert" : "status");
    panel.appendChild(title);
    panel.appendChild(status);
    if (n) {
      listOf(errors, panel);
    }
    if (warnings.length) {
      if (n) {
        panel.appendChild(
          el("h3", "margin:0 0 .25rem;font-size:1.1rem;line-height:1.3;color:#0b0c0c", count(warnings.length, "warning"))
        );
      }
      listOf(warnings, panel);
    }
    var close = el("button", BUTTON, "Hide");
    close.type = "button";
    close.addEventListener("click", function () {
      hidden = true;
      hideList(data);
      show(list);
    });
    panel.appendChild(close);
    (document.body || document.documentElement).appendChild(panel);
  }
})();
