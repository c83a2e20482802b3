// SPDX-License-Identifier: Apache-2.0
// The whole reset as Jan's mum does it, with JavaScript, keyboard only on both
// forms: forgot form, sent page, three messages, the link, live check marks,
// Save, done page, and a real LDAP bind with the new password.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  JAN, accessible, allMail, assertPasswordChanged, checkOneEachAndLinks, env, freshPassword, freshStart,
  launch, marks, newPage, screenshots, tr, waitForMail,
} from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Presses Tab until the element with `id` has the focus; fails after `max` presses.
async function tabTo(page, id, max = 12) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement?.id) === id) return;
  }
  assert.fail(`#${id} cannot be reached with Tab`);
}

test("the browser itself refuses a malformed address (nothing is sent)", async () => {
  const page = await newPage(browser);
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST") posts.push(r.url()); });
  await page.goto(`${env.base}/forgot`);
  for (const bad of ["jan.selle", "mama.selle@", "@ouders.test", "mama selle@ouders.test"]) {
    await page.fill("#username", JAN.uid);
    await page.fill("#email", bad);
    await page.click("form button[type=submit]");
    await page.getByText(tr("nl", "A valid e-mail address is required.")).first()
      .waitFor({ timeout: 5000 });
    assert.match(page.url(), /\/forgot/, `${bad}: still on the form`);
  }
  assert.deepEqual(posts, [], "the browser posted a malformed address to the server");
  await page.context().close();
});

test("forgot, sent, mail to every address, change with live marks, done, LDAP bind", async () => {
  const old = await freshStart(JAN.uid);
  const page = await newPage(browser);

  // The forgot form, keyboard only.
  await page.goto(`${env.base}/forgot`);
  assert.equal(await page.getAttribute("html", "lang"), "nl");
  await screenshots(page, "forgot");
  await accessible(page, "forgot");
  await tabTo(page, "username");
  await page.keyboard.type(JAN.uid);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "email");
  // The mum's address, typed with capitals and spaces: trimmed, case-insensitive.
  await page.keyboard.type(" Mama.Selle@Ouders.test ");
  await Promise.all([page.waitForURL(/\/sent(\?|$)/), page.keyboard.press("Enter")]);

  // The sent page; OK leads to the school's login page.
  assert.equal(await page.textContent("h1"), tr("nl", "E-mail sent"));
  await screenshots(page, "sent");
  await accessible(page, "sent");
  await Promise.all([page.waitForURL(env.login), page.click(`a:has-text("${tr("nl", "OK")}")`)]);

  // Every address of the account got its own message.
  const messages = await waitForMail(JAN.all.length);
  const links = checkOneEachAndLinks(messages, JAN.all);
  for (const message of messages) {
    assert.equal(message.subject, tr("nl", "{school}: choose a new password")
      .replace("{school}", "Sint-Jan (demo)"));
    const to = message.to[0].address;
    if (to === JAN.own) {
      assert.ok(message.text.includes(tr("nl", "Dear {name},").replace("{name}", "Jan")), message.text);
    } else {
      assert.ok(message.text.includes(JAN.uid), `the message to ${to} does not name the account`);
    }
  }

  // The link from mum's message: the change form, keyboard only.
  const link = links["mama.selle@ouders.test"];
  assert.ok(link.startsWith(`${env.base}/otp/`), link);
  const response = await page.goto(link);
  assert.equal(response.status(), 200);
  assert.equal(await page.textContent(".username"), JAN.uid);
  const empty = await marks(page);
  assert.ok(Object.values(empty).every((state) => state === "todo"), JSON.stringify(empty));
  await screenshots(page, "change");
  await accessible(page, "change");

  const password = freshPassword();
  await tabTo(page, "password", 20);
  await page.keyboard.type(password.slice(0, 4));
  assert.equal((await marks(page)).min_length, "fail", "4 characters are too short");
  await page.keyboard.type(password.slice(4));
  const typed = await marks(page);
  for (const rule of ["min_length", "max_length", "classes", "max_repeat", "username"]) {
    assert.equal(typed[rule], "ok", `${rule} after typing an acceptable password`);
  }
  assert.equal(typed.match, "todo");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "password2");
  await page.keyboard.type(password.slice(0, -1));
  assert.equal((await marks(page)).match, "fail", "repeated partly");
  await page.keyboard.type(password.slice(-1));
  assert.equal((await marks(page)).match, "ok", "repeated correctly");
  await screenshots(page, "change-filled");
  await accessible(page, "change-filled");
  await Promise.all([page.waitForURL(/\/done(\?|$)/), page.keyboard.press("Enter")]);

  // Done: a real bind with the new password works, the old one no longer.
  assert.equal(await page.textContent("h1"), tr("nl", "Password changed"));
  await screenshots(page, "done");
  await accessible(page, "done");
  assertPasswordChanged(JAN.uid, password, old);
  await Promise.all([page.waitForURL(env.login),
                     page.click(`a:has-text("${tr("nl", "To the login page")}")`)]);

  // The used link, and dad's link of the same round: the 410 page.
  for (const used of [link, links["papa.selle@ouders.test"]]) {
    const again = await page.goto(used);
    assert.equal(again.status(), 410);
    assert.equal(await page.textContent("h1"), tr("nl", "This link no longer works"));
  }
  await screenshots(page, "link-used");
  await accessible(page, "link-used");
  assert.deepEqual(page.foreign, [], "requests to other hosts");
  await page.context().close();
});

test("a double click sends each form once: one message per address, then done", async () => {
  const old = await freshStart(JAN.uid);
  const page = await newPage(browser);
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST") posts.push(new URL(r.url()).pathname); });
  await page.goto(`${env.base}/forgot`);
  await page.fill("#username", JAN.uid);
  await page.fill("#email", JAN.own);
  await Promise.all([page.waitForURL(/\/sent(\?|$)/), page.dblclick("form button[type=submit]")]);
  const messages = await waitForMail(JAN.all.length);
  await new Promise((resolve) => setTimeout(resolve, 1000));  // a second round would be here by now
  const links = checkOneEachAndLinks(await allMail(), JAN.all);
  assert.equal(messages.length, JAN.all.length);

  await page.goto(links[JAN.own]);
  const password = freshPassword();
  await page.fill("#password", password);
  await page.fill("#password2", password);
  await Promise.all([page.waitForURL(/\/done(\?|$)/), page.dblclick("form button[type=submit]")]);
  assert.equal(await page.textContent("h1"), tr("nl", "Password changed"));
  assert.equal(posts.length, 2, `POSTs sent: ${posts.join(", ")}`);
  assertPasswordChanged(JAN.uid, password, old);
  await page.context().close();
});

test("the error pages: a form without a valid csrf (403), an unknown page (404)", async () => {
  const page = await newPage(browser);
  await page.goto(`${env.base}/forgot`);
  await page.fill("#username", JAN.uid);
  await page.fill("#email", JAN.own);
  // A form whose hidden token no longer matches the cookie, as after a long pause.
  await page.$eval("input[name=csrf]", (field) => { field.value = "stale"; });
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("form button[type=submit]"),
  ]);
  assert.equal(refused.status(), 403);
  await page.waitForURL(/\/forgot/);
  await page.waitForSelector(`h1:has-text("${tr("nl", "This form has expired")}")`);
  await screenshots(page, "error-403");
  await accessible(page, "error-403");

  const missing = await page.goto(`${env.base}/no-such-page`);
  assert.equal(missing.status(), 404);
  assert.equal(await page.textContent("h1"), tr("nl", "Page not found"));
  await screenshots(page, "error-404");
  await accessible(page, "error-404");
  await page.context().close();
});
