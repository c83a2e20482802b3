// SPDX-License-Identifier: Apache-2.0
// The same reset with JavaScript disabled: the server checks the address, the
// server renders the check marks on 422, and the change still goes through.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  AN, JAN, accessible, assertPasswordChanged, checkOneEachAndLinks, clearMail, env,
  freshPassword, freshStart, launch, ldapBinds, marks, newPage, saveExpectingDone, screenshots,
  tr, waitForMail,
} from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("without JavaScript: 400 for a bad address, 422 marks, Save, done, bind", async () => {
  const old = await freshStart(JAN.uid);
  const page = await newPage(browser, { javaScript: false });

  // A malformed address: the server answers 400 with the form and the message.
  await page.goto(`${env.base}/forgot`);
  await page.fill("#username", JAN.uid);
  await page.fill("#email", "papa.selle-at-ouders.test");
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("form button[type=submit]"),
  ]);
  assert.equal(refused.status(), 400);
  await page.waitForSelector("#form-error");
  assert.equal(await page.textContent("#form-error"), tr("nl", "A valid e-mail address is required."));
  assert.equal(await page.inputValue("#username"), JAN.uid, "the username is kept");
  await screenshots(page, "forgot-invalid");
  await accessible(page, "forgot-invalid");

  // Jan's own address this time.
  await page.fill("#email", JAN.own);
  await Promise.all([page.waitForURL(/\/sent(\?|$)/), page.click("form button[type=submit]")]);
  await Promise.all([page.waitForURL(env.login), page.click(`a:has-text("${tr("nl", "OK")}")`)]);
  const links = checkOneEachAndLinks(await waitForMail(JAN.all.length), JAN.all);

  // The form works without its script: no live marks, the server judges on Save.
  assert.equal((await page.goto(links[JAN.own])).status(), 200);
  const password = freshPassword();
  await page.fill("#password", password);
  await page.fill("#password2", password + "x");
  const [mismatch] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("form button[type=submit]"),
  ]);
  assert.equal(mismatch.status(), 422);
  await page.waitForSelector("#form-error");
  const judged = await marks(page);
  assert.equal(judged.match, "fail");
  assert.equal(judged.min_length, "ok");
  assert.equal(judged.classes, "ok");
  assert.equal(ldapBinds(JAN.uid, old), true, "422: nothing written");
  await screenshots(page, "change-refused");
  await accessible(page, "change-refused");

  await page.fill("#password", password);
  await page.fill("#password2", password);
  await saveExpectingDone(page);
  assert.equal(await page.textContent("h1"), tr("nl", "Password changed"));
  assertPasswordChanged(JAN.uid, password, old);
  await page.context().close();
});

test("without JavaScript: a pupil without an address gets the same sent page, no mail", async () => {
  await clearMail();
  const page = await newPage(browser, { javaScript: false });
  await page.goto(`${env.base}/forgot`);
  await page.fill("#username", "lotte.claes");
  await page.fill("#email", "lotte.claes@sint-jan.test");
  await Promise.all([page.waitForURL(/\/sent(\?|$)/), page.click("form button[type=submit]")]);
  assert.equal(await page.textContent("h1"), tr("nl", "E-mail sent"));
  // A known account's request, to be sure the mail path works while we wait.
  await page.goto(`${env.base}/forgot`);
  await page.fill("#username", AN.uid);
  await page.fill("#email", AN.own);
  await Promise.all([page.waitForURL(/\/sent(\?|$)/), page.click("form button[type=submit]")]);
  const messages = await waitForMail(AN.all.length);
  checkOneEachAndLinks(messages, AN.all);
  await page.context().close();
});
