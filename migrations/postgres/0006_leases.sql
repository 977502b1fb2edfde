-- Genqueue's PostgreSQL schema, version 6: leases (crates/core/src/store/lease.rs).
-- The engine that drives an in-flight generation holds its lease until
-- `until`; another engine takes it over only once it has expired, and each
-- change of hands raises `fence`. A released lease keeps its row (owner
-- NULL) so the fence only grows. A table of its own: lease writes neither
-- lock the generation's row nor count as a change of the queue (`seq`).
CREATE TABLE leases (
    generation_id uuid        NOT NULL PRIMARY KEY REFERENCES generations (id) ON DELETE CASCADE,
    owner         uuid,
    until         timestamptz,
    fence         bigint      NOT NULL DEFAULT 0
);
CREATE INDEX leases_owner ON leases (owner) WHERE owner IS NOT NULL;
