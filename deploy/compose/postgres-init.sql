-- Runs once, when the postgres volume is first created (docker-entrypoint-initdb.d).
-- One database per system keeps their migrations and audit hash chains apart.
CREATE DATABASE portcullis_crm OWNER portcullis;
CREATE DATABASE portcullis_billing OWNER portcullis;
