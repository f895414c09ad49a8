// Opens every page of a web edition in headless Chromium and checks it as AgID asks (WCAG 2.1 AA):
// axe-core finds no violation, the keyboard alone reaches every control (links, fields, scrolling
// regions) in order, and the page is screenshotted at 360 and 1280 px wide.
//
// Every page is also opened under its own Content-Security-Policy (axe-core is injected in a
// context that bypasses it, as a test tool must): a dialog, an error or a policy violation raised
// by the page is reported.
//
// Usage: node verifica.mjs SITE_DIR SCREENSHOT_DIR
// Prints one JSON object: { pages, violations: [...], unreachable: [...], screenshots: [...],
// dialogs: [...], refused: [...] }.
// Exit 0 when the checks ran (the caller asserts on the JSON), 2 when they could not run.

import { chromium } from "playwright-core";
import { readdirSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [site, shots] = process.argv.slice(2).map((p) => resolve(p));
if (!site || !shots) {
  console.error("uso: node verifica.mjs CARTELLA_SITO CARTELLA_SCREENSHOT");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const pages = readdirSync(site).filter((f) => f.endsWith(".html")).sort();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const result = { pages: pages.length, violations: [], unreachable: [], screenshots: [], filtro: null,
  dialogs: [], refused: [], reflow: [], inert: [], menu: null, ricerca: null };
// Pages screenshotted at both widths: the home page, the indicators table, one objective.
const shown = new Set(["index.html", "indicatori.html", "analisi.html",
  pages.find((p) => p.startsWith("albero.")) ?? ""]);

// Two pages at a time (the machines that run this have two cores); every page at 1280 and at
// 360 px (a phone: the folded menu, the sticky result column).
const queue = pages.flatMap((p) => [[p, 1280], [p, 360]]);
async function worker() {
  const contexts = {};
  for (const width of [1280, 360]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "it-IT",
      bypassCSP: true });
    contexts[width] = { context, page: await context.newPage() };
  }
  for (let item = queue.shift(); item; item = queue.shift()) {
    const [name, width] = item;
    const page = contexts[width].page;
    await page.goto(pathToFileURL(join(site, name)).href);
    await page.addScriptTag({ path: axePath });
    const axe = await page.evaluate(async () => {
      // Every WCAG 2.0/2.1 A and AA rule, and axe's best practices.
      const r = await window.axe.run(document, { resultTypes: ["violations"] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
    });
    for (const v of axe) result.violations.push({ page: name, width, ...v });
    // The keyboard walk at full width (on a phone the menu's links wait behind its button).
    if (width === 1280) {
      result.unreachable.push(...(await keyboard(page)).map((t) => ({ page: name, control: t })));
    }
  }
  for (const c of Object.values(contexts)) await c.context.close();
}
await Promise.all([worker(), worker()]);
// Every page as a visitor gets it, under its policy: nothing may open a dialog, and the site's own
// script must run (a policy violation is reported).
{
  const context = await browser.newContext({ viewport: { width: 360, height: 900 }, locale: "it-IT" });
  const page = await context.newPage();
  let current = "";
  page.on("dialog", async (d) => { result.dialogs.push({ page: current, type: d.type(), message: d.message() });
    await d.dismiss(); });
  page.on("console", (m) => { if (/Content Security Policy|Refused to/i.test(m.text()))
    result.refused.push({ page: current, message: m.text().slice(0, 200) }); });
  page.on("pageerror", (e) => result.refused.push({ page: current, message: String(e).slice(0, 200) }));
  for (const name of pages) {
    current = name;
    await page.goto(pathToFileURL(join(site, name)).href);
    await page.waitForTimeout(20);
  }
  await context.close();
}
// Reflow (WCAG 1.4.10): at 320 and 360 px no page is wider than the screen (tables scroll inside
// their own region); a scrolling region is a tab stop only when it scrolls.
for (const width of [320, 360, 1280]) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "it-IT" });
  const page = await context.newPage();
  for (const name of pages) {
    await page.goto(pathToFileURL(join(site, name)).href);
    // The page as it settles: fonts in, the script's last word on which regions scroll.
    await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => setTimeout(r, 50))));
    const r = await page.evaluate(() => ({
      wide: document.documentElement.scrollWidth,
      inert: [...document.querySelectorAll(".scorre[tabindex]")]
        .filter((s) => s.clientWidth > 0 && s.scrollWidth <= s.clientWidth + 1)
        .map((s) => s.getAttribute("aria-label")),
    }));
    if (width < 1280 && r.wide > width) result.reflow.push({ page: name, width, wide: r.wide });
    for (const label of r.inert) result.inert.push({ page: name, width, region: label });
  }
  if (width === 320) result.menu = await menu(page);
  await context.close();
}
for (const width of [1280, 360]) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "it-IT" });
  const page = await context.newPage();
  for (const name of pages.filter((p) => shown.has(p))) {
    await page.goto(pathToFileURL(join(site, name)).href);
    const file = join(shots, `${name.replace(/\.html$/, "")}-${width}.png`);
    await page.screenshot({ path: file, fullPage: width === 1280 });
    result.screenshots.push(file);
  }
  if (width === 1280) {
    result.filtro = await filter(page);
    result.ricerca = await search(page);
  }
  await context.close();
}
await browser.close();
console.log(JSON.stringify(result, null, 1));

// Tabs through the page from the top; returns the controls that Tab never reached.
async function keyboard(page) {
  const controls = await page.evaluate(() => {
    const all = document.querySelectorAll("a[href], input, select, textarea, button, [tabindex='0']");
    const visible = [...all].filter((e) => !e.closest("[hidden]") && e.getClientRects().length > 0);
    visible.forEach((e, i) => e.setAttribute("data-k", String(i)));
    return visible.length;
  });
  await page.evaluate(() => {
    window.__raggiunti = new Set();
    document.addEventListener("focusin", (e) => window.__raggiunti.add(e.target.getAttribute("data-k")));
    if (document.activeElement) document.activeElement.blur();
  });
  for (let i = 0; i < controls + 2; i += 1) await page.keyboard.press("Tab");
  return page.evaluate(() => [...document.querySelectorAll("[data-k]")]
    .filter((e) => !window.__raggiunti.has(e.getAttribute("data-k")))
    .map((e) => e.outerHTML.slice(0, 120)));
}

// On a phone the menu is folded under its button, which opens it.
async function menu(page) {
  await page.goto(pathToFileURL(join(site, "index.html")).href);
  const before = await page.isVisible("#voci-menu");
  await page.click(".apri-menu");
  const after = await page.isVisible("#voci-menu");
  const expanded = await page.getAttribute(".apri-menu", "aria-expanded");
  return { before, after, expanded };
}

// The search ignores accents and case, and the choice is kept in the address: reloading the
// address gives the same rows.
async function search(page) {
  await page.goto(pathToFileURL(join(site, "indicatori.html")).href);
  // A word with an accent in some row, typed without it.
  const word = await page.evaluate(() => {
    for (const r of document.querySelectorAll("#tabella-indicatori tbody tr")) {
      const m = r.textContent.match(/[A-Za-z]*[àèéìòù][A-Za-z]*/);
      if (m && m[0].length > 4) return m[0];
    }
    return "";
  });
  const plain = word.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toUpperCase();
  await page.fill("#f-testo", plain);
  const shown = await page.locator("#tabella-indicatori tbody tr:not([hidden])").count();
  const url = page.url();
  await page.goto(url);
  const again = await page.locator("#tabella-indicatori tbody tr:not([hidden])").count();
  const field = await page.inputValue("#f-testo");
  return { word, plain, shown, url: url.split("?")[1] || "", again, field };
}

// On the indicators page: the filters appear with the script, and choosing a band by keyboard
// leaves only the rows of that band.
async function filter(page) {
  await page.goto(pathToFileURL(join(site, "indicatori.html")).href);
  const visible = await page.isVisible("#filtri");
  // Without SMVP classes there is no class filter.
  if ((await page.locator("#f-banda").count()) === 0) return { visible, absent: true };
  const total = await page.locator("#tabella-indicatori tbody tr").count();
  // The band of the last row (a band that has rows), chosen from the keyboard.
  const band = await page.locator("#tabella-indicatori tbody tr").last().getAttribute("data-banda");
  await page.focus("#f-banda");
  await page.selectOption("#f-banda", band);
  const rows = await page.locator("#tabella-indicatori tbody tr:not([hidden])").evaluateAll(
    (rs) => rs.map((r) => r.dataset.banda));
  const status = await page.textContent("#conteggio");
  return { visible, total, band, shown: rows.length, bands: [...new Set(rows)], status };
}
