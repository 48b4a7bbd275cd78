-- Run once by the postgres image's entrypoint, on an empty data volume only (docker-entrypoint-initdb.d),
-- as POSTGRES_USER, with ON_ERROR_STOP. One database per service: each service owns its schema and its
-- migrations, and no service reads another's database.
CREATE DATABASE ent_members;
CREATE DATABASE ent_orders;
CREATE DATABASE ent_billing;
