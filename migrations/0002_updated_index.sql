-- Genqueue schema, version 2: find what changed recently.
--
-- When another process (e.g. `genq submit` while the desktop app runs) writes
-- to the store, the running app announces the rows it changed: those whose
-- `updated_at` is recent. This index keeps that lookup cheap at any size.
CREATE INDEX generations_updated ON generations (updated_at);
