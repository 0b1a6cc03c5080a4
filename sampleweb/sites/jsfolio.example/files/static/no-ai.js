// The profile's "No AI training" switch: the app adds the robots meta tag when it loads.
(function () {
  var meta = document.createElement("meta");
  meta.name = "robots";
  meta.content = "noai, noimageai";
  document.head.appendChild(meta);
})();
