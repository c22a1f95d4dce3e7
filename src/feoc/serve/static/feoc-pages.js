// Draws the page's ownership diagrams with the bundled Mermaid (mermaid.min.js, loaded before this file).
// A file of its own because the pages' Content-Security-Policy allows no inline script; `strict` keeps
// Mermaid from running links or HTML found in a label.
"use strict";
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
mermaid.run({ querySelector: "pre.mermaid" }).catch(function (error) {
  var note = document.createElement("p");
  note.className = "diagram-error";
  note.textContent = "The diagram could not be drawn: " + error;
  document.body.appendChild(note);
});
