// A drop zone around a file input (evidence upload). Without JavaScript the plain file
// input works; with it, a file dropped onto the zone is put into the input.
(function () {
  "use strict";
  function setUp(zone) {
    var input = zone.querySelector('input[type="file"]');
    if (!input) { return; }
    zone.classList.add("dropzone-ready");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dropzone-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) { return; }
      var transfer = new DataTransfer();
      transfer.items.add(files[0]);
      input.files = transfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dropzone]").forEach(setUp);
  });
})();
