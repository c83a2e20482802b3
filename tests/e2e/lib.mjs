// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the browser tests. They run against the demo stack that
// tests/harness/sesam_harness/demo.py starts (`demo.py run -- node --test ...`)
// and reads from the environment it exports (SESAM_DEMO_*, SESAM_TEST_*).
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";

export const TOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function need(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests through ` +
                    "tests/harness/sesam_harness/demo.py run -- node --test (ctest -L e2e does)");
  }
  return value;
}

export const env = {
  base: need("SESAM_DEMO_BASE_URL"),
  shortBase: need("SESAM_DEMO_SHORT_BASE_URL"),
  login: need("SESAM_DEMO_LOGIN_URL"),
  maildev: need("SESAM_DEMO_MAILDEV_URL"),
  ldap: need("SESAM_DEMO_LDAP_URI"),
  people: need("SESAM_DEMO_PEOPLE"),
  config: need("SESAM_DEMO_CONFIG"),
  adminDn: need("SESAM_TEST_LDAP_ADMIN_DN"),
  adminPassword: need("SESAM_TEST_LDAP_ADMIN_PASSWORD"),
  cli: process.env.SESAM_CLI || path.join(TOP, "build", "cli", "sesam"),
  out: process.env.SESAM_E2E_OUTPUT || path.join(TOP, "build", "e2e"),
};

// Jan Selle of the demo school (packaging/demo/school.ldif).
export const JAN = {
  uid: "jan.selle",
  names: ["Jan", "Selle"],
  own: "jan.selle@sint-jan.test",
  all: ["jan.selle@sint-jan.test", "mama.selle@ouders.test", "papa.selle@ouders.test"],
};
export const AN = {
  uid: "an.wouters",
  names: ["An", "Wouters"],
  own: "an.wouters@sint-jan.test",
  all: ["an.wouters@sint-jan.test", "interim.wouters@sint-jan.test"],
};

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

// Debian's chromium, headless; playwright-core never downloads a browser.
export async function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export async function newPage(browser, { javaScript = true, viewport = DESKTOP, locale = "nl-BE" } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport, locale });
  // The machine is shared with builds: be patient before calling a page hung.
  context.setDefaultTimeout(60000);
  const page = await context.newPage();
  page.javaScriptDisabled = !javaScript;
  // Pages load nothing from other hosts (issue 5): any such request fails the test.
  const origin = new URL(env.base).origin;
  page.foreign = [];
  page.on("request", (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith("data:")) {
      page.foreign.push(request.url());
    }
  });
  return page;
}

// A password the policy accepts, new each time, without Jan's or An's names.
export function freshPassword() {
  return `Fiets.${randomBytes(4).toString("hex")}.Q7`;
}

export function dn(uid) {
  return `uid=${uid},${env.people}`;
}

// A real simple bind; true when the directory accepts the password.
export function ldapBinds(uid, password) {
  const result = spawnSync("ldapwhoami", ["-x", "-H", env.ldap, "-D", dn(uid), "-w", password],
                           { encoding: "utf8" });
  if (result.status !== 0 && result.status !== 49) {
    throw new Error(`ldapwhoami: exit ${result.status}: ${result.stderr}`);
  }
  return result.status === 0;
}

// Sets a known password as the directory's administrator, so that a test
// knows the "old" password whatever ran before it.
export function setPasswordAsAdmin(uid, password) {
  execFileSync("ldappasswd", ["-x", "-H", env.ldap, "-D", env.adminDn, "-w", env.adminPassword,
                              "-s", password, dn(uid)]);
}

// The start of every flow: a known old password for `uid` and an empty mailbox.
export async function freshStart(uid) {
  const old = freshPassword();
  setPasswordAsAdmin(uid, old);
  await clearMail();
  return old;
}

// The end of every flow: a real bind works with the new password, not the old one.
export function assertPasswordChanged(uid, password, old) {
  assert.equal(ldapBinds(uid, password), true, `${uid}: bind with the new password`);
  assert.equal(ldapBinds(uid, old), false, `${uid}: bind with the old password`);
}

// --- the mail catcher (maildev's REST API) ----------------------------------

export async function clearMail() {
  const response = await fetch(`${env.maildev}/email/all`, { method: "DELETE" });
  assert.equal(response.ok, true, "DELETE /email/all");
}

export async function allMail() {
  const response = await fetch(`${env.maildev}/email`);
  assert.equal(response.ok, true, "GET /email");
  return response.json();
}

// Waits until `count` messages are there (and a moment longer, to catch extras).
export async function waitForMail(count, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = await allMail();
    if (messages.length >= count) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return allMail();
    }
    if (Date.now() > deadline) {
      throw new Error(`${messages.length} of ${count} messages after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function linkIn(message) {
  const match = /https?:\/\/[^\s"<>]+\/otp\/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+/
    .exec(message.text);
  assert.ok(match, `no reset link in the text of "${message.subject}"`);
  return match[0];
}

// Each of `addresses` got exactly one message, addressed to it alone and
// naming no other address; returns the links, one per address.
export function checkOneEachAndLinks(messages, addresses) {
  assert.deepEqual(messages.map((m) => m.to.map((t) => t.address).join(",")).sort(),
                   [...addresses].sort(), "one message per address, one recipient each");
  const links = {};
  for (const message of messages) {
    const to = message.to[0].address;
    for (const other of addresses) {
      if (other === to) continue;
      assert.ok(!message.text.includes(other) && !(message.html || "").includes(other),
                `the message to ${to} mentions ${other}`);
    }
    links[to] = linkIn(message);
  }
  return links;
}

// --- pages ------------------------------------------------------------------

// Opens the forgot form, fills it in and submits it (its submit button).
export async function requestLink(page, user, address, { base = env.base, lang = "" } = {}) {
  await page.goto(`${base}/forgot${lang ? `?lang=${lang}` : ""}`);
  await page.fill("#username", user);
  await page.fill("#email", address);
  await Promise.all([page.waitForURL(/\/sent(\?|$)/), page.click("form button[type=submit]")]);
}

// State of every check mark on the change form: { rule id: "ok" | "fail" | "todo" }.
export async function marks(page) {
  return page.$$eval("li[data-rule]", (items) =>
    Object.fromEntries(items.map((item) => [item.dataset.rule, item.className.trim()])));
}

// Screenshots of the page as it is, desktop and 375 px wide, into build/e2e/.
export async function screenshots(page, name) {
  mkdirSync(env.out, { recursive: true });
  const before = page.viewportSize();
  for (const [suffix, size] of [["desktop", DESKTOP], ["375", PHONE]]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(env.out, `${name}-${suffix}.png`), fullPage: true });
    if (suffix === "375") {
      // Fits a phone: nothing wider than the screen.
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `${name}: ${width} px wide on a 375 px screen`);
    }
  }
  await page.setViewportSize(before);
}

// axe-core: no serious or critical violation; every visible field has a label.
// axe runs inside the page, so a page without JavaScript is checked as a copy
// (the same HTML at the same URL) in a context with JavaScript.
export async function accessible(page, name) {
  if (page.javaScriptDisabled) {
    const html = await page.content();
    const copy = await newPage(page.context().browser(), { viewport: page.viewportSize() });
    await copy.route(page.url(), (route) =>
      route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html }));
    await copy.goto(page.url());
    try {
      await accessible(copy, `${name} (without JavaScript)`);
    } finally {
      await copy.context().close();
    }
    return;
  }
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target).join(" ")}`),
                   [], `${name}: axe-core violations`);
  const unlabelled = await page.$$eval("input:not([type=hidden]), select, textarea", (fields) =>
    fields.filter((f) => f.labels.length === 0 && !f.getAttribute("aria-label")).map((f) => f.name));
  assert.deepEqual(unlabelled, [], `${name}: fields without a label`);
}

// --- the policy -------------------------------------------------------------

export const vectors = JSON.parse(readFileSync(path.join(TOP, "tests", "vectors", "policy.json"), "utf8"));

// The server's verdicts for `passwords` (no newlines) through `sesam check`,
// the engine behind the web form, under the stack's own configuration.
export function serverVerdicts(passwords, uid, names) {
  const output = spawnSync(env.cli, ["check", "--batch", "--json", "--config", env.config,
                                     "--user", uid, "--names", names.join(",")],
                           { input: passwords.map((p) => p + "\n").join(""), encoding: "utf8",
                             maxBuffer: 256 << 20,
                             env: { ...process.env, LANG: "C" } });
  if (output.status !== 0 && output.status !== 1) {
    throw new Error(`sesam check: exit ${output.status} ${output.error ?? ""}: ${output.stderr}`);
  }
  const lines = output.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.length, passwords.length, "sesam check: one verdict per password");
  return lines.map((verdict) => Object.fromEntries(verdict.rules.map((r) => [r.id, r.passed])));
}

// A gettext .po file as msgid -> msgstr (enough for our catalogs: no plurals).
export function poCatalog(file) {
  const text = readFileSync(file, "utf8");
  const catalog = {};
  const unquote = (block) => block.match(/"((?:[^"\\]|\\.)*)"/g).map((q) => JSON.parse(q)).join("");
  for (const entry of text.split(/\n\s*\n/)) {
    const id = /^msgid ((?:".*"\n?)+)/m.exec(entry);
    const str = /^msgstr ((?:".*"\n?)+)/m.exec(entry);
    if (id && str) catalog[unquote(id[1])] = unquote(str[1]);
  }
  return catalog;
}

const catalogs = {
  nl: poCatalog(path.join(TOP, "po", "web", "nl.po")),
  fr: poCatalog(path.join(TOP, "po", "web", "fr.po")),
};

// The web page's text for `msgid` in `lang` (English is the msgid itself).
export function tr(lang, msgid) {
  if (lang === "en") return msgid;
  const text = catalogs[lang][msgid];
  assert.ok(text, `po/web/${lang}.po has no translation of "${msgid}"`);
  return text;
}

// Clicks Save on the change form and waits for the done page; on any other
// answer fails with what the page says (status, heading, error line).
export async function saveExpectingDone(page) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("form button[type=submit]"),
  ]);
  if (response.status() !== 303) {
    await page.waitForLoadState();
    const said = await page.evaluate(() =>
      [document.querySelector("h1")?.textContent, document.querySelector("#form-error")?.textContent,
       [...document.querySelectorAll("li.fail")].map((li) => li.dataset.rule).join(",")].join(" | "));
    assert.fail(`Save answered ${response.status()}: ${said}`);
  }
  await page.waitForURL(/\/done(\?|$)/);
}
