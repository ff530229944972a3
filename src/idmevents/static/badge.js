// The badge page's Print button: shown only when scripts run, since it needs window.print().
(() => {
  "use strict";
  const button = document.getElementById("print-badge");
  if (!button || typeof window.print !== "function") return;
  button.hidden = false;
  button.addEventListener("click", () => window.print());
})();
