// The dashboard's virtual panel, kept live: every 2 s it reads /api/panel and rewrites the LEDs' patterns, the meaning
// line and the newest incident's line. The page is already right without it (the server draws the panel on each load).
// Text only (textContent, never HTML): what the appliance says is shown, not run.
"use strict";
(function () {
  const panel = document.getElementById("panel");
  if (!panel) {
    return;
  }

  const ledClass = (pattern) => pattern === "off" ? "led-off" : pattern.startsWith("on") ? "led-on" : "led-blink";
  const utc = (iso) => new Date(iso).toISOString().slice(0, 19).replace("T", " ") + " UTC";

  function show(report) {
    const meaning = document.querySelector("#panel-meaning strong");
    if (meaning && meaning.textContent !== report.meaning) {
      meaning.textContent = report.meaning;
    }

    for (const led of ["red", "amber", "green", "ring"]) {
      const item = document.getElementById("led-" + led);
      const pattern = report.patterns ? report.patterns[led] : null;
      if (!item || !pattern) {
        continue;
      }

      item.querySelector(".led-pattern").textContent = pattern;
      const dot = item.querySelector(".led-dot");
      dot.classList.remove("led-off", "led-on", "led-blink");
      dot.classList.add(ledClass(pattern));
    }

    const line = document.getElementById("panel-incident");
    const i = report.incident;
    if (line) {
      line.textContent = i
        ? "Newest incident: #" + i.id + " " + i.state + (i.test ? " (TEST)" : "") + (i.room ? " in " + i.room : "") + " at " + utc(i.raisedAt)
          + (i.stateBy ? "; " + i.state + " by " + i.stateBy : "")
        : "No incident has been raised on this box.";
    }
  }

  async function poll() {
    try {
      const response = await fetch("/api/panel", { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        show(await response.json());
      }
    } catch {
      // The box is restarting or the network dropped: the last look stays, and the next poll tries again.
    }
  }

  setInterval(poll, 2000);
})();
