// A real OpenID provider (the `oidc-provider` package) for oauth-audit's single sign-on tests.
//
// Environment: PORT (0 or unset: any free port), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI.
// Listens on 127.0.0.1 and prints one line, `oidc-provider listening on <issuer>`.
// Sign-in uses the package's development interactions: any login name is accepted as the
// account id (no password check); the accounts below give it claims. Consent is granted
// automatically for the one client, so a flow is: authorize -> login form -> callback.
import http from 'node:http';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  alice: { name: 'Alice Admin', email: 'alice@example.com', email_verified: true, groups: ['oauth-audit-admins'] },
  bob: { name: 'Bob Reader', email: 'bob@example.com', email_verified: true, groups: ['staff'] },
  mallory: { name: 'Mallory', email: 'mallory@evil.test', email_verified: true, groups: ['oauth-audit-admins'] },
  eve: { name: 'Eve Unverified', email: 'eve@example.com', email_verified: false, groups: [] },
};

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return v;
};

const server = http.createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      redirect_uris: [env('REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    // Every authorization request must carry an S256 code challenge.
    pkce: { methods: ['S256'], required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    // Put the scopes' claims in the ID token (oauth-audit reads only the ID token).
    conformIdTokenClaims: false,
    cookies: { keys: ['oauth-audit-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...account }; } };
    },
    // Consent is implied for the test client: a grant with what was asked for.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  console.log(`oidc-provider listening on ${issuer}`);
});
