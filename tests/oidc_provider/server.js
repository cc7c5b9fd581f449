// A real OpenID provider on loopback for perpdesk's sign-in tests (never shipped).
//
// Configuration comes as JSON in OIDC_TEST_CONFIG:
//   {"clients": [<oidc-provider client metadata>],
//    "accounts": {"<sub>": {"email": "...", "name": "...", "groups": ["..."]}}}
// It listens on a free loopback port, then prints one line to stdout:
//   {"issuer": "http://127.0.0.1:<port>"}
// Signing keys are RS256, generated at start. PKCE is required of every client.
// The login page asks only for the account's sub; consent is implied (first-party).
// Clients allowed the refresh_token grant get a refresh token at every sign-in
// (as Keycloak does, without asking for offline_access), rotated at every use.
//
// Test control (loopback only, never shipped): POST /test/accounts/<sub> with a JSON
// body {"groups": [...]} changes that person's groups, {"disabled": true} removes them
// (a refresh token of theirs is then refused); POST /test/reset restores the accounts.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const initialAccounts = JSON.stringify(config.accounts || {});
let accounts = JSON.parse(initialAccounts);
const SCOPES = 'openid email profile groups';

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  // No external fonts or scripts: the browser under test has no internet.
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };
}

async function findAccount(ctx, sub) {
  const account = accounts[sub];
  if (!account) return undefined;
  return {
    accountId: sub,
    async claims() {
      return {
        sub,
        email: account.email,
        email_verified: true,
        name: account.name,
        preferred_username: account.email,
        groups: account.groups || [],
      };
    },
  };
}

async function loadExistingGrant(ctx) {
  const grantId = ctx.oidc.result?.consent?.grantId
    || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
  if (grantId) return ctx.oidc.provider.Grant.find(grantId);
  const grant = new ctx.oidc.provider.Grant({
    clientId: ctx.oidc.client.clientId,
    accountId: ctx.oidc.session.accountId,
  });
  grant.addOIDCScope(SCOPES);
  await grant.save();
  return grant;
}

function providerConfiguration() {
  return {
    clients: config.clients || [],
    findAccount,
    loadExistingGrant,
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: SCOPES.split(' '),
    pkce: { required: () => true },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign out of the test provider?', `${form}
            <button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out of the test provider', '');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Provider error', `<pre>${escapeHtml(JSON.stringify(out))}</pre>`);
    },
  };
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

function sendHtml(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

function loginForm(uid, message = '') {
  return page('Test provider sign-in', `<p>${escapeHtml(message)}</p>
    <form method="post" action="/interaction/${escapeHtml(uid)}/login">
      <label>Account <input name="login" autofocus></label>
      <button type="submit">Sign in</button>
    </form>`);
}

async function handleInteraction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    return sendHtml(res, 200, loginForm(details.uid));
  }
  const accountId = (await readForm(req)).get('login');
  if (!accounts[accountId]) {
    return sendHtml(res, 200, loginForm(details.uid, 'Unknown account'));
  }
  return provider.interactionFinished(
    req, res, { login: { accountId } }, { mergeWithLastSubmission: false },
  );
}

async function handleTestControl(req, res) {
  if (req.method !== 'POST') return sendHtml(res, 405, page('Method not allowed', ''));
  if (req.url === '/test/reset') {
    accounts = JSON.parse(initialAccounts);
  } else {
    const sub = decodeURIComponent(req.url.slice('/test/accounts/'.length));
    let body = '';
    for await (const chunk of req) body += chunk;
    const change = JSON.parse(body || '{}');
    if (change.disabled) {
      delete accounts[sub];
    } else if (accounts[sub]) {
      accounts[sub] = { ...accounts[sub], groups: change.groups || [] };
    } else {
      return sendHtml(res, 404, page('Unknown account', escapeHtml(sub)));
    }
  }
  res.writeHead(204);
  return res.end();
}

function start() {
  let provider;
  const server = createServer((req, res) => {
    if (req.url.startsWith('/test/')) {
      handleTestControl(req, res).catch((error) => {
        sendHtml(res, 400, page('Test control failed', escapeHtml(error.message)));
      });
      return;
    }
    if (req.url.startsWith('/interaction/')) {
      handleInteraction(provider, req, res).catch((error) => {
        sendHtml(res, 400, page('Interaction failed', escapeHtml(error.message)));
      });
      return;
    }
    provider.callback()(req, res);
  });
  server.listen(0, '127.0.0.1', () => {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    provider = new Provider(issuer, providerConfiguration());
    process.stdout.write(`${JSON.stringify({ issuer })}\n`);
  });
}

start();
