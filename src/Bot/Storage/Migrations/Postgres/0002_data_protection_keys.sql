-- ASP.NET Core Data Protection keys (inbox cookies, antiforgery tokens): one key ring for every instance.
CREATE TABLE data_protection_keys (
    name       text PRIMARY KEY,
    xml        text NOT NULL,
    created_at timestamptz NOT NULL
);
