// SPDX-License-Identifier: Apache-2.0
// tests/vectors/policy.json through the real change form: each password typed
// key by key; after every key (see below for the longest) each rule's check
// mark must show the server's verdict for the text typed so far (`sesam check`, the engine behind the form),
// at the end the vector's expectation, and on Save (with a mismatched repeat,
// so nothing is written) the marks the server renders on its 422 page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  JAN, accessible, checkOneEachAndLinks, env, freshStart, launch, ldapBinds, marks, newPage,
  requestLink, serverVerdicts, vectors, waitForMail,
} from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const state = (passed) => (passed ? "ok" : "fail");
// A missing class is "optional" once the classes rule is met (check_marks.test.mjs).
const CLASS_RULES = ["class_lower", "class_upper", "class_digit", "class_other"];
const expectedMark = (verdicts, rule) =>
  verdicts[rule] || !CLASS_RULES.includes(rule) || !verdicts.classes
    ? state(verdicts[rule]) : "optional";

// Whether a browser rule's verdict differs between prefix i-1 and prefix i.
function flips(server, i) {
  if (i <= 0 || i >= server.length) return false;
  return vectors.browser_rules.some((rule) => server[i][rule] !== server[i - 1][rule]);
}

// Vectors a browser can type: text (not hex bytes) without control characters
// (Tab would move the focus; those rules are the server's only).
const typeable = vectors.vectors.filter((v) => v.password !== undefined &&
  !/[\u0000-\u001f\u007f-\u009f]/u.test(v.password));

test("the demo's [policy] is the one the vectors were written for", async () => {
  const policy = await (await fetch(`${env.base}/policy.json`)).json();
  for (const [key, value] of Object.entries(vectors.settings)) {
    if (key === "blocklist") continue;  // judged by the server only, not in policy.json
    assert.equal(policy[key], value, `policy.json ${key}`);
  }
});

test(`${typeable.length} policy vectors typed key by key into the change form`, async () => {
  assert.ok(typeable.length >= 20, `only ${typeable.length} vectors a browser can type`);
  const browserRules = vectors.browser_rules;
  const old = await freshStart(JAN.uid);
  const page = await newPage(browser);
  await requestLink(page, JAN.uid, JAN.own);
  const links = checkOneEachAndLinks(await waitForMail(JAN.all.length), JAN.all);
  const link = links[JAN.own];
  // The server's verdicts for every prefix of every vector, in one run.
  const prefixesOf = (v) => [...v.password].map((_, i, all) => all.slice(0, i + 1).join(""));
  const allPrefixes = typeable.flatMap(prefixesOf);
  const allVerdicts = serverVerdicts(allPrefixes, JAN.uid, JAN.names);

  let firstPrefix = 0;
  let checkedA11y = false;
  for (const vector of typeable) {
    const chars = [...vector.password];
    const server = allVerdicts.slice(firstPrefix, firstPrefix + chars.length);
    firstPrefix += chars.length;
    // A fresh form (GET has no side effect), its script ready with policy.json.
    const policyLoaded = page.waitForResponse((r) => r.url().includes("/policy.json"));
    assert.equal((await page.goto(link)).status(), 200, vector.name);
    await policyLoaded;
    await page.focus("#password");
    for (let i = 0; i < chars.length; i++) {
      await page.keyboard.type(chars[i]);
      // Long vectors (128 code points and more): the marks are read at the
      // first and last 16 keys and around every key where a verdict flips.
      if (chars.length > 32 && i >= 16 && i < chars.length - 16 &&
          !flips(server, i) && !flips(server, i + 1)) continue;
      const shown = await marks(page);
      for (const rule of browserRules) {
        if (server[i][rule] === undefined) continue;  // a rule this policy does not have
        assert.equal(shown[rule], expectedMark(server[i], rule),
                     `${vector.name}: after ${i + 1} of ${chars.length} keys, rule ${rule}`);
      }
    }
    const shown = await marks(page);
    for (const rule of browserRules) {
      if (vector.expect[rule] === undefined) continue;
      if (rule === "username" && vector.username !== JAN.uid) continue;  // the page is Jan's
      const expected = chars.length === 0 ? "todo" : expectedMark(vector.expect, rule);
      assert.equal(shown[rule], expected, `${vector.name}: rule ${rule} (vector)`);
    }

    // An empty field is the browser's to refuse (required): no request to compare.
    if (chars.length === 0) continue;
    // Save with a wrong repeat: 422, the server's own marks, nothing written.
    await page.fill("#password2", vector.password + "#");
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.click("form button[type=submit]"),
    ]);
    assert.equal(response.status(), 422, vector.name);
    await page.waitForSelector("#form-error");  // the 422 page, not the form we left
    const judged = await marks(page);
    assert.equal(judged.match, "fail", `${vector.name}: match on the 422 page`);
    for (const rule of browserRules) {
      if (shown[rule] === undefined) continue;
      assert.equal(judged[rule], shown[rule], `${vector.name}: rule ${rule}, server vs browser`);
    }
    if (!checkedA11y) {
      await accessible(page, "change-422");
      checkedA11y = true;
    }
  }
  assert.equal(ldapBinds(JAN.uid, old), true, "no vector was written");
  await page.context().close();
});
