//! The schema's statements, step by step, each with its SQLite and its
//! PostgreSQL text side by side where they differ (see [`super::LADDER`]).
//!
//! The PostgreSQL schema mirrors SQLite's: ids, instants (RFC 3339 UTC with
//! microseconds, which sort as text in time order) and JSON documents are
//! stored as text, exactly as on SQLite, so both backends order and compare
//! the same way (PostgreSQL's text columns collate bytewise, `COLLATE "C"`,
//! as SQLite's do). What differs is the spelling of types: SQLite's
//! `INTEGER` flags are PostgreSQL `BOOLEAN`s, `BLOB` is `BYTEA`, and only
//! SQLite has `WITHOUT ROWID` tables.

pub(crate) const CREATE_V1_SQLITE: &str = r#"
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);

CREATE TABLE subdistricts (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    subdistrict_id TEXT NOT NULL REFERENCES subdistricts(id),
    name TEXT NOT NULL
);
CREATE TABLE grids (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE INDEX grids_community ON grids(community_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('worker', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    community_id TEXT REFERENCES communities(id),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE user_grids (
    user_id TEXT NOT NULL REFERENCES users(id),
    grid_id TEXT NOT NULL REFERENCES grids(id),
    PRIMARY KEY (user_id, grid_id)
) WITHOUT ROWID;

CREATE TABLE tokens (
    hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    device_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    grid_id TEXT NOT NULL REFERENCES grids(id),
    estate TEXT NOT NULL,
    building TEXT,
    unit TEXT,
    door TEXT,
    lat REAL,
    lon REAL,
    location_confirmed INTEGER NOT NULL DEFAULT 0,
    residence_type TEXT NOT NULL,
    landlord_name TEXT,
    landlord_phone TEXT,
    notes TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX households_seq ON households(seq);
CREATE INDEX households_grid ON households(grid_id);

-- The version at which each household field last changed, for field-by-field merges.
CREATE TABLE household_fields (
    household_id TEXT NOT NULL REFERENCES households(id),
    field TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (household_id, field)
) WITHOUT ROWID;

CREATE TABLE household_conflicts (
    id INTEGER PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    field TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    server_version INTEGER NOT NULL,
    server_value TEXT,
    device_value TEXT,
    user_id TEXT NOT NULL,
    op_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX household_conflicts_household ON household_conflicts(household_id);

CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    id_number TEXT,
    phone TEXT,
    relation TEXT NOT NULL,
    tags TEXT NOT NULL
);
CREATE INDEX residents_household ON residents(household_id, position);

CREATE TABLE templates (
    template_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (template_id, version)
);
CREATE INDEX templates_seq ON templates(seq);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    visit_group TEXT NOT NULL,
    revision INTEGER NOT NULL,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    grid_id TEXT NOT NULL,
    worker_id TEXT NOT NULL REFERENCES users(id),
    started_utc TEXT NOT NULL,
    started_offset INTEGER NOT NULL,
    finalized_utc TEXT NOT NULL,
    finalized_offset INTEGER NOT NULL,
    answers TEXT NOT NULL,
    door_check_device TEXT,
    door_check_server TEXT,
    photos TEXT NOT NULL,
    flags TEXT NOT NULL,
    status TEXT NOT NULL,
    reviewer_id TEXT,
    reviewed_at TEXT,
    review_comment TEXT,
    op_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (visit_group, revision)
);
CREATE INDEX visits_household ON visits(household_id);

CREATE TABLE reviews (
    seq INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    worker_id TEXT NOT NULL,
    status TEXT NOT NULL,
    comment TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    reviewer_name TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX reviews_worker ON reviews(worker_id, seq);

-- The first answer to each operation, so that a replay gets it again.
CREATE TABLE op_results (
    op_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    result TEXT NOT NULL,
    at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_username TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    remote_addr TEXT
);
"#;

pub(super) const CREATE_V1_POSTGRES: &str = r#"
CREATE TABLE counters (name TEXT COLLATE "C" PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);

CREATE TABLE subdistricts (id TEXT COLLATE "C" PRIMARY KEY, name TEXT COLLATE "C" NOT NULL);
CREATE TABLE communities (
    id TEXT COLLATE "C" PRIMARY KEY,
    subdistrict_id TEXT COLLATE "C" NOT NULL REFERENCES subdistricts(id),
    name TEXT COLLATE "C" NOT NULL
);
CREATE TABLE grids (
    id TEXT COLLATE "C" PRIMARY KEY,
    community_id TEXT COLLATE "C" NOT NULL REFERENCES communities(id),
    code TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT COLLATE "C" NOT NULL
);
CREATE INDEX grids_community ON grids(community_id);

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    username TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('worker', 'supervisor', 'admin')),
    password_hash TEXT COLLATE "C" NOT NULL,
    community_id TEXT COLLATE "C" REFERENCES communities(id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE user_grids (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    PRIMARY KEY (user_id, grid_id)
);

CREATE TABLE tokens (
    hash BYTEA PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    device_name TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    revoked_at TEXT COLLATE "C"
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE households (
    id TEXT COLLATE "C" PRIMARY KEY,
    code TEXT COLLATE "C" NOT NULL,
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    estate TEXT COLLATE "C" NOT NULL,
    building TEXT COLLATE "C",
    unit TEXT COLLATE "C",
    door TEXT COLLATE "C",
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    location_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    residence_type TEXT COLLATE "C" NOT NULL,
    landlord_name TEXT COLLATE "C",
    landlord_phone TEXT COLLATE "C",
    notes TEXT COLLATE "C" NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX households_seq ON households(seq);
CREATE INDEX households_grid ON households(grid_id);

CREATE TABLE household_fields (
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    field TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (household_id, field)
);

CREATE TABLE household_conflicts (
    id BIGSERIAL PRIMARY KEY,
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    field TEXT COLLATE "C" NOT NULL,
    base_version BIGINT NOT NULL,
    server_version BIGINT NOT NULL,
    server_value TEXT COLLATE "C",
    device_value TEXT COLLATE "C",
    user_id TEXT COLLATE "C" NOT NULL,
    op_id TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX household_conflicts_household ON household_conflicts(household_id);

CREATE TABLE residents (
    id TEXT COLLATE "C" PRIMARY KEY,
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    position BIGINT NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    id_number TEXT COLLATE "C",
    phone TEXT COLLATE "C",
    relation TEXT COLLATE "C" NOT NULL,
    tags TEXT COLLATE "C" NOT NULL
);
CREATE INDEX residents_household ON residents(household_id, position);

CREATE TABLE templates (
    template_id TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    definition TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (template_id, version)
);
CREATE INDEX templates_seq ON templates(seq);

CREATE TABLE blobs (
    sha256 TEXT COLLATE "C" PRIMARY KEY,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE visits (
    id TEXT COLLATE "C" PRIMARY KEY,
    visit_group TEXT COLLATE "C" NOT NULL,
    revision BIGINT NOT NULL,
    template_id TEXT COLLATE "C" NOT NULL,
    template_version BIGINT NOT NULL,
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    grid_id TEXT COLLATE "C" NOT NULL,
    worker_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    started_utc TEXT COLLATE "C" NOT NULL,
    started_offset INTEGER NOT NULL,
    finalized_utc TEXT COLLATE "C" NOT NULL,
    finalized_offset INTEGER NOT NULL,
    answers TEXT COLLATE "C" NOT NULL,
    door_check_device TEXT COLLATE "C",
    door_check_server TEXT COLLATE "C",
    photos TEXT COLLATE "C" NOT NULL,
    flags TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    reviewer_id TEXT COLLATE "C",
    reviewed_at TEXT COLLATE "C",
    review_comment TEXT COLLATE "C",
    op_id TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL,
    UNIQUE (visit_group, revision)
);
CREATE INDEX visits_household ON visits(household_id);

CREATE TABLE reviews (
    seq BIGINT PRIMARY KEY,
    visit_id TEXT COLLATE "C" NOT NULL REFERENCES visits(id),
    worker_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    comment TEXT COLLATE "C" NOT NULL,
    reviewer_id TEXT COLLATE "C" NOT NULL,
    reviewer_name TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX reviews_worker ON reviews(worker_id, seq);

CREATE TABLE op_results (
    op_id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    result TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT COLLATE "C" NOT NULL,
    actor_id TEXT COLLATE "C" NOT NULL,
    actor_username TEXT COLLATE "C" NOT NULL,
    action TEXT COLLATE "C" NOT NULL,
    target TEXT COLLATE "C" NOT NULL,
    detail TEXT COLLATE "C" NOT NULL,
    remote_addr TEXT COLLATE "C"
);
"#;

/// The supervisor console's queue and dashboard: visits by grid and time.
pub(super) const UPGRADE_V2: &str = r#"
CREATE INDEX visits_grid_finalized ON visits(grid_id, finalized_utc);
CREATE INDEX visits_status ON visits(status, grid_id);
"#;

/// Console sessions: browser sign-ins of supervisors and admins, apart from
/// device tokens so neither works where the other belongs.
pub(super) const UPGRADE_V3_SQLITE: &str = r#"
CREATE TABLE console_sessions (
    hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    ended_at TEXT,
    remote_addr TEXT
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);
"#;

pub(super) const UPGRADE_V3_POSTGRES: &str = r#"
CREATE TABLE console_sessions (
    hash BYTEA PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    csrf TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL,
    last_seen TEXT COLLATE "C" NOT NULL,
    ended_at TEXT COLLATE "C",
    remote_addr TEXT COLLATE "C"
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);
"#;

/// The console at scale (a million visits): each visit's door outcome (to
/// count a household's failed attempts), and tables derived from the visits
/// at ingest so the dashboard and the queue read a few rows instead of every
/// visit's JSON: each flag of each visit, the households each photo appears
/// in (and the photos seen in more than one), and each household's latest
/// visit per template (all the scheduler needs to tell what is due). Plus the
/// queue's orders (newest first overall, and within a grid and status); a
/// returned visit whose next revision has arrived marked `superseded` at
/// ingest, so the follow-ups still open per grid are one partial index; and
/// residents by ID number, for the ledger import's "already registered".
pub(super) const UPGRADE_V4_SQLITE: &str = r#"
ALTER TABLE visits ADD COLUMN door_outcome TEXT;
ALTER TABLE visits ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
CREATE INDEX visits_household_outcome ON visits(household_id, door_outcome, finalized_utc);
CREATE INDEX visits_finalized ON visits(finalized_utc, id);
CREATE INDEX visits_grid_status_finalized ON visits(grid_id, status, finalized_utc, id);
CREATE INDEX visits_open_returns ON visits(grid_id) WHERE status = 'returned' AND superseded = 0;
CREATE INDEX residents_id_number ON residents(id_number) WHERE id_number IS NOT NULL;
CREATE TABLE visit_flags (
    visit_id TEXT NOT NULL REFERENCES visits(id),
    grid_id TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (visit_id, code)
) WITHOUT ROWID;
CREATE INDEX visit_flags_grid ON visit_flags(grid_id, code);
CREATE TABLE photo_households (
    sha256 TEXT NOT NULL,
    household_id TEXT NOT NULL,
    grid_id TEXT NOT NULL,
    PRIMARY KEY (sha256, household_id)
) WITHOUT ROWID;
CREATE TABLE reused_photos (sha256 TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE household_last_visits (
    household_id TEXT NOT NULL REFERENCES households(id),
    template_id TEXT NOT NULL,
    finalized_utc TEXT NOT NULL,
    finalized_offset INTEGER NOT NULL,
    PRIMARY KEY (household_id, template_id)
) WITHOUT ROWID;
"#;

pub(super) const UPGRADE_V4_POSTGRES: &str = r#"
ALTER TABLE visits ADD COLUMN door_outcome TEXT COLLATE "C";
ALTER TABLE visits ADD COLUMN superseded BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX visits_household_outcome ON visits(household_id, door_outcome, finalized_utc);
CREATE INDEX visits_finalized ON visits(finalized_utc, id);
CREATE INDEX visits_grid_status_finalized ON visits(grid_id, status, finalized_utc, id);
CREATE INDEX visits_open_returns ON visits(grid_id) WHERE status = 'returned' AND NOT superseded;
CREATE INDEX residents_id_number ON residents(id_number) WHERE id_number IS NOT NULL;
CREATE TABLE visit_flags (
    visit_id TEXT COLLATE "C" NOT NULL REFERENCES visits(id),
    grid_id TEXT COLLATE "C" NOT NULL,
    code TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (visit_id, code)
);
CREATE INDEX visit_flags_grid ON visit_flags(grid_id, code);
CREATE TABLE photo_households (
    sha256 TEXT COLLATE "C" NOT NULL,
    household_id TEXT COLLATE "C" NOT NULL,
    grid_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (sha256, household_id)
);
CREATE TABLE reused_photos (sha256 TEXT COLLATE "C" PRIMARY KEY);
CREATE TABLE household_last_visits (
    household_id TEXT COLLATE "C" NOT NULL REFERENCES households(id),
    template_id TEXT COLLATE "C" NOT NULL,
    finalized_utc TEXT COLLATE "C" NOT NULL,
    finalized_offset INTEGER NOT NULL,
    PRIMARY KEY (household_id, template_id)
);
"#;

/// Grids taken from a user: when, and when their phone was first sent the
/// grids they have now. A visit the phone began before then was made in good
/// faith and is accepted (see `api::push`).
pub(super) const UPGRADE_V5_SQLITE: &str = r#"
CREATE TABLE grid_releases (
    user_id TEXT NOT NULL REFERENCES users(id),
    grid_id TEXT NOT NULL REFERENCES grids(id),
    released_at TEXT NOT NULL,
    noticed_at TEXT,
    PRIMARY KEY (user_id, grid_id)
) WITHOUT ROWID;
"#;

pub(super) const UPGRADE_V5_POSTGRES: &str = r#"
CREATE TABLE grid_releases (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    released_at TEXT COLLATE "C" NOT NULL,
    noticed_at TEXT COLLATE "C",
    PRIMARY KEY (user_id, grid_id)
);
"#;

/// Settings an admin makes in the console, by name (the public notice's
/// supervision phone).
pub(super) const UPGRADE_V6_SQLITE: &str = r#"
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"#;

pub(super) const UPGRADE_V6_POSTGRES: &str = r#"
CREATE TABLE settings (
    name TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// What a ledger import remembers for the next file: the fields a sheet's
/// columns went to, by a fingerprint of its headers, and estates' grids.
pub(super) const UPGRADE_V7_SQLITE: &str = r#"
CREATE TABLE ledger_mappings (
    signature TEXT PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE estate_grids (
    estate TEXT PRIMARY KEY,
    grid_id TEXT NOT NULL REFERENCES grids(id),
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
"#;

pub(super) const UPGRADE_V7_POSTGRES: &str = r#"
CREATE TABLE ledger_mappings (
    signature TEXT COLLATE "C" PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE estate_grids (
    estate TEXT COLLATE "C" PRIMARY KEY,
    grid_id TEXT COLLATE "C" NOT NULL REFERENCES grids(id),
    updated_at TEXT COLLATE "C" NOT NULL
);
"#;

/// Fills what [`UPGRADE_V4`] derives from the visits table, for visits stored
/// before it (or loaded in bulk without going through ingest).
pub const FILL_DERIVED_SQLITE: &str = r#"
UPDATE visits SET door_outcome = json_extract(door_check_device, '$.input.outcome')
    WHERE door_check_device IS NOT NULL AND door_outcome IS NULL;
UPDATE visits SET superseded = 1 WHERE superseded = 0 AND EXISTS (
    SELECT 1 FROM visits n WHERE n.visit_group = visits.visit_group AND n.revision = visits.revision + 1);
INSERT OR IGNORE INTO visit_flags (visit_id, grid_id, code)
    SELECT v.id, v.grid_id, f.value FROM visits v, json_each(v.flags) f WHERE v.flags <> '[]';
INSERT OR IGNORE INTO photo_households (sha256, household_id, grid_id)
    SELECT json_extract(p.value, '$.sha256'), v.household_id, v.grid_id
    FROM visits v, json_each(v.photos) p
    WHERE v.photos <> '[]' AND json_extract(p.value, '$.sha256') IS NOT NULL;
INSERT OR IGNORE INTO reused_photos (sha256)
    SELECT sha256 FROM photo_households GROUP BY sha256 HAVING count(*) > 1;
INSERT INTO household_last_visits (household_id, template_id, finalized_utc, finalized_offset)
    SELECT household_id, template_id, max(finalized_utc), finalized_offset
    FROM visits WHERE true GROUP BY household_id, template_id
    ON CONFLICT (household_id, template_id) DO UPDATE
    SET finalized_utc = excluded.finalized_utc, finalized_offset = excluded.finalized_offset
    WHERE excluded.finalized_utc > household_last_visits.finalized_utc;
ANALYZE;
"#;

pub const FILL_DERIVED_POSTGRES: &str = r#"
UPDATE visits SET door_outcome = door_check_device::jsonb -> 'input' ->> 'outcome'
    WHERE door_check_device IS NOT NULL AND door_outcome IS NULL;
UPDATE visits v SET superseded = true WHERE NOT superseded AND EXISTS (
    SELECT 1 FROM visits n WHERE n.visit_group = v.visit_group AND n.revision = v.revision + 1);
INSERT INTO visit_flags (visit_id, grid_id, code)
    SELECT DISTINCT v.id, v.grid_id, f.value
    FROM visits v, jsonb_array_elements_text(v.flags::jsonb) AS f(value) WHERE v.flags <> '[]'
    ON CONFLICT DO NOTHING;
INSERT INTO photo_households (sha256, household_id, grid_id)
    SELECT p.value ->> 'sha256', v.household_id, min(v.grid_id)
    FROM visits v, jsonb_array_elements(v.photos::jsonb) AS p(value)
    WHERE v.photos <> '[]' AND p.value ->> 'sha256' IS NOT NULL
    GROUP BY 1, 2
    ON CONFLICT DO NOTHING;
INSERT INTO reused_photos (sha256)
    SELECT sha256 FROM photo_households GROUP BY sha256 HAVING count(*) > 1
    ON CONFLICT DO NOTHING;
INSERT INTO household_last_visits (household_id, template_id, finalized_utc, finalized_offset)
    SELECT DISTINCT ON (household_id, template_id) household_id, template_id, finalized_utc, finalized_offset
    FROM visits ORDER BY household_id, template_id, finalized_utc DESC
    ON CONFLICT (household_id, template_id) DO UPDATE
    SET finalized_utc = excluded.finalized_utc, finalized_offset = excluded.finalized_offset
    WHERE excluded.finalized_utc > household_last_visits.finalized_utc;
ANALYZE;
"#;
