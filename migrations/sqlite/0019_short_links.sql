-- The short link in texts (issue 17): `<IPPO_PUBLIC_URL>/r/<short_code>` leads to the
-- registration's status page, so a text carries 12 characters instead of the 48 of its
-- cancel token. Registrations made before this have none (their texts use the long link);
-- anonymising a registration forgets its code.
ALTER TABLE registrations ADD COLUMN short_code TEXT;
CREATE UNIQUE INDEX registrations_short_code ON registrations (short_code) WHERE short_code IS NOT NULL;
