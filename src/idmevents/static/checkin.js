// The check-in desk without page reloads. Without this script every form posts and the whole
// page comes back, which works. With it, answers and counts are swapped in place, the field is
// emptied the moment a code is sent (a scanner may already be typing the next one) and keeps the
// focus, the verdict is read out by screen readers, and the counts refresh every 15 seconds.
(() => {
  "use strict";
  const desk = document.getElementById("desk");
  const field = document.getElementById("desk-query");
  if (!desk || !field || !window.fetch || !window.DOMParser) return;
  const REFRESH_MS = 15000;

  function replace(fresh, id) {
    const next = fresh.getElementById(id);
    const current = document.getElementById(id);
    if (!next || !current) return false;
    current.replaceWith(next);
    return true;
  }

  function announce() {
    const verdict = document.querySelector("#desk-answer .desk-verdict, #desk-answer h2");
    const reason = document.querySelector("#desk-answer .desk-reason");
    const text = [verdict, reason].filter(Boolean).map((el) => el.textContent.trim());
    document.getElementById("desk-announce").textContent = text.join(" ");
  }

  desk.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.hasAttribute("data-download")) return; // a PDF: the browser downloads it
    event.preventDefault();
    const body = new FormData(form);
    if (event.submitter && event.submitter.name) {
      body.append(event.submitter.name, event.submitter.value);
    }
    if (form.id === "desk-form") field.value = "";
    field.focus();
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      // Anything but a desk page (signed out, an error page): let the browser post the form.
      if (!replace(fresh, "desk-answer")) throw new Error("not a desk page");
      replace(fresh, "desk-counts");
      announce();
    } catch (error) {
      if (form.id === "desk-form") field.value = body.get("q");
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    field.focus();
  });

  async function refreshCounts() {
    if (document.hidden) return;
    try {
      const response = await fetch(desk.dataset.refreshUrl, { credentials: "same-origin" });
      if (response.ok) {
        replace(new DOMParser().parseFromString(await response.text(), "text/html"), "desk-counts");
      }
    } catch (error) {
      // The network dropped for a moment: the next refresh tries again.
    }
  }
  setInterval(refreshCounts, REFRESH_MS);
})();
