-- ASP.NET Core Data Protection keys (inbox cookies, antiforgery tokens) kept in the database, so they survive a
-- restart or a new container, and every instance of the service reads the same key ring.
CREATE TABLE data_protection_keys (
    name       TEXT PRIMARY KEY,
    xml        TEXT NOT NULL,
    created_at TEXT NOT NULL
);
