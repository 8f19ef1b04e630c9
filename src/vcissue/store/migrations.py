"""Versioned schema migrations, as ordered SQL per back end.

Each back end keeps a ``schema_migrations`` table (``version``, ``name``,
``applied_at``). Opening a store applies, in one write transaction, every migration
whose version is above the highest recorded one; a database whose highest version is
above the highest the code knows is refused (``SchemaVersionError``), because code
cannot safely write a schema it does not understand. The opener serialises itself
against other openers (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped
advisory lock derived from the schema name), so eight processes opening a fresh
database at once apply each migration exactly once.

Rules for adding a migration: append, never edit or reorder a released one; versions
are 1, 2, 3, ... without gaps; statements are plain DDL/DML without parameters (they
run inside the migration transaction, so a failing one leaves the schema unchanged).

Tables (both back ends; SQLite stores datetimes as ISO 8601 UTC text from
``audit.iso_utc``, PostgreSQL as ``timestamptz``):

``status_lists``
    one row per list (``id`` = the list URL); ``version`` increases by exactly one
    on every ``save_list`` (optimistic check); ``body`` is the awarding body that signs
    it (migration 10; ``default``, the deployment's own); at most one list per body and
    purpose is not full (partial unique index ``status_lists_one_open_per_body``).
``allocations``
    ``(list_id, idx)`` primary key: an index is handed out once, to one credential id,
    and never again. Rows can be neither updated nor deleted (triggers).
``credentials``
    the issued credentials; ``terms`` is a JSON object of the award terms that are not
    columns (scope, limitations, result), kept so recertification loses none of them.
    ``(revocation_list, revocation_index, id)`` and
    ``(suspension_list, suspension_index, id)`` reference ``allocations``: a credential
    can only carry indices allocated to it. ``batch_key`` is unique when not null.
``principals``, ``principal_roles``, ``api_keys`` (migration 3)
    people and systems by a normalised identity, their roles, and their API keys (only a
    hash of a key is stored; ``expires_at`` and ``revoked_at`` end a key's use). One
    principal may hold several keys and still counts once.
``cases``, ``case_votes`` (migration 3)
    governance: decisions awaiting approval, complaints, appeals (``data`` is the case's
    JSON); ``(case_id, principal_id)`` primary key: one principal counts once.
``wallet_sessions``, ``wallet_nonces`` (migration 4)
    deliveries to holders' wallets in progress: OpenID4VCI offers, VC-API exchanges and
    holder page links (``data`` holds hashes of their secrets, never the secrets), with
    an optimistic ``version``; the key-proof nonces a wallet was given, deleted when used
    (single use) or past ``expires_at``.
``credentials.number``, ``number_counters`` (migration 5)
    the certificate number (unique when not null; credentials issued before numbers
    have none) and one counter per number scope (``model.numbering``), incremented by
    an upsert in the issuing transaction.
``outbox``, ``deliveries`` (migration 6)
    notices (``vcissue.notify``): one ``outbox`` row per state change, written in the
    change's transaction; ``seq`` orders them, ``id`` is the event id (the receivers'
    idempotency key; a reminder's id is derived from its credential and window, so the
    unique key makes it once per window). ``dispatched_at`` is set once the worker has
    made the event's ``deliveries``: one row per (event, recipient) with its state
    (pending, sent, dead), attempts and the time of the next attempt.
    ``credentials.holder_email`` is where a holder's notices go (not in the credential).
``credentials_report`` (migration 7, dropped by 14)
    an index covering what the counts and issued reports read, so they were aggregates
    over the index alone (no credential row, no signed form, is read).
``credentials_expiring`` (migration 8)
    a partial index of the active credentials by expiry, covering what the expiring
    report reads (an index-only range scan).
``imported_certificates`` (migration 9)
    certificates a body issued before vcissue (``vcissue import``), by their number:
    the register answers for them; ``credential_id`` is the credential issued on
    request for one (``vcissue issue-imported``), which then answers instead.
``audit_state`` (migration 11)
    one row: the digest of the state the audit log replays to after entry ``seq``
    (``issuer.replay.state_digest``), where the issuer resumes folding it for the next
    signed checkpoint. Not trusted by verification: checkpoints carry the digest signed.
``credentials.signed_sha256`` (migration 12, PostgreSQL only)
    the SHA-256 of ``signed_json``, a column PostgreSQL generates on every write: the
    audit check's sum over the store reads it instead of every signed form (SQLite has no
    SHA-256; its migration 12 is empty).
``credential_counts`` (migration 14)
    the number of credentials per (qualification, unit award?, state, UTC month of
    ``awarded``, UTC month of ``expires`` for an active credential, else ''), kept exact
    by triggers on ``credentials`` that every writer fires (the issuer, an import, raw
    SQL, a bulk load; on PostgreSQL even with ``session_replication_role = replica``), and
    back-filled from the credentials already stored. SQLite's triggers add to it in
    place (one writer at a time). PostgreSQL's append to ``credential_count_changes``
    instead, so concurrent writers never queue or deadlock on a counter row (an issuing
    transaction locks the audit head after its credential: a counter row locked at the
    insert would be held across that wait); whichever writer's change takes the
    sequence past a multiple of 512 folds the changes into ``credential_counts``, under
    a transaction-scoped advisory lock it only tries, so folders never wait either. The
    counts are the sum of both tables. ``credentials_awarded`` (replacing
    ``credentials_report``) is the range read of the partial months at a period's edges.
``audit_log``, ``audit_head``
    the hash chain (see ``audit.py``); ``audit_log`` refuses UPDATE and DELETE
    (triggers); ``audit_head`` is the single row holding the ``seq`` and ``hash`` of
    the last append, locked by every append.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import SchemaVersionError, StoreError
from .audit import GENESIS_HASH

NO_STORE = "no vcissue store here (an empty database): create one with `vcissue init`"

__all__ = ["POSTGRES_MIGRATIONS", "SQLITE_MIGRATIONS", "Migration", "pending_migrations"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


_SEED_AUDIT_HEAD = f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')"  # noqa: S608
_CREDENTIAL_STATES = "'active', 'suspended', 'revoked', 'withdrawn', 'superseded'"

# The state digest's per-credential element is built from SHA-512 now (PostgreSQL can
# compute it), not SHAKE-256: a digest recorded with the old element would be folded on
# with the new one into checkpoints that no replay matches, so the recorded one is
# forgotten and the next checkpoint replays the log afresh.
_STATE_ELEMENT_CHANGED = "the audit state digest recomputed (its element is SHA-512-based)"
_FORGET_STATE = "UPDATE audit_state SET seq = 0, digest = ''"
_COUNTERS = "counters of the credentials for the reports, kept by triggers"

# Migration 14: counters of the credentials (see the module's description). The key of a
# row: its qualification, unit award?, state, award month and (active only) expiry month,
# months in UTC as 'YYYY-MM' (SQLite's stored text starts with them).
_COUNTED = "(qualification_id, unit, state, awarded_month, expires_month)"
_COLUMNS = "(qualification_id, unit, state, awarded_month, expires_month, n)"
_COUNTS_TABLE = f"""CREATE TABLE credential_counts (
    qualification_id TEXT NOT NULL,
    unit BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    awarded_month TEXT NOT NULL,
    expires_month TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY {_COUNTED}
)"""
# the report's reads of partial months at a period's edges, and of its boundaries
_AWARDED_INDEX = (
    "CREATE INDEX credentials_awarded "
    "ON credentials (awarded, qualification_id, state, units, expires)"
)


def _sqlite_key(row: str) -> str:
    return (
        f"{row}.qualification_id, {row}.units <> '[]', {row}.state, substr({row}.awarded, 1, 7), "
        f"CASE WHEN {row}.state = 'active' THEN substr({row}.expires, 1, 7) ELSE '' END"
    )


def _sqlite_add(row: str, n: int) -> str:
    return (
        f"INSERT INTO credential_counts {_COLUMNS} VALUES ({_sqlite_key(row)}, {n}) "  # noqa: S608
        f"ON CONFLICT {_COUNTED} DO UPDATE SET n = n + excluded.n;"
    )


_SQLITE_COUNTERS = (
    _COUNTS_TABLE,
    f"CREATE TRIGGER credential_counts_insert AFTER INSERT ON credentials "
    f"BEGIN {_sqlite_add('NEW', 1)} END",
    f"CREATE TRIGGER credential_counts_delete AFTER DELETE ON credentials "
    f"BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER credential_counts_update AFTER UPDATE OF qualification_id, units, state, "
    "awarded, expires ON credentials WHEN OLD.qualification_id IS NOT NEW.qualification_id "
    "OR OLD.units IS NOT NEW.units OR OLD.state IS NOT NEW.state "
    "OR OLD.awarded IS NOT NEW.awarded OR OLD.expires IS NOT NEW.expires "
    f"BEGIN {_sqlite_add('OLD', -1)} {_sqlite_add('NEW', 1)} END",
    f"INSERT INTO credential_counts {_COLUMNS} SELECT {_sqlite_key('c')}, count(*) "  # noqa: S608
    "FROM credentials c GROUP BY 1, 2, 3, 4, 5",
    "DROP INDEX credentials_report",
    _AWARDED_INDEX,
)


def _pg_key(row: str) -> str:
    return (
        f"{row}.qualification_id, {row}.units <> '[]', {row}.state, "
        f"to_char({row}.awarded AT TIME ZONE 'UTC', 'YYYY-MM'), CASE WHEN {row}.state = "
        f"'active' THEN to_char({row}.expires AT TIME ZONE 'UTC', 'YYYY-MM') ELSE '' END"
    )


_FOLD_EVERY = 512  # changes between two folds (the change ids are a sequence)
_POSTGRES_COUNTERS = (
    _COUNTS_TABLE,
    """CREATE TABLE credential_count_changes (
        id bigserial PRIMARY KEY,
        qualification_id text NOT NULL,
        unit boolean NOT NULL,
        state text NOT NULL,
        awarded_month text NOT NULL,
        expires_month text NOT NULL,
        n bigint NOT NULL
    )""",
    # Called with the ids of the changes a writer just added: when they take the sequence
    # past a multiple of _FOLD_EVERY, moves every change this transaction sees into the
    # counts. Only the writer that gets the advisory lock folds, the others go on: the
    # lock is held to commit, so folders take turns, and a fold's DELETE (a new snapshot,
    # after the lock) never meets the rows of another fold. Writers only ever insert
    # changes: nobody waits on a counter.
    f"""CREATE FUNCTION credential_counts_fold(first bigint, last bigint) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            IF last / {_FOLD_EVERY} > (first - 1) / {_FOLD_EVERY}
               AND pg_try_advisory_xact_lock(hashtext('vcissue.credential_counts'),
                                             hashtext(current_schema())) THEN
                WITH moved AS (
                    DELETE FROM credential_count_changes
                    RETURNING qualification_id, unit, state, awarded_month, expires_month, n
                )
                INSERT INTO credential_counts AS c {_COLUMNS}
                SELECT qualification_id, unit, state, awarded_month, expires_month, sum(n)
                FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
                ON CONFLICT {_COUNTED} DO UPDATE SET n = c.n + excluded.n;
            END IF;
        END
        $$""",  # noqa: S608
    # INSERT and DELETE statements: one change per key a statement touched (a bulk load
    # of a million rows adds a few thousand), from its transition table
    f"""CREATE FUNCTION credential_counts_statement() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            first bigint;
            last bigint;
        BEGIN
            WITH added AS (
                INSERT INTO credential_count_changes {_COLUMNS}
                SELECT {_pg_key("c")},
                       CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END
                FROM changed c GROUP BY 1, 2, 3, 4, 5
                RETURNING id
            )
            SELECT min(id), max(id) INTO first, last FROM added;
            PERFORM credential_counts_fold(first, last);
            RETURN NULL;
        END
        $$""",  # noqa: S608
    # UPDATE: per row, and only when the key's columns change (a state change mostly)
    f"""CREATE FUNCTION credential_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            first bigint;
            last bigint;
        BEGIN
            INSERT INTO credential_count_changes {_COLUMNS}
            VALUES ({_pg_key("OLD")}, -1) RETURNING id INTO first;
            INSERT INTO credential_count_changes {_COLUMNS}
            VALUES ({_pg_key("NEW")}, 1) RETURNING id INTO last;
            PERFORM credential_counts_fold(first, last);
            RETURN NULL;
        END
        $$""",  # noqa: S608
    """CREATE FUNCTION credential_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM credential_counts;
            DELETE FROM credential_count_changes;
            RETURN NULL;
        END
        $$""",
    """CREATE TRIGGER credential_counts_insert AFTER INSERT ON credentials
       REFERENCING NEW TABLE AS changed
       FOR EACH STATEMENT EXECUTE FUNCTION credential_counts_statement()""",
    """CREATE TRIGGER credential_counts_delete AFTER DELETE ON credentials
       REFERENCING OLD TABLE AS changed
       FOR EACH STATEMENT EXECUTE FUNCTION credential_counts_statement()""",
    """CREATE TRIGGER credential_counts_update
       AFTER UPDATE OF qualification_id, units, state, awarded, expires ON credentials
       FOR EACH ROW WHEN ((OLD.qualification_id, OLD.units, OLD.state, OLD.awarded, OLD.expires)
                          IS DISTINCT FROM
                          (NEW.qualification_id, NEW.units, NEW.state, NEW.awarded, NEW.expires))
       EXECUTE FUNCTION credential_counts_row()""",
    """CREATE TRIGGER credential_counts_truncate AFTER TRUNCATE ON credentials
       FOR EACH STATEMENT EXECUTE FUNCTION credential_counts_truncate()""",
    # ALWAYS: also in sessions with session_replication_role = replica (a bulk load that
    # skips the foreign-key checks). A logical replica that receives credential_counts
    # too must not also run these triggers.
    *(
        f"ALTER TABLE credentials ENABLE ALWAYS TRIGGER credential_counts_{event}"
        for event in ("insert", "delete", "update", "truncate")
    ),
    # after the triggers: CREATE TRIGGER waited for the writers in flight and holds them
    # off until this commits, so the back-fill counts each credential exactly once
    f"INSERT INTO credential_counts {_COLUMNS} SELECT {_pg_key('c')}, count(*) "  # noqa: S608
    "FROM credentials c GROUP BY 1, 2, 3, 4, 5",
    "DROP INDEX credentials_report",
    _AWARDED_INDEX,
)


SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema",
        (
            """CREATE TABLE status_lists (
                id TEXT PRIMARY KEY,
                purpose TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
                size INTEGER NOT NULL CHECK (size > 0),
                bits BLOB NOT NULL,
                version INTEGER NOT NULL CHECK (version >= 0),
                is_full INTEGER NOT NULL DEFAULT 0 CHECK (is_full IN (0, 1)),
                published_json TEXT,
                published_at TEXT,
                created_at TEXT NOT NULL
            )""",
            "CREATE UNIQUE INDEX status_lists_one_open ON status_lists (purpose) WHERE NOT is_full",
            """CREATE TABLE allocations (
                list_id TEXT NOT NULL REFERENCES status_lists (id),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                credential_id TEXT NOT NULL,
                PRIMARY KEY (list_id, idx),
                UNIQUE (list_id, idx, credential_id)
            )""",
            """CREATE TRIGGER allocations_no_update BEFORE UPDATE ON allocations
               BEGIN SELECT RAISE(ABORT, 'allocations are permanent'); END""",
            """CREATE TRIGGER allocations_no_delete BEFORE DELETE ON allocations
               BEGIN SELECT RAISE(ABORT, 'allocations are permanent'); END""",
            f"""CREATE TABLE credentials (
                id TEXT PRIMARY KEY,
                holder_name TEXT NOT NULL,
                holder_id TEXT,
                qualification_id TEXT NOT NULL,
                units TEXT NOT NULL,
                awarded TEXT NOT NULL,
                expires TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ({_CREDENTIAL_STATES})),
                state_reason TEXT,
                suspended_until TEXT,
                revocation_list TEXT NOT NULL,
                revocation_index INTEGER NOT NULL,
                suspension_list TEXT NOT NULL,
                suspension_index INTEGER NOT NULL,
                previous_id TEXT,
                batch_key TEXT UNIQUE,
                signed_json TEXT NOT NULL,
                created_at TEXT NOT NULL,
                terms TEXT NOT NULL DEFAULT '{{}}',
                FOREIGN KEY (revocation_list, revocation_index, id)
                    REFERENCES allocations (list_id, idx, credential_id),
                FOREIGN KEY (suspension_list, suspension_index, id)
                    REFERENCES allocations (list_id, idx, credential_id)
            )""",
            "CREATE INDEX credentials_state ON credentials (state)",
            "CREATE INDEX credentials_qualification ON credentials (qualification_id, state)",
            "CREATE INDEX credentials_expires ON credentials (expires)",
            """CREATE INDEX credentials_suspended_until ON credentials (suspended_until)
               WHERE suspended_until IS NOT NULL""",
            """CREATE INDEX credentials_previous ON credentials (previous_id)
               WHERE previous_id IS NOT NULL""",
            """CREATE TABLE approvals (
                credential_id TEXT NOT NULL REFERENCES credentials (id),
                action TEXT NOT NULL,
                approver TEXT NOT NULL,
                reason TEXT NOT NULL,
                at TEXT NOT NULL,
                PRIMARY KEY (credential_id, action, approver)
            )""",
            """CREATE TABLE principals (
                key_id TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                name TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY CHECK (seq >= 1),
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                credential_id TEXT,
                details TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE
            )""",
            """CREATE INDEX audit_log_credential ON audit_log (credential_id)
               WHERE credential_id IS NOT NULL""",
            """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
            """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
            """CREATE TABLE audit_head (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seq INTEGER NOT NULL,
                hash TEXT NOT NULL
            )""",
            _SEED_AUDIT_HEAD,
        ),
    ),
    Migration(
        2,
        "api key expiry and revocation",
        (
            "ALTER TABLE principals ADD COLUMN expires_at TEXT",
            "ALTER TABLE principals ADD COLUMN revoked_at TEXT",
        ),
    ),
    Migration(
        3,
        "principals with identities, API keys of principals, governance cases",
        (
            # API keys move to api_keys; each key's name becomes (the identity of) a
            # principal, so two keys of one person count once. Identities created from here
            # on are NFKC + case-folded + trimmed by the application; lower(trim()) is the
            # closest SQL both back ends share for the keys that already exist.
            "ALTER TABLE principals RENAME TO api_keys_v2",
            """CREATE TABLE principals (
                id TEXT PRIMARY KEY,
                display_name TEXT NOT NULL,
                created_at TEXT NOT NULL,
                disabled_at TEXT
            )""",
            """CREATE TABLE principal_roles (
                principal_id TEXT NOT NULL REFERENCES principals (id),
                role TEXT NOT NULL,
                PRIMARY KEY (principal_id, role)
            )""",
            """CREATE TABLE api_keys (
                key_id TEXT PRIMARY KEY,
                principal_id TEXT NOT NULL REFERENCES principals (id),
                key_hash TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT,
                revoked_at TEXT
            )""",
            """INSERT INTO principals (id, display_name, created_at)
               SELECT lower(trim(name)), min(trim(name)), min(created_at)
               FROM api_keys_v2 GROUP BY lower(trim(name))""",
            """INSERT INTO principal_roles (principal_id, role)
               SELECT DISTINCT lower(trim(name)), role FROM api_keys_v2""",
            """INSERT INTO api_keys (key_id, principal_id, key_hash, created_at, expires_at,
                                     revoked_at)
               SELECT key_id, lower(trim(name)), key_hash, created_at, expires_at, revoked_at
               FROM api_keys_v2""",
            "DROP TABLE api_keys_v2",
            # Approvals were free-text names typed on a command line: not authenticated, so
            # a pending one is dropped (re-request it as a decision of a principal).
            "DROP TABLE approvals",
            """CREATE TABLE cases (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('decision', 'complaint', 'appeal')),
                type TEXT NOT NULL,
                subject TEXT,
                state TEXT NOT NULL,
                opened_at TEXT NOT NULL,
                due_at TEXT,
                closed_at TEXT,
                data TEXT NOT NULL,
                version integer NOT NULL
            )""",
            "CREATE INDEX cases_open ON cases (kind, state)",
            "CREATE INDEX cases_subject ON cases (subject)",
            """CREATE TABLE case_votes (
                case_id TEXT NOT NULL REFERENCES cases (id),
                principal_id TEXT NOT NULL REFERENCES principals (id),
                at TEXT NOT NULL,
                note TEXT NOT NULL,
                PRIMARY KEY (case_id, principal_id)
            )""",
        ),
    ),
    Migration(
        4,
        "wallet delivery: offers, exchanges, holder links, nonces",
        (
            """CREATE TABLE wallet_sessions (
                id text PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('oid4vci', 'vcapi', 'holder-page')),
                credential_id text NOT NULL REFERENCES credentials (id),
                state text NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                data text NOT NULL,
                version integer NOT NULL
            )""",
            "CREATE INDEX wallet_sessions_credential ON wallet_sessions (credential_id)",
            """CREATE TABLE wallet_nonces (
                nonce text PRIMARY KEY,
                expires_at TEXT NOT NULL
            )""",
            "CREATE INDEX wallet_nonces_expiry ON wallet_nonces (expires_at)",
        ),
    ),
    Migration(
        5,
        "certificate numbers",
        (
            "ALTER TABLE credentials ADD COLUMN number TEXT",
            "CREATE UNIQUE INDEX credentials_number ON credentials (number)",
            """CREATE TABLE number_counters (
                scope TEXT PRIMARY KEY,
                seq INTEGER NOT NULL CHECK (seq >= 1)
            )""",
        ),
    ),
    Migration(
        6,
        "notices: the outbox, deliveries, the holder's e-mail address",
        (
            "ALTER TABLE credentials ADD COLUMN holder_email TEXT",
            """CREATE TABLE outbox (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                credential_id TEXT,
                at TEXT NOT NULL,
                data TEXT NOT NULL,
                dispatched_at TEXT
            )""",
            "CREATE INDEX outbox_undispatched ON outbox (at) WHERE dispatched_at IS NULL",
            """CREATE TABLE deliveries (
                event_id TEXT NOT NULL REFERENCES outbox (id),
                recipient TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
                attempts integer NOT NULL CHECK (attempts >= 0),
                next_at TEXT NOT NULL,
                last_error TEXT,
                done_at TEXT,
                PRIMARY KEY (event_id, recipient)
            )""",
            "CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending'",
        ),
    ),
    Migration(
        7,
        "reports from an index",
        (
            # counts and issued reports: one index-only scan, no row (nor signed form) read
            """CREATE INDEX credentials_report
               ON credentials (qualification_id, state, units, awarded, expires)""",
        ),
    ),
    Migration(
        8,
        "the expiring report from an index",
        (
            # report expiring: an index-only range scan over the active certificates
            """CREATE INDEX credentials_expiring
               ON credentials (expires, id, number, holder_name, qualification_id, units, awarded)
               WHERE state = 'active'""",
        ),
    ),
    Migration(
        9,
        "certificates imported from before vcissue",
        (
            """CREATE TABLE imported_certificates (
                number TEXT PRIMARY KEY,
                holder_name TEXT NOT NULL,
                holder_email TEXT,
                qualification_id TEXT NOT NULL,
                awarded TEXT NOT NULL,
                expires TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN
                    ('current', 'suspended', 'withdrawn', 'revoked', 'expired')),
                imported_at TEXT NOT NULL,
                credential_id TEXT REFERENCES credentials (id)
            )""",
        ),
    ),
    Migration(
        10,
        "awarding bodies: each status list belongs to one body",
        (
            "ALTER TABLE status_lists ADD COLUMN body TEXT NOT NULL DEFAULT 'default'",
            "DROP INDEX status_lists_one_open",
            "CREATE UNIQUE INDEX status_lists_one_open_per_body ON status_lists (body, purpose) "
            "WHERE NOT is_full",
        ),
    ),
    Migration(
        11,
        "the audit log's state digest",
        (
            """CREATE TABLE audit_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seq INTEGER NOT NULL CHECK (seq >= 0),
                digest TEXT NOT NULL
            )""",
            "INSERT INTO audit_state (id, seq, digest) VALUES (1, 0, '')",
        ),
    ),
    Migration(12, "the signed forms' digests (PostgreSQL only: SQLite has no SHA-256)", ()),
    Migration(13, _STATE_ELEMENT_CHANGED, (_FORGET_STATE,)),
    Migration(14, _COUNTERS, _SQLITE_COUNTERS),
)

POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema",
        (
            """CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                   RAISE EXCEPTION '% rows cannot be changed or deleted', TG_TABLE_NAME;
               END
               $$""",
            """CREATE TABLE status_lists (
                id text PRIMARY KEY,
                purpose text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
                size integer NOT NULL CHECK (size > 0),
                bits bytea NOT NULL,
                version bigint NOT NULL CHECK (version >= 0),
                is_full boolean NOT NULL DEFAULT false,
                published_json text,
                published_at timestamptz,
                created_at timestamptz NOT NULL
            )""",
            "CREATE UNIQUE INDEX status_lists_one_open ON status_lists (purpose) WHERE NOT is_full",
            """CREATE TABLE allocations (
                list_id text NOT NULL REFERENCES status_lists (id),
                idx integer NOT NULL CHECK (idx >= 0),
                credential_id text NOT NULL,
                PRIMARY KEY (list_id, idx),
                UNIQUE (list_id, idx, credential_id)
            )""",
            """CREATE TRIGGER allocations_permanent BEFORE UPDATE OR DELETE ON allocations
               FOR EACH ROW EXECUTE FUNCTION refuse_change()""",
            """CREATE TRIGGER allocations_no_truncate BEFORE TRUNCATE ON allocations
               FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()""",
            f"""CREATE TABLE credentials (
                id text PRIMARY KEY,
                holder_name text NOT NULL,
                holder_id text,
                qualification_id text NOT NULL,
                units text NOT NULL,
                awarded timestamptz NOT NULL,
                expires timestamptz NOT NULL,
                state text NOT NULL CHECK (state IN ({_CREDENTIAL_STATES})),
                state_reason text,
                suspended_until timestamptz,
                revocation_list text NOT NULL,
                revocation_index integer NOT NULL,
                suspension_list text NOT NULL,
                suspension_index integer NOT NULL,
                previous_id text,
                batch_key text UNIQUE,
                signed_json text NOT NULL,
                created_at timestamptz NOT NULL,
                terms text NOT NULL DEFAULT '{{}}',
                FOREIGN KEY (revocation_list, revocation_index, id)
                    REFERENCES allocations (list_id, idx, credential_id),
                FOREIGN KEY (suspension_list, suspension_index, id)
                    REFERENCES allocations (list_id, idx, credential_id)
            )""",
            "CREATE INDEX credentials_state ON credentials (state)",
            "CREATE INDEX credentials_qualification ON credentials (qualification_id, state)",
            "CREATE INDEX credentials_expires ON credentials (expires)",
            """CREATE INDEX credentials_suspended_until ON credentials (suspended_until)
               WHERE suspended_until IS NOT NULL""",
            """CREATE INDEX credentials_previous ON credentials (previous_id)
               WHERE previous_id IS NOT NULL""",
            """CREATE TABLE approvals (
                credential_id text NOT NULL REFERENCES credentials (id),
                action text NOT NULL,
                approver text NOT NULL,
                reason text NOT NULL,
                at timestamptz NOT NULL,
                PRIMARY KEY (credential_id, action, approver)
            )""",
            """CREATE TABLE principals (
                key_id text PRIMARY KEY,
                key_hash text NOT NULL,
                role text NOT NULL,
                name text NOT NULL,
                created_at timestamptz NOT NULL
            )""",
            """CREATE TABLE audit_log (
                seq bigint PRIMARY KEY CHECK (seq >= 1),
                at timestamptz NOT NULL,
                actor text NOT NULL,
                action text NOT NULL,
                credential_id text,
                details text NOT NULL,
                prev_hash text NOT NULL,
                hash text NOT NULL UNIQUE
            )""",
            """CREATE INDEX audit_log_credential ON audit_log (credential_id)
               WHERE credential_id IS NOT NULL""",
            """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
               FOR EACH ROW EXECUTE FUNCTION refuse_change()""",
            """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
               FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()""",
            """CREATE TABLE audit_head (
                id integer PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL,
                hash text NOT NULL
            )""",
            _SEED_AUDIT_HEAD,
        ),
    ),
    Migration(
        2,
        "api key expiry and revocation",
        (
            "ALTER TABLE principals ADD COLUMN expires_at timestamptz",
            "ALTER TABLE principals ADD COLUMN revoked_at timestamptz",
        ),
    ),
    Migration(
        3,
        "principals with identities, API keys of principals, governance cases",
        (
            # API keys move to api_keys; each key's name becomes (the identity of) a
            # principal, so two keys of one person count once. Identities created from here
            # on are NFKC + case-folded + trimmed by the application; lower(trim()) is the
            # closest SQL both back ends share for the keys that already exist.
            "ALTER TABLE principals RENAME TO api_keys_v2",
            """CREATE TABLE principals (
                id text PRIMARY KEY,
                display_name text NOT NULL,
                created_at timestamptz NOT NULL,
                disabled_at timestamptz
            )""",
            """CREATE TABLE principal_roles (
                principal_id text NOT NULL REFERENCES principals (id),
                role text NOT NULL,
                PRIMARY KEY (principal_id, role)
            )""",
            """CREATE TABLE api_keys (
                key_id text PRIMARY KEY,
                principal_id text NOT NULL REFERENCES principals (id),
                key_hash text NOT NULL,
                created_at timestamptz NOT NULL,
                expires_at timestamptz,
                revoked_at timestamptz
            )""",
            """INSERT INTO principals (id, display_name, created_at)
               SELECT lower(trim(name)), min(trim(name)), min(created_at)
               FROM api_keys_v2 GROUP BY lower(trim(name))""",
            """INSERT INTO principal_roles (principal_id, role)
               SELECT DISTINCT lower(trim(name)), role FROM api_keys_v2""",
            """INSERT INTO api_keys (key_id, principal_id, key_hash, created_at, expires_at,
                                     revoked_at)
               SELECT key_id, lower(trim(name)), key_hash, created_at, expires_at, revoked_at
               FROM api_keys_v2""",
            "DROP TABLE api_keys_v2",
            # Approvals were free-text names typed on a command line: not authenticated, so
            # a pending one is dropped (re-request it as a decision of a principal).
            "DROP TABLE approvals",
            """CREATE TABLE cases (
                id text PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('decision', 'complaint', 'appeal')),
                type text NOT NULL,
                subject text,
                state text NOT NULL,
                opened_at timestamptz NOT NULL,
                due_at timestamptz,
                closed_at timestamptz,
                data text NOT NULL,
                version integer NOT NULL
            )""",
            "CREATE INDEX cases_open ON cases (kind, state)",
            "CREATE INDEX cases_subject ON cases (subject)",
            """CREATE TABLE case_votes (
                case_id text NOT NULL REFERENCES cases (id),
                principal_id text NOT NULL REFERENCES principals (id),
                at timestamptz NOT NULL,
                note text NOT NULL,
                PRIMARY KEY (case_id, principal_id)
            )""",
        ),
    ),
    Migration(
        4,
        "wallet delivery: offers, exchanges, holder links, nonces",
        (
            """CREATE TABLE wallet_sessions (
                id text PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('oid4vci', 'vcapi', 'holder-page')),
                credential_id text NOT NULL REFERENCES credentials (id),
                state text NOT NULL,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                data text NOT NULL,
                version integer NOT NULL
            )""",
            "CREATE INDEX wallet_sessions_credential ON wallet_sessions (credential_id)",
            """CREATE TABLE wallet_nonces (
                nonce text PRIMARY KEY,
                expires_at timestamptz NOT NULL
            )""",
            "CREATE INDEX wallet_nonces_expiry ON wallet_nonces (expires_at)",
        ),
    ),
    Migration(
        5,
        "certificate numbers",
        (
            "ALTER TABLE credentials ADD COLUMN number text",
            "CREATE UNIQUE INDEX credentials_number ON credentials (number)",
            """CREATE TABLE number_counters (
                scope text PRIMARY KEY,
                seq bigint NOT NULL CHECK (seq >= 1)
            )""",
        ),
    ),
    Migration(
        6,
        "notices: the outbox, deliveries, the holder's e-mail address",
        (
            "ALTER TABLE credentials ADD COLUMN holder_email text",
            """CREATE TABLE outbox (
                seq bigserial PRIMARY KEY,
                id text NOT NULL UNIQUE,
                kind text NOT NULL,
                credential_id text,
                at timestamptz NOT NULL,
                data text NOT NULL,
                dispatched_at timestamptz
            )""",
            "CREATE INDEX outbox_undispatched ON outbox (at) WHERE dispatched_at IS NULL",
            """CREATE TABLE deliveries (
                event_id text NOT NULL REFERENCES outbox (id),
                recipient text NOT NULL,
                state text NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
                attempts integer NOT NULL CHECK (attempts >= 0),
                next_at timestamptz NOT NULL,
                last_error text,
                done_at timestamptz,
                PRIMARY KEY (event_id, recipient)
            )""",
            "CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending'",
        ),
    ),
    Migration(
        7,
        "reports from an index",
        (
            # counts and issued reports: one index-only scan, no row (nor signed form) read
            """CREATE INDEX credentials_report
               ON credentials (qualification_id, state, units, awarded, expires)""",
        ),
    ),
    Migration(
        8,
        "the expiring report from an index",
        (
            # report expiring: an index-only range scan over the active certificates
            """CREATE INDEX credentials_expiring
               ON credentials (expires, id, number, holder_name, qualification_id, units, awarded)
               WHERE state = 'active'""",
        ),
    ),
    Migration(
        9,
        "certificates imported from before vcissue",
        (
            """CREATE TABLE imported_certificates (
                number text PRIMARY KEY,
                holder_name text NOT NULL,
                holder_email text,
                qualification_id text NOT NULL,
                awarded timestamptz NOT NULL,
                expires timestamptz NOT NULL,
                state text NOT NULL CHECK (state IN
                    ('current', 'suspended', 'withdrawn', 'revoked', 'expired')),
                imported_at timestamptz NOT NULL,
                credential_id text REFERENCES credentials (id)
            )""",
        ),
    ),
    Migration(
        10,
        "awarding bodies: each status list belongs to one body",
        (
            "ALTER TABLE status_lists ADD COLUMN body text NOT NULL DEFAULT 'default'",
            "DROP INDEX status_lists_one_open",
            "CREATE UNIQUE INDEX status_lists_one_open_per_body ON status_lists (body, purpose) "
            "WHERE NOT is_full",
        ),
    ),
    Migration(
        11,
        "the audit log's state digest",
        (
            """CREATE TABLE audit_state (
                id integer PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL CHECK (seq >= 0),
                digest text NOT NULL
            )""",
            "INSERT INTO audit_state (id, seq, digest) VALUES (1, 0, '')",
        ),
    ),
    Migration(
        12,
        "the signed forms' digests",
        (
            # the UTF-8 bytes of the text through immutable built-ins only (convert_to is
            # stable): byteain takes the text's bytes as they are once '\' is doubled
            "ALTER TABLE credentials ADD COLUMN signed_sha256 bytea GENERATED ALWAYS AS "
            "(sha256(replace(signed_json, E'\\\\', E'\\\\\\\\')::bytea)) STORED",
        ),
    ),
    Migration(13, _STATE_ELEMENT_CHANGED, (_FORGET_STATE,)),
    Migration(14, _COUNTERS, _POSTGRES_COUNTERS),
)


def pending_migrations(
    applied: Sequence[int], known: Sequence[Migration], *, create: bool = False
) -> list[Migration]:
    """The migrations still to apply, given the versions recorded in ``schema_migrations``.

    Raises ``SchemaVersionError`` when the database is newer than ``known`` or its
    recorded versions are not 1..n without gaps (a damaged or foreign schema), and
    ``StoreError`` for a database with no vcissue schema at all unless ``create``.
    """
    if not applied and not create:
        raise StoreError(NO_STORE)
    latest_known = known[-1].version if known else 0
    versions = sorted(applied)
    current = versions[-1] if versions else 0
    if current > latest_known:
        raise SchemaVersionError(
            f"database schema version {current} is newer than this code knows "
            f"({latest_known}); upgrade vcissue before opening it"
        )
    if versions != list(range(1, current + 1)):
        raise SchemaVersionError(f"schema_migrations holds unexpected versions {versions}")
    return [migration for migration in known if migration.version > current]
