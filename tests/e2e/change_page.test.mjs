// SPDX-License-Identifier: Apache-2.0
// The change page (issue 14) in a real browser: reached from the forgot page,
// keyboard only, live check marks as typed (the username rule follows the
// typed username), axe-core on the form and on its refusal, 375 px and
// desktop screenshots, done page, and a real LDAP bind with the new password.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  accessible, assertPasswordChanged, env, freshPassword, launch, marks, newPage, screenshots,
  setPasswordAsAdmin, tr,
} from "./lib.mjs";

const LOTTE = "lotte.claes";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function tabTo(page, id, max = 15) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement?.id) === id) return;
  }
  assert.fail(`#${id} cannot be reached with Tab`);
}

test("a wrong current password: one polite answer, still accessible", async () => {
  const page = await newPage(browser);
  await page.goto(`${env.base}/change?lang=en`);
  await page.fill("#username", LOTTE);
  await page.fill("#current", "Not-Her-Password-1");
  const password = freshPassword();
  await page.fill("#password", password);
  await page.fill("#password2", password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("form button[type=submit]"),
  ]);
  assert.equal(response.status(), 401);
  await page.waitForLoadState();
  assert.equal((await page.textContent("#form-error")).trim(),
               "The username or the current password is not right, or this account cannot log in now.");
  assert.equal(await page.inputValue("#username"), LOTTE);
  assert.equal(await page.inputValue("#current"), "", "the password is never sent back");
  await accessible(page, "change refused");
  await screenshots(page, "change-refused");
  await page.context().close();
});

test("from the forgot page, keyboard only, live marks, done, LDAP bind", async () => {
  const old = freshPassword();
  setPasswordAsAdmin(LOTTE, old);
  const page = await newPage(browser);
  await page.goto(`${env.base}/forgot`);
  await Promise.all([page.waitForURL(/\/change(\?|$)/),
                     page.click(`a:has-text("${tr("nl", "Change your password")}")`)]);
  assert.equal(await page.textContent("h1"), tr("nl", "Change your password"));
  await screenshots(page, "change");
  await accessible(page, "change");

  await tabTo(page, "username");
  await page.keyboard.type(LOTTE);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "current");
  await page.keyboard.type(old);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "password");
  // The typed username inside the new password: its mark fails, live.
  await page.keyboard.type("Lotte.claes-2026!");
  await page.waitForFunction(() =>
    document.querySelector('li[data-rule="username"]')?.className === "fail");
  const password = freshPassword();
  await page.fill("#password", "");
  await page.keyboard.type(password);
  await page.waitForFunction(() =>
    document.querySelector('li[data-rule="min_length"]')?.className === "ok");
  const state = await marks(page);
  assert.equal(state.min_length, "ok");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "password2");
  await page.keyboard.type(password);
  await page.waitForFunction(() =>
    document.querySelector('li[data-rule="match"]')?.className === "ok");
  await Promise.all([page.waitForURL(/\/done(\?|$)/), page.keyboard.press("Enter")]);
  assert.equal(await page.textContent("h1"), tr("nl", "Password changed"));
  await accessible(page, "change done");
  assertPasswordChanged(LOTTE, password, old);
  await page.context().close();
});
