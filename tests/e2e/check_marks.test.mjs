// SPDX-License-Identifier: Apache-2.0
// The live check marks, one password per rule, as a sighted user and a screen
// reader get them: the mark's class, the word next to it (visible or not) and
// the same marks on the server's 422 page after Save. Welkom123 meets 3 of the
// 4 classes and fails on the blocklist alone: its missing class is "optional",
// never "✗ not yet".
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  AN, checkOneEachAndLinks, freshStart, launch, ldapBinds, newPage, requestLink, tr,
  waitForMail,
} from "./lib.mjs";

let browser;
let link;
let old;
before(async () => {
  browser = await launch();
  old = await freshStart(AN.uid);
  const page = await newPage(browser);
  await requestLink(page, AN.uid, AN.own);
  link = checkOneEachAndLinks(await waitForMail(AN.all.length), AN.all)[AN.own];
  await page.context().close();
});
after(async () => { await browser?.close(); });

// What each item says: its class, its state word, and whether the word is shown.
async function items(page) {
  return page.$$eval("li[data-rule]", (all) => Object.fromEntries(all.map((li) => {
    const word = li.querySelector(".state");
    return [li.dataset.rule, { state: li.className.trim(), word: word.textContent.trim(),
                               shown: !word.classList.contains("visually-hidden"),
                               mark: li.querySelector(".mark").textContent }];
  })));
}

async function typeInto(page, password, repeat) {
  const policyLoaded = page.waitForResponse((r) => r.url().includes("/policy.json"));
  assert.equal((await page.goto(link)).status(), 200);
  await policyLoaded;
  await page.focus("#password");
  await page.keyboard.type(password);
  if (repeat !== undefined) {
    await page.focus("#password2");
    await page.keyboard.type(repeat);
  }
}

// Save; the server must refuse (422) and render its own marks.
async function saveRefused(page) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("form button[type=submit]"),
  ]);
  assert.equal(response.status(), 422);
  await page.waitForSelector("#form-error");
  return items(page);
}

test("Welkom123: the fourth class is optional, for the eye and for screen readers", async () => {
  const page = await newPage(browser);
  await typeInto(page, "Welkom123", "Welkom123");
  for (const judged of [await items(page), await saveRefused(page)]) {
    for (const rule of ["min_length", "classes", "class_lower", "class_upper", "class_digit"]) {
      assert.equal(judged[rule].state, "ok", rule);
      assert.equal(judged[rule].shown, false, `${rule}: its word is for screen readers only`);
    }
    const other = judged.class_other;
    assert.equal(other.state, "optional");
    assert.notEqual(other.mark, "\u2717", "no ✗ for an optional class");
    assert.equal(other.word, tr("nl", "optional:"));
    assert.equal(other.shown, true, "the word 'optional' is shown to everyone");
    const failing = Object.entries(judged).filter(([, i]) => i.state === "fail").map(([r]) => r);
    assert.deepEqual(failing.filter((r) => r !== "blocklist"), [], "nothing but the blocklist fails");
  }
  // On the 422 page the server says why: the blocklist.
  const judged = await items(page);
  assert.equal(judged.blocklist.state, "fail");
  assert.equal(judged.blocklist.word, tr("nl", "not yet:"));
  assert.equal(ldapBinds(AN.uid, old), true, "nothing written");
  await page.context().close();
});

// One password per rule: the rule fails in the browser and on the 422 page,
// and with fewer than 3 classes a missing class is "not yet", not optional.
const cases = [
  { rule: "min_length", password: "Ab1!xyz" },
  { rule: "max_length", password: "Ab1!" + "abcdefghij".repeat(13) },
  { rule: "classes", password: "zonnebloemveld", failing: ["class_upper", "class_digit", "class_other"] },
  { rule: "max_repeat", password: "Zonnnnebloem7!" },
  { rule: "username", password: "X-an.wouters-9" },
  { rule: "match", password: "Zonnebloem-Veld-7", repeat: "Zonnebloem-Veld-8" },
];

for (const c of cases) {
  test(`rule ${c.rule}: ${c.password.length > 20 ? c.password.slice(0, 12) + "…" : c.password}`,
       async () => {
    const page = await newPage(browser);
    const repeat = c.repeat ?? c.password + "#";  // a wrong repeat: Save writes nothing
    await typeInto(page, c.password, repeat);
    const live = await items(page);
    const judged = await saveRefused(page);
    for (const [where, shown] of [["browser", live], ["server", judged]]) {
      assert.equal(shown[c.rule].state, "fail", `${where}: ${c.rule}`);
      assert.equal(shown[c.rule].word, tr("nl", "not yet:"), `${where}: ${c.rule} word`);
      for (const rule of c.failing ?? []) {
        assert.equal(shown[rule].state, "fail", `${where}: ${rule} is not optional below 3 classes`);
      }
      if (c.rule !== "classes") assert.equal(shown.classes.state, "ok", `${where}: classes`);
    }
    assert.equal(ldapBinds(AN.uid, old), true, "nothing written");
    await page.context().close();
  });
}
