// A headless Chromium that pytest drives one command at a time (tests/interop/browser.py).
//
// Config (argv[2], JSON): {ignoreHTTPSErrors?, viewport?}. Then each stdin line is a command
// {id, do, ...args}; each answer is one stdout line {id, ok: true, value} or {id, ok: false, error}.
// The tests keep their assertions and their server checks in Python between commands, so one
// browser (one profile, one cookie jar) lives for a whole test.
//
// Commands:
//   goto {url}                      navigate; value: {status, navigations, url, title, text}
//   fill {selector, value}          type into a field (the value replaces what is there)
//   click {selector, navigates?}    click; with navigates (default true) wait for the next page
//   postForm {url, fields}          a form built in the page and submitted by the browser (as a
//                                   hostile page would): fields is {name: value}; waits for the page
//   view                            {url, title, text} of the page now
//   html                            the page's HTML
//   attr {selector, name}           an attribute of the first match (null when absent)
//   count {selector}                how many elements match
//   box {selector}                  the first match's bounding box {x, y, width, height} (null: hidden)
//   waitForText {selector, text}    wait until an element matching selector shows text
//   screenshot {path, fullPage?}    a PNG of what a person would see, written to path
//   cookies                         the context's cookies
//   evaluate {expression}           the value of a JavaScript expression in the page
//   addVirtualAuthenticator {options}  WebAuthn through the DevTools protocol: a virtual authenticator
//                                   (WebAuthn.addVirtualAuthenticator's options); value: {authenticatorId}
//   webauthnCredentials {authenticatorId}  the credentials it holds (WebAuthn.getCredentials)
import { createInterface } from 'node:readline';
import { describeError, readConfig } from './lib/harness.mjs';
import { launchChromium, pageView } from './lib/chromium.mjs';

const config = readConfig();
const { page, context, close } = await launchChromium(config);

let navigations = [];
let cdp = null; // the DevTools session, opened by addVirtualAuthenticator
page.on('response', (response) => {
  const request = response.request();
  if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
    navigations.push({ url: response.url(), status: response.status(), location: response.headers().location ?? null });
  }
});

async function settle(action) {
  navigations = [];
  // a failed navigation must reach the test as this command's error, not crash the driver
  const arrived = page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }).then(() => null, (err) => err);
  await action();
  const failed = await arrived;
  if (failed) throw new Error(`${failed.message.split('\n')[0]} (navigations: ${JSON.stringify(navigations)})`);
  return { navigations, ...(await pageView(page)) };
}

const commands = {
  async goto({ url }) {
    navigations = [];
    const response = await page.goto(url, { waitUntil: 'load' });
    return { status: response?.status() ?? null, navigations, ...(await pageView(page)) };
  },
  async fill({ selector, value }) {
    await page.fill(selector, value);
    return null;
  },
  async click({ selector, navigates = true }) {
    if (!navigates) {
      await page.click(selector);
      return pageView(page);
    }
    return settle(() => page.click(selector));
  },
  async postForm({ url, fields }) {
    return settle(() =>
      page.evaluate(
        ([action, entries]) => {
          const form = document.createElement('form');
          form.method = 'POST';
          form.action = action;
          for (const [name, value] of entries) {
            const input = document.createElement('input');
            input.type = 'hidden';
            input.name = name;
            input.value = value;
            form.appendChild(input);
          }
          document.body.appendChild(form);
          form.submit();
        },
        [url, Object.entries(fields)],
      ),
    );
  },
  view: () => pageView(page),
  html: () => page.content(),
  attr: ({ selector, name }) => page.locator(selector).first().getAttribute(name),
  count: ({ selector }) => page.locator(selector).count(),
  box: ({ selector }) => page.locator(selector).first().boundingBox(),
  async waitForText({ selector, text }) {
    await page.locator(selector, { hasText: text }).first().waitFor({ state: 'visible' });
    return pageView(page);
  },
  async screenshot({ path, fullPage = false }) {
    await page.screenshot({ path, fullPage });
    return { path };
  },
  cookies: () => context.cookies(),
  evaluate: ({ expression }) => page.evaluate(expression),
  async addVirtualAuthenticator({ options }) {
    cdp ??= await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    return cdp.send('WebAuthn.addVirtualAuthenticator', { options });
  },
  async webauthnCredentials({ authenticatorId }) {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    return credentials.map(({ credentialId, rpId, signCount, isResidentCredential, userHandle }) =>
      ({ credentialId, rpId, signCount, isResidentCredential, userHandle }));
  },
};

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

answer({ id: 0, ok: true, value: 'ready' });
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const { id, do: name, ...args } = JSON.parse(line);
  const command = commands[name];
  try {
    if (!command) throw new Error(`unknown command ${name}`);
    answer({ id, ok: true, value: (await command(args)) ?? null });
  } catch (err) {
    answer({ id, ok: false, error: describeError(err) });
  }
}
await close();
