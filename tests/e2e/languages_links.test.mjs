// SPDX-License-Identifier: Apache-2.0
// Each language once through the whole flow (the teacher and her substitute),
// and the 410 page for an expired link.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  AN, JAN, accessible, assertPasswordChanged, checkOneEachAndLinks, env, freshPassword,
  freshStart, launch, ldapBinds, newPage, requestLink, saveExpectingDone, screenshots, tr,
  waitForMail,
} from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function heading(page, lang, msgid) {
  assert.equal(await page.getAttribute("html", "lang"), lang);
  assert.equal((await page.textContent("h1")).trim(), tr(lang, msgid));
}

for (const lang of ["nl", "fr", "en"]) {
  test(`the whole flow in ${lang} (?lang=${lang}), via the substitute teacher's address`, async () => {
    const old = await freshStart(AN.uid);
    const page = await newPage(browser, { locale: { nl: "nl-BE", fr: "fr-BE", en: "en-GB" }[lang] });
    await page.goto(`${env.base}/forgot?lang=${lang}`);
    await heading(page, lang, "Forgot your password?");
    assert.equal(await page.textContent("label[for=email]"), tr(lang, "E-mail address"));
    await requestLink(page, AN.uid, "interim.wouters@sint-jan.test", { lang });
    await heading(page, lang, "E-mail sent");

    const messages = await waitForMail(AN.all.length);
    const links = checkOneEachAndLinks(messages, AN.all);
    for (const message of messages) {
      assert.equal(message.subject, tr(lang, "{school}: choose a new password")
        .replace("{school}", "Sint-Jan (demo)"));
    }
    await page.goto(links["interim.wouters@sint-jan.test"]);
    await heading(page, lang, "Choose a new password");
    const password = freshPassword();
    await page.fill("#password", password);
    await page.fill("#password2", password);
    await saveExpectingDone(page);
    await heading(page, lang, "Password changed");
    assertPasswordChanged(AN.uid, password, old);
    await page.context().close();
  });
}

test("an expired link shows the 410 page (a site whose links live 3 s)", async () => {
  const old = await freshStart(JAN.uid);
  const page = await newPage(browser);
  await requestLink(page, JAN.uid, JAN.own, { base: env.shortBase });
  const links = checkOneEachAndLinks(await waitForMail(JAN.all.length), JAN.all);
  const link = links[JAN.own];
  assert.ok(link.startsWith(`${env.shortBase}/otp/`), link);
  await new Promise((resolve) => setTimeout(resolve, 4500));
  const response = await page.goto(link);
  assert.equal(response.status(), 410);
  await heading(page, "nl", "This link no longer works");
  await screenshots(page, "link-expired");
  await accessible(page, "link-expired");
  // The page offers a new request, which leads to the forgot form.
  await Promise.all([page.waitForURL(/\/forgot(\?|$)/),
                     page.click(`a:has-text("${tr("nl", "Ask for a new link")}")`)]);
  assert.equal(ldapBinds(JAN.uid, old), true, "nothing changed");
  await page.context().close();
});
