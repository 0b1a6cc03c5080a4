// Adds the AI opt-out meta tag (the site builder's "protect my art" toggle).
(function () {
  var meta = document.createElement("meta");
  meta.name = "robots";
  meta.content = "noai, noimageai";
  document.head.appendChild(meta);
})();
