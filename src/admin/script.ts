/**
 * The console's one script, served from /admin/app.js under `script-src 'self'`: progressive
 * enhancement only (every form works without it). A merge form (`data-merge`) is driven to the
 * end: each call moves up to 200 articles and answers {moved, remaining, done}; the script calls
 * again until done and shows the progress bar, moved and remaining.
 */
export const CONSOLE_SCRIPT = `"use strict";
document.querySelectorAll("form[data-merge]").forEach(function (form) {
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var bar = document.getElementById("merge-progress");
    var status = document.getElementById("merge-status");
    var button = form.querySelector("button");
    var moved = 0;
    if (button) button.disabled = true;
    if (bar) { bar.hidden = false; bar.value = 0; }
    for (var round = 0; round < 10000; round++) {
      var response, answer;
      try {
        response = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), headers: { accept: "application/json" }, credentials: "same-origin" });
        answer = await response.json();
      } catch (error) {
        status.textContent = "Stopped: " + error;
        break;
      }
      if (!response.ok || answer.error) {
        status.textContent = "Stopped: " + ((answer.error && answer.error.message) || response.status);
        break;
      }
      moved += answer.moved;
      var total = moved + answer.remaining;
      var percent = answer.done ? 100 : total === 0 ? 0 : Math.floor((moved / total) * 100);
      if (bar) { bar.max = 100; bar.value = percent; bar.textContent = percent + "%"; }
      status.textContent = (answer.done ? "Done: " : "Merging: ") + moved + " moved, " + (answer.done ? 0 : answer.remaining) + " remaining (" + percent + "%)";
      if (answer.done) break;
    }
    if (button) button.disabled = false;
  });
});
`;
