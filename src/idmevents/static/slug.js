// The meeting forms (new, duplicate, draft): the web address is proposed from the title as it is
// typed, the way validation.slugify does it on the server ("Migration et développement" →
// "migration-et-developpement"), until the organizer writes an address of their own. Without
// this script an empty address is filled from the title when the form is saved.
(function () {
  "use strict";
  var title = document.getElementById("title");
  var slug = document.getElementById("slug");
  if (!title || !slug) { return; }

  function slugify(text) {
    return text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
      .slice(0, 100).replace(/-+$/, "");
  }

  // An address the organizer typed is theirs: only an empty one, or the one we proposed, follows.
  var following = slug.value === "" || slug.value === slugify(title.value);
  title.addEventListener("input", function () {
    if (following) { slug.value = slugify(title.value); }
  });
  slug.addEventListener("input", function () {
    following = slug.value === "";
  });
}());
