// The page's one script: says when it ran (a page with a script, as any app's).
document.getElementById("when").textContent =
  "Loaded at " + new Date().toLocaleTimeString() + ".";
