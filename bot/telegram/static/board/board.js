// The board's page: reads the initData Telegram hands the Mini App (window.Telegram.WebApp
// when Telegram's script is there, else the URL fragment's tgWebAppData, which Telegram
// always sets), sends it with every request, and draws what the API answers.
"use strict";

(function () {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const webApp = window.Telegram && window.Telegram.WebApp;
  const initData = (webApp && webApp.initData) || fragment.get("tgWebAppData") || "";
  let texts = {};
  // The chart shown (the team it is of, "" for all) and its blob: URL, freed when replaced.
  let chartTeam = null;
  let chartUrl = null;
  // How many of each team's newest cases to ask for (0: the server's first page).
  let shown = 0;
  let pageSize = 0;

  function applyTheme() {
    let theme = (webApp && webApp.themeParams) || null;
    if (!theme && fragment.get("tgWebAppThemeParams")) {
      try { theme = JSON.parse(fragment.get("tgWebAppThemeParams")); } catch (e) { theme = null; }
    }
    if (!theme) return;
    for (const [key, value] of Object.entries(theme)) {
      if (/^[a-z_]+$/.test(key) && /^#[0-9a-fA-F]{3,8}$/.test(String(value))) {
        document.documentElement.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
      }
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function api(path, options) {
    const response = await fetch(new URL(path, window.location.href), Object.assign({
      headers: { "Authorization": "tma " + initData, "Content-Type": "application/json" },
    }, options || {}));
    if (response.status === 401) throw new Error("refused");
    if (!response.ok) throw new Error("failed");
    return response.json();
  }

  function refuse() {
    const notice = document.getElementById("notice");
    notice.textContent = texts.refused ||
      "Open the board from the bot in Telegram (the link has expired).";
    notice.hidden = false;
    document.getElementById("filters").hidden = true;
    document.getElementById("board").replaceChildren();
    document.getElementById("case").hidden = true;
    document.getElementById("chart-box").hidden = true;
    document.getElementById("more-box").hidden = true;
  }

  function query() {
    const params = new URLSearchParams();
    for (const select of document.querySelectorAll("#filters select")) {
      if (select.value) params.set(select.name, select.value);
    }
    if (shown) params.set("shown", String(shown));
    return params.toString();
  }

  function fillFilters(filters, selected) {
    for (const select of document.querySelectorAll("#filters select")) {
      const all = el("option", "", texts.all || "All");
      all.value = "";
      const options = [all];
      for (const option of filters[select.name] || []) {
        const node = el("option", "", option.label);
        node.value = option.value;
        options.push(node);
      }
      select.replaceChildren(...options);
      select.value = selected[select.name] || "";
    }
    for (const span of document.querySelectorAll("[data-text]")) {
      if (texts[span.dataset.text]) span.textContent = texts[span.dataset.text];
    }
    document.getElementById("filters").hidden = false;
  }

  function drawBoard(data) {
    const board = document.getElementById("board");
    const columns = data.columns.map(function (column) {
      const box = el("section", "column");
      box.dataset.column = column.key;
      box.append(el("h2", "", column.title + " · " + column.count));
      box.append(el("div", "totals", column.totals.join(" · ")));
      if (!column.cases.length) box.append(el("p", "empty", texts.empty || ""));
      for (const item of column.cases) {
        const card = el("button", "card");
        card.type = "button";
        card.dataset.token = item.token;
        card.append(el("div", "title", "#" + item.id + " · " + item.reason));
        card.append(el("div", "meta", [item.money, item.account, item.team, item.assignee]
          .filter(Boolean).join(" · ")));
        card.addEventListener("click", function () { openCase(item.token); });
        box.append(card);
      }
      return box;
    });
    board.replaceChildren(...columns);
  }

  // The /stats chart of the chosen team (or of all): fetched with the initData header,
  // shown through a blob: URL (an <img src> request could not carry the header).
  async function loadChart(team) {
    if (team === chartTeam) return;
    chartTeam = team;
    const box = document.getElementById("chart-box");
    const image = document.getElementById("chart");
    let blob = null;
    try {
      const path = "api/chart.png" + (team ? "?team=" + encodeURIComponent(team) : "");
      const response = await fetch(new URL(path, window.location.href), {
        headers: { "Authorization": "tma " + initData },
      });
      if (response.status === 200) blob = await response.blob();
    } catch (error) { blob = null; }
    if (chartTeam !== team) return;  // another team was chosen meanwhile
    if (chartUrl) URL.revokeObjectURL(chartUrl);
    chartUrl = blob ? URL.createObjectURL(blob) : null;
    if (!chartUrl) {
      box.hidden = true;
      box.dataset.state = "none";
      image.removeAttribute("src");
      return;
    }
    image.alt = texts.chart || "";
    image.onload = function () { box.dataset.state = "shown"; };
    image.src = chartUrl;
    box.hidden = !document.getElementById("case").hidden;
  }

  async function load() {
    try {
      const data = await api("api/cases?" + query());
      texts = data.texts;
      fillFilters(data.filters, data.selected);
      drawBoard(data);
      shown = data.shown;
      pageSize = data.page;
      document.getElementById("more-box").hidden = !data.more;
      document.body.dataset.shown = String(data.shown);
      document.body.dataset.loaded = "yes";
      loadChart(data.selected.team || "");
    } catch (error) {
      refuse();
      document.body.dataset.loaded = "refused";
    }
  }

  function drawCase(data) {
    document.getElementById("case-text").textContent = data.text;
    const actions = data.actions.map(function (action) {
      const button = el("button", "", action.label);
      button.type = "button";
      button.dataset.action = action.data.split(":")[2];
      button.addEventListener("click", async function () {
        try {
          const result = await api("api/case/" + encodeURIComponent(data.token), {
            method: "POST", body: JSON.stringify({ data: action.data }),
          });
          document.getElementById("toast").textContent = result.toast || "";
          drawCase(result.case);
        } catch (error) { refuse(); }
      });
      return button;
    });
    document.getElementById("case-actions").replaceChildren(...actions);
  }

  async function openCase(token) {
    try {
      const data = await api("api/case/" + encodeURIComponent(token));
      document.getElementById("toast").textContent = "";
      drawCase(data);
      document.getElementById("board").hidden = true;
      document.getElementById("filters").hidden = true;
      document.getElementById("chart-box").hidden = true;
      document.getElementById("more-box").hidden = true;
      document.getElementById("case").hidden = false;
    } catch (error) { refuse(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    applyTheme();
    if (webApp && webApp.ready) webApp.ready();
    document.getElementById("filters").addEventListener("change", load);
    document.getElementById("more").addEventListener("click", function () {
      shown += pageSize;
      load();
    });
    document.getElementById("back").addEventListener("click", function () {
      document.getElementById("case").hidden = true;
      document.getElementById("board").hidden = false;
      document.getElementById("chart-box").hidden = !chartUrl;
      chartTeam = null;  // an outcome recorded there may change the chart: drawn again
      load();
    });
    if (!initData) { refuse(); document.body.dataset.loaded = "refused"; return; }
    load();
  });
})();
