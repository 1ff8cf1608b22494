/* AIMS: small progressive enhancements, no framework. Every page works without this file.
   - An error summary takes the focus, and its links move the focus to their field.
   - A long choice list (a select with many options, a group of checkboxes marked
     data-searchable) gets a search box that hides the choices that do not match.
   - A very long one (data-choices-url) is loaded when opened and searched on the server;
     without this file it offers "Any" and the chosen row. */
(function () {
  "use strict";
  if (window.aimsEnhanced) return;
  window.aimsEnhanced = true;

  function focusErrorSummary(root) {
    var summary = root.querySelector("[data-error-summary]");
    if (summary && !summary.contains(document.activeElement)) summary.focus();
  }

  function onSummaryClick(event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ block: "center" });
    target.focus();
  }

  function normalise(text) {
    return (text || "").toLowerCase().normalize("NFKC");
  }

  function addSearch(list) {
    if (list.dataset.searchReady) return;
    list.dataset.searchReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "choice-search";
    box.placeholder = list.dataset.searchLabel || "Search";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", list.id);
    var items = list.tagName === "SELECT" ? list.options : list.querySelectorAll("label");
    box.addEventListener("input", function () {
      var words = normalise(box.value).split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(items, function (item) {
        var text = normalise(item.textContent);
        var checked = item.selected || (item.querySelector && item.querySelector("input:checked"));
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        item.hidden = !(match || checked || item.value === "");
      });
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // searching, not submitting the form
    });
    list.parentNode.insertBefore(box, list);
  }

  /* A long list sent on demand (data-choices-url): its options come from the server when it
     is opened, and again for what is typed in its search box (a quarter second after the
     last key); the server keeps the chosen option among them. */
  function lazyChoices(select) {
    if (select.dataset.searchReady) return;
    select.dataset.searchReady = "1";
    var asked = null;
    function load(text) {
      if (asked === text) return;
      asked = text;
      var url = select.dataset.choicesUrl + (text ? "&q=" + encodeURIComponent(text) : "");
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null || asked !== text) return;
          var chosen = select.value;
          select.innerHTML = html; // options rendered and escaped by the server
          select.value = chosen;
        });
    }
    var box = document.createElement("input");
    box.type = "search";
    box.className = "choice-search";
    box.placeholder = select.dataset.searchLabel || "Search";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(box.value.trim()); }, 250);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    select.addEventListener("focus", function () { load(box.value.trim()); });
    select.addEventListener("pointerdown", function () { load(box.value.trim()); });
    select.parentNode.insertBefore(box, select);
  }

  function enhance(root) {
    root.querySelectorAll("[data-searchable]").forEach(addSearch);
    root.querySelectorAll("select[data-choices-url]").forEach(lazyChoices);
    root.querySelectorAll("select[data-search-label]:not([multiple]):not([data-choices-url])")
      .forEach(function (select) {
        if (select.options.length > 12) addSearch(select);
      });
  }

  document.addEventListener("click", onSummaryClick);
  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    focusErrorSummary(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
