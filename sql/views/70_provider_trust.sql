-- Which login providers vouch for the email or username a source presents (README "Security
-- findings"): a source whose provider does not vouch for the claim it links on can hand an existing
-- account to whoever controls that claim at the provider. Conservative: "vouches" means the provider
-- itself verifies the value, not that an organisation may configure it to. An unknown provider does
-- not vouch. Used by the rule privileged_user_linkable (critical where false, high where true).
CREATE OR REPLACE VIEW provider_trust AS
SELECT * FROM (VALUES
    ('apple', true, false, 'Apple verifies the email of every Apple ID (relay addresses included); it has no usernames'),
    ('google', true, false, 'Google verifies the address of a Google account, and a Workspace domain belongs to its organisation; usernames are not Google''s'),
    ('mailcow', true, false, 'your own mail server: an account is its own mailbox; usernames are not mailcow''s'),
    ('ldap', true, true, 'your own directory: its administrators set usernames and emails'),
    ('kerberos', false, true, 'your own realm authenticates the principal; a principal carries no email (any email comes from a property mapping)'),
    ('openidconnect', false, false, 'generic OpenID Connect: authentik does not check email_verified, and many IdPs let users set their email and preferred_username'),
    ('entraid', false, false, 'Entra ID''s email claim is not verified and can be set by users of any tenant (the "nOAuth" account takeover)'),
    ('azuread', false, false, 'Azure AD''s email claim is not verified and can be set by users of any tenant (the "nOAuth" account takeover)'),
    ('okta', false, false, 'an Okta org may let users edit their profile email; authentik does not check email_verified'),
    ('github', false, false, 'GitHub usernames are chosen by their owners, and an account''s email need not be verified'),
    ('gitlab', false, false, 'a GitLab instance may not confirm emails; usernames are chosen by their owners'),
    ('discord', false, false, 'Discord usernames are chosen by their owners; authentik does not check Discord''s verified flag'),
    ('facebook', false, false, 'usernames and emails are chosen by the account''s owner'),
    ('patreon', false, false, 'usernames and emails are chosen by the account''s owner'),
    ('reddit', false, false, 'Reddit usernames are chosen by their owners; no verified email is presented'),
    ('slack', false, false, 'a Slack workspace''s members set their own profile'),
    ('twitch', false, false, 'usernames and emails are chosen by the account''s owner'),
    ('twitter', false, false, 'usernames and emails are chosen by the account''s owner'),
    ('wechat', false, false, 'usernames are chosen by the account''s owner; no verified email is presented'),
    ('saml', false, false, 'the IdP asserts whatever its administrators map; authentik cannot tell whether it was verified'),
    ('plex', false, false, 'Plex usernames and emails are chosen by the account''s owner'),
    ('telegram', false, false, 'Telegram usernames are chosen by their owners; no email is presented'),
    ('scim', false, false, 'provisioning, not a login; treated as not vouching'),
    ('oauth (provider unknown)', false, false, 'the OAuth provider type is not visible to this token (it needs authentik_sources_oauth.view_oauthsource): treated as not vouching')
) AS t(provider, vouches_email, vouches_username, reason);
