// Drives the engine's web control panel in a headless Chromium, in lockstep with the Rust test.
//
// Usage: node panel_check.mjs <panel URL> <screenshot dir>
// (from a folder where `npm install` of the package.json beside this file was done; Chromium is
// $CHROMIUM or /usr/bin/chromium, never downloaded.)
// Writes one JSON object per line on stdout at each step; at each WAIT reads one line from stdin.
// Anything unexpected: the reason on stderr, exit code 1.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { chromium } from "playwright-core";

const TIMEOUT_MS = 30000;
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const stdin = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function fail(reason) {
  throw new Error(reason);
}

function say(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

// WAIT: one line from stdin, as JSON.
async function wait(step) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no line on stdin after step ${step}`)), 120000);
  });
  const next = await Promise.race([stdin.next(), timeout]).finally(() => clearTimeout(timer));
  if (next.done) fail(`stdin closed after step ${step}`);
  try {
    return JSON.parse(next.value);
  } catch (err) {
    return fail(`after step ${step}, not JSON on stdin: ${next.value}`);
  }
}

// Waits until the slider's value is `value` (a string).
async function sliderIs(page, slider, value, what) {
  const handle = await slider.elementHandle({ timeout: TIMEOUT_MS });
  await page
    .waitForFunction(([el, v]) => el.value === v, [handle, value], { polling: 10 })
    .catch(async () => {
      fail(`${what}: the slider shows ${await slider.inputValue()}, not ${value}`);
    });
}

// Whether the stop-all button is inside the viewport and not covered by anything.
function stopAllInView(page) {
  return page.evaluate(() => {
    const button = [...document.querySelectorAll("button")].find(
      (b) => b.textContent.trim() === "Stop all devices",
    );
    if (!button) return false;
    const r = button.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && button.contains(hit);
  });
}

async function main(url, shots) {
  if (!url || !shots) fail("usage: node panel_check.mjs <panel URL> <screenshot dir>");
  fs.mkdirSync(shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bpio-panel-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  try {
    await run(context, url, shots);
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function run(context, url, shots) {
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(TIMEOUT_MS);
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  // Script errors and console errors (a CSP violation is one), except the favicon the engine
  // need not have.
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/\/favicon\.ico$/.test(msg.location().url || "")) {
      errors.push(msg.text());
    }
  });

  // 1. Open, scan, list.
  const response = await page.goto(url);
  if (!response || !response.ok()) {
    fail(`GET ${url}: ${response ? `HTTP ${response.status()}` : "no response"}`);
  }
  const stopAll = page.getByRole("button", { name: "Stop all devices", exact: true });
  await stopAll.waitFor();
  await page.getByRole("button", { name: "Start scanning", exact: true }).click();
  const hush = page.getByRole("slider", { name: "Lovense Hush Vibrate", exact: true });
  await hush.waitFor();
  // Devices may arrive one by one: take the list once it has not changed for 750 ms.
  const headings = page.locator("#devices article h3");
  let count = -1;
  for (let stable = 0, i = 0; stable < 3 && i < 40; i++) {
    const now = await headings.count();
    stable = now === count ? stable + 1 : 0;
    count = now;
    await page.waitForTimeout(250);
  }
  const names = (await headings.allTextContents()).map((t) => t.replace(/\s+/g, " ").trim());
  say({ step: "listed", devices: names });
  await wait("listed");

  // 2. Keyboard only: focus the slider, five steps right.
  await hush.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await sliderIs(page, hush, "5", "after ArrowRight x5");
  // Every one of the five commands answered (panel.js keeps a slider's count of unanswered
  // commands in its data-pending), so the engine has the 5 before the test moves on.
  await page
    .waitForFunction((el) => el.dataset.pending === "0", await hush.elementHandle())
    .catch(() => fail("the slider's commands were not answered"));
  say({ step: "slider", value: Number(await hush.inputValue()) });
  const expect = await wait("slider");
  if (!Number.isInteger(expect.expect)) {
    fail(`expected {"expect": N} on stdin, got ${JSON.stringify(expect)}`);
  }
  const t0 = performance.now();

  // 3. The slider follows another client's command while it has keyboard focus.
  if (!(await hush.evaluate((el) => el === document.activeElement))) fail("the slider lost focus");
  await sliderIs(page, hush, String(expect.expect), "following another client");
  // Also when, on the wall clock the Rust test shares, so it can time from the command it sent.
  const seenAt = performance.timeOrigin + performance.now();
  say({ step: "followed", ms: Math.round(performance.now() - t0), seen_at: seenAt });
  await wait("followed");

  // 4. Stop all.
  await stopAll.click();
  await sliderIs(page, hush, "0", "after Stop all devices");
  say({ step: "stopped" });
  await wait("stopped");

  // 5. Screenshots, phone width.
  await page.screenshot({ path: path.join(shots, "panel-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, "panel-phone.png"), fullPage: true });
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  const atTop = await stopAllInView(page);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForTimeout(100);
  const atBottom = await stopAllInView(page);
  if (errors.length) fail(`errors in the page: ${errors.join("; ")}`);
  say({ step: "phone", scroll_width: scrollWidth, stop_all_visible: atTop && atBottom });
}

main(process.argv[2], process.argv[3]).then(
  () => process.exit(0),
  (err) => {
    console.error(`panel_check: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
