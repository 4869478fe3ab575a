-- Several redirect URLs per application (CONTRACT 10: native and browser apps).
-- redirect_urls is the one source of truth; redirect_url stays as a column
-- derived from it (the first URL, '' for none), so every reader of the old column
-- keeps working and no writer can make the two disagree (GENERATED ALWAYS refuses writes).
ALTER TABLE applications ADD COLUMN redirect_urls text[] NOT NULL DEFAULT '{}';
UPDATE applications SET redirect_urls = ARRAY[redirect_url] WHERE redirect_url <> '';
ALTER TABLE applications DROP COLUMN redirect_url;
ALTER TABLE applications
  ADD COLUMN redirect_url text GENERATED ALWAYS AS (coalesce(redirect_urls[1], '')) STORED;

-- The CORS origins of redirect URLs, as the CORS check compares them (src/http/cors.ts):
-- `scheme://host[:port]` of each URL (stored serialised, so scheme and host are
-- lower case and a default port is absent), with the port dropped for an http
-- loopback address (127.0.0.1, [::1]), which matches any port (RFC 8252 7.3).
CREATE FUNCTION redirect_origins(urls text[]) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT regexp_replace(
    substring(u FROM '^[a-z][a-z0-9+.-]*://[^/?#]*'),
    '^(http://(127\.0\.0\.1|\[::1\])):[0-9]+$', '\1')), '{}')
  FROM unnest(urls) AS u
$$;

-- A preflight names no client: "is this the origin of any registered redirect URL" is one indexed lookup.
CREATE INDEX applications_redirect_origins ON applications USING gin (redirect_origins(redirect_urls));
