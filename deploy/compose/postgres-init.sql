-- Runs once, when the postgres volume is first created (docker-entrypoint-initdb.d).
-- One database per system keeps their migrations and audit hash chains apart.
CREATE DATABASE portcullis_crm OWNER portcullis;
CREATE DATABASE portcullis_billing OWNER portcullis;
CREATE DATABASE portcullis_remediation_write OWNER portcullis;
-- Last: the postgres health check waits for this one, so every database above exists by then.
-- A postgres volume created before a system was added lacks its database: create it by hand.
CREATE DATABASE portcullis_posture_read OWNER portcullis;
