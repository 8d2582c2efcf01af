// A real OpenID Connect provider (the npm registry's certified oidc-provider) on loopback, for the
// sign-in tests: one confidential client for Beatbook, one for another app of the same organisation,
// and accounts carrying the claims Microsoft Entra ID sends (tid, oid, roles) plus a shoulder number.
//
// Started by tests/oidc/conftest.py; prints one JSON line {"issuer": ...} once it listens.
// Test-only controls, on the same loopback port:
//   PUT /_test/accounts/<login>   body: the account's claims (JSON); the login typed in the sign-in form
//   PUT /_test/token-signer       body: "main" | "impostor" | "short-lived"
//     Which instance answers the token endpoint. All three are this same issuer and share the memory
//     store (codes, grants), so the code the browser brought is found: "impostor" signs the ID token
//     with a key that is not in the issuer's JWKS; "short-lived" issues ID tokens valid for one second
//     and answers after two.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';
// The package's own in-memory store, constructed without a store of its own so that every instance
// below uses the module's one: a code issued by "main" is found by "impostor" and "short-lived".
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

class SharedMemoryAdapter extends MemoryAdapter {
  constructor(model) { super(model); }
}

const CLIENT_SECRET = process.env.CLIENT_SECRET || 'beatbook-test-client-secret-0123456789';
// "native": RFC 8252 loopback redirects on any port (the app under test listens on a free port).
const client = (clientId) => ({
  client_id: clientId,
  client_secret: CLIENT_SECRET,
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1/api/auth/provider/callback'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const accounts = new Map();

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };
}

function makeProvider(issuer, { key, idTokenTtl = 600 }) {
  const provider = new Provider(issuer, {
    adapter: SharedMemoryAdapter,
    clients: [client('beatbook'), client('another-app')],
    jwks: { keys: [key] },
    cookies: { keys: ['beatbook-test-provider-cookie-key'] },
    // As Entra ID does: the claims are in the ID token itself, not only at the userinfo endpoint.
    conformIdTokenClaims: false,
    claims: { openid: ['sub', 'tid', 'oid', 'roles', 'name', 'shoulder_number', 'team'] },
    pkce: { required: () => true },
    ttl: { IdToken: idTokenTtl, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(ctx, id) {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
  });
  provider.proxy = false;
  return provider;
}

const server = createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const mainKey = signingKey();
  const instances = {
    main: makeProvider(issuer, { key: mainKey }),
    impostor: makeProvider(issuer, { key: signingKey() }),
    'short-lived': makeProvider(issuer, { key: mainKey, idTokenTtl: 1 }),
  };
  const handlers = Object.fromEntries(Object.entries(instances).map(([name, p]) => [name, p.callback()]));
  let tokenSigner = 'main';

  server.on('request', (req, res) => {
    if (req.url.startsWith('/_test/')) {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        try {
          if (req.method === 'PUT' && req.url.startsWith('/_test/accounts/')) {
            accounts.set(decodeURIComponent(req.url.slice('/_test/accounts/'.length)), JSON.parse(body));
          } else if (req.method === 'PUT' && req.url === '/_test/token-signer' && body in handlers) {
            tokenSigner = body;
          } else {
            res.writeHead(404).end();
            return;
          }
          res.writeHead(204).end();
        } catch (err) {
          res.writeHead(400).end(String(err));
        }
      });
      return;
    }
    const isToken = req.url.startsWith('/token');
    const name = isToken ? tokenSigner : 'main';
    if (isToken && name === 'short-lived') {
      const end = res.end.bind(res);
      res.end = (...args) => { setTimeout(() => end(...args), 2000); return res; };
    }
    handlers[name](req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
