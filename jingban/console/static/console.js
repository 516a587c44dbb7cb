// jingban console: a little progressive enhancement, written for this console (no library).
// Everything works without it; with it, forms marked data-target="#id" are submitted with
// fetch and only that part of the page is swapped for the same part of the answer.
(function () {
  "use strict";

  function swap(html, url, selector) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = selector && doc.querySelector(selector);
    var old = selector && document.querySelector(selector);
    if (fresh && old) {
      old.replaceWith(fresh);
      var messages = doc.getElementById("messages");
      var here = document.getElementById("messages");
      if (messages && here) here.replaceWith(messages);
    } else {
      document.body.replaceWith(doc.body);
    }
    document.title = doc.title;
    if (url && url !== location.href) history.pushState({}, "", url);
    var focus = document.querySelector("#messages [role=alert], #messages [role=status]");
    if (focus) {
      focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var selector = form.getAttribute("data-target");
    if (!selector || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var data = new FormData(form, event.submitter || undefined);
    var method = (form.getAttribute("method") || "get").toUpperCase();
    // getAttribute: a field named "action" would shadow form.action.
    var url = new URL(form.getAttribute("action") || location.href, location.href).href;
    var options = { method: method, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } };
    if (method === "GET") {
      url = url.split("?")[0] + "?" + new URLSearchParams(data).toString();
    } else {
      options.body = data;
    }
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(url, options)
      .then(function (response) {
        return response.text().then(function (html) { swap(html, response.url, selector); });
      })
      .catch(function () { form.submit(); })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.requestSubmit();
  });

  document.addEventListener("input", function (event) {
    var el = event.target;
    var selector = el.getAttribute && el.getAttribute("data-filter");
    if (!selector) return;
    var words = el.value.trim();
    document.querySelectorAll(selector + " > li[data-text]").forEach(function (li) {
      li.hidden = words !== "" && li.getAttribute("data-text").indexOf(words) < 0;
    });
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print]");
    if (el) window.print();
  });

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.key !== "/" || tag === "input" || tag === "textarea" || tag === "select") return;
    var search = document.querySelector("main [data-filter]") || document.getElementById("find-no");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  window.addEventListener("popstate", function () { location.reload(); });
})();
