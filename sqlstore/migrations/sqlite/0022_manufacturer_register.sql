-- 0022: the manufacturer register (R2, "R2 sharpened").
--
-- Only the vehicle's manufacturer may issue the confirmation letter, under
-- exactly the name it has in MIIT's 道路机动车辆生产企业公告; sales
-- subsidiaries, overseas sales departments, authorised overseas dealers and
-- modified-vehicle manufacturers may not (the Guidelines). The platform
-- operator keeps the announcement's entries here: the exact legal name, the
-- source it was read from (URL or reference), the batch (公告批次) and the
-- role of the entity (vehicle_manufacturer, or one of the exclusions). An
-- organisation of kind manufacturer is bound to its entry by the operator
-- (org_id); it confirms only while bound to a live entry of role
-- vehicle_manufacturer whose name equals its own. Every change is an audit
-- event; a retired entry (retired_at) binds nobody and is kept.
--
-- Existing stores: the register starts empty and no manufacturer is bound.
-- A binding is the operator's statement that it compared the name with
-- MIIT's announcement, which a migration cannot make; binding everything
-- would certify every name unread. Until the operator enters and binds
-- them, existing manufacturers' approvals are refused with
-- unregistered_manufacturer, saying so; their pending requests stay
-- pending, and refusals, routing and WMI claims work as before.
CREATE TABLE manufacturer_register (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	source     TEXT    NOT NULL,
	batch      TEXT    NOT NULL,
	note       TEXT    NOT NULL DEFAULT '',
	org_id     INTEGER REFERENCES orgs(id),
	bound_by   INTEGER REFERENCES users(id),
	bound_at   BIGINT,
	version    INTEGER NOT NULL,
	retired_at BIGINT,
	created_by INTEGER REFERENCES users(id),
	created_at BIGINT  NOT NULL,
	updated_at BIGINT  NOT NULL
);
-- One live entry per name; one entry per organisation.
CREATE UNIQUE INDEX manufacturer_register_name ON manufacturer_register(name) WHERE retired_at IS NULL;
CREATE UNIQUE INDEX manufacturer_register_org ON manufacturer_register(org_id) WHERE org_id IS NOT NULL;
