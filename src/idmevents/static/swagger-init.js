// Starts Swagger UI on /schema/swagger (web/api_docs.py): a file, because the
// Content-Security-Policy allows no inline script. The document's URL comes from the page.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // No badge from the online validator: the page talks to this site only.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
