//! Migrations that are hard to split, for the differential test of `--sql`
//! (script_diff.rs): a fixed corpus per backend, each revision a shape a
//! real project writes (crates.io's final comment, trigger and procedure
//! bodies, dollar quotes, `CREATE INDEX CONCURRENTLY`, CRLF files, a
//! user's `DELIMITER` lines), plus revisions generated from a seed that
//! combine statements with those shapes.

use super::Backend;

/// One revision of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    /// The folder's slug.
    pub slug: String,
    pub up: String,
    pub down: String,
    /// `run_in_transaction` of its metadata.toml.
    pub in_transaction: bool,
}

fn case(slug: &str, up: &str, down: &str) -> Case {
    Case {
        slug: slug.to_owned(),
        up: up.to_owned(),
        down: down.to_owned(),
        in_transaction: true,
    }
}

fn outside_transaction(mut case: Case) -> Case {
    case.in_transaction = false;
    case
}

/// The fixed corpus of `backend`, in the order the revisions chain.
pub fn fixed(backend: Backend) -> Vec<Case> {
    let last_word = match backend {
        // crates.io's 2025-02-11-122509_add-expires-at-column/up.sql ends so.
        Backend::Postgres => {
            "comment on column fc.expires_at is 'Point in time; after which the token expires'"
        }
        Backend::Mysql => {
            "ALTER TABLE fc MODIFY expires_at VARCHAR(40) COMMENT 'Point in time; after which'"
        }
        Backend::Sqlite => {
            "INSERT INTO fc (id, expires_at) VALUES (1, 'Point in time; after which')"
        }
    };
    let mut cases = vec![
        case(
            "no_final_semicolon",
            "CREATE TABLE nf (id INTEGER PRIMARY KEY, note VARCHAR(50))",
            "DROP TABLE nf",
        ),
        case(
            "final_comment",
            &format!(
                "CREATE TABLE fc (id INTEGER PRIMARY KEY, expires_at VARCHAR(40));\n{last_word}\n\
                 -- update table ... ;;\n"
            ),
            "DROP TABLE fc;\n-- gone;\n",
        ),
        case(
            "block_comments",
            "/* leading; comment\n   over lines */\nCREATE TABLE bc (\n  id INTEGER /* inline; */ PRIMARY KEY,\n  \
             v VARCHAR(20) DEFAULT 'x' -- trailing; here\n);\n/* between; */ INSERT INTO bc (id) VALUES (1); /* after; */\n\
             /* final; comment */\n",
            "DROP TABLE bc;",
        ),
        case(
            "strings",
            "CREATE TABLE st (id INTEGER PRIMARY KEY, a VARCHAR(60), b VARCHAR(60));\n\
             INSERT INTO st VALUES (1, 'a;b', 'it''s; -- not a comment');\n\
             INSERT INTO st VALUES (2, '/* nor; this */', 'end;');\n",
            "DROP TABLE st;\n",
        ),
        case("empty", "", ""),
        case("comment_only", "-- nothing to do;\n/* really; */\n", "-- nothing;\n"),
        case(
            "crlf",
            "CREATE TABLE cr (\r\n  id INTEGER PRIMARY KEY,\r\n  t VARCHAR(40)\r\n);\r\n\
             INSERT INTO cr VALUES (1, 'two\r\nlines; here');\r\n\
             CREATE VIEW crv AS SELECT id,\r\n  t FROM cr;\r\n-- done;\r\n",
            "DROP VIEW crv;\r\nDROP TABLE cr;\r\n",
        ),
    ];
    cases.extend(match backend {
        Backend::Postgres => postgres(),
        Backend::Mysql => mysql(),
        Backend::Sqlite => sqlite(),
    });
    cases
}

fn postgres() -> Vec<Case> {
    vec![
        case(
            "dollar_quotes",
            "CREATE TABLE pf (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);\n\
             CREATE FUNCTION pf_bump() RETURNS trigger AS $body$\nBEGIN\n  -- a comment; in the body\n  \
             NEW.n := NEW.n + 1;\n  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\n\
             CREATE TRIGGER pf_bump BEFORE INSERT ON pf FOR EACH ROW EXECUTE FUNCTION pf_bump();\n\
             CREATE FUNCTION pf_double(x integer) RETURNS integer AS $$ SELECT x * 2; $$ LANGUAGE sql\n",
            "DROP TRIGGER pf_bump ON pf;\nDROP FUNCTION pf_bump();\nDROP FUNCTION pf_double(integer);\nDROP TABLE pf;",
        ),
        case(
            "e_strings",
            "CREATE TABLE pe (id INTEGER PRIMARY KEY, s TEXT);\n\
             INSERT INTO pe VALUES (1, E'it\\'s; a \\\\ backslash'), (2, 'standard \\ string;');\n",
            "DROP TABLE pe;\n",
        ),
        case(
            "begin_atomic",
            "CREATE FUNCTION pa_sign(x integer) RETURNS integer LANGUAGE sql\nBEGIN ATOMIC\n  \
             SELECT CASE WHEN x > 0 THEN 1 WHEN x < 0 THEN -1 ELSE 0 END;\nEND\n",
            "DROP FUNCTION pa_sign(integer);",
        ),
        outside_transaction(case(
            "index_concurrently",
            "CREATE INDEX CONCURRENTLY nf_note ON nf (note);\n",
            "DROP INDEX CONCURRENTLY nf_note;\n",
        )),
        case(
            "do_block_and_procedure",
            "CREATE TABLE pd (n INTEGER);\nDO $$\nBEGIN\n  INSERT INTO pd VALUES (1); -- in a DO;\nEND\n$$;\n\
             CREATE PROCEDURE pd_add(k integer)\nLANGUAGE sql\nBEGIN ATOMIC\n  INSERT INTO pd VALUES (k);\n  \
             INSERT INTO pd VALUES (k + 1);\nEND;\nCALL pd_add(5);\n",
            "DROP PROCEDURE pd_add(integer);\nDROP TABLE pd;\n",
        ),
        case(
            "rule_in_parentheses",
            "/* outer /* inner; */ still; */\nCREATE TABLE pr_log (n INTEGER);\nCREATE TABLE pr (n INTEGER);\n\
             CREATE RULE pr_log AS ON INSERT TO pr DO ALSO (INSERT INTO pr_log VALUES (NEW.n); \
             INSERT INTO pr_log VALUES (NEW.n + 1));\nINSERT INTO pr VALUES (1);\n",
            "DROP TABLE pr; DROP TABLE pr_log;",
        ),
    ]
}

fn mysql() -> Vec<Case> {
    vec![
        case(
            "trigger",
            "CREATE TABLE mt (id INT PRIMARY KEY, n INT NOT NULL DEFAULT 0, note VARCHAR(40));\n\
             CREATE TRIGGER mt_bump BEFORE INSERT ON mt FOR EACH ROW\nBEGIN\n  -- keep n positive; always\n  \
             IF NEW.n < 0 THEN\n    SET NEW.n = 0;\n  END IF;\n  \
             SET NEW.note = CONCAT(IFNULL(NEW.note, ''), ';'); # hash; comment\nEND;\n\
             INSERT INTO mt (id, n) VALUES (1, -5);\n",
            "DROP TRIGGER mt_bump;\nDROP TABLE mt;",
        ),
        case(
            "procedure_and_function",
            "CREATE PROCEDURE mp_fill(IN k INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  fill: LOOP\n    \
             SET i = i + 1;\n    IF i > k THEN LEAVE fill; END IF;\n    INSERT INTO mt (id) VALUES (100 + i);\n  \
             END LOOP fill;\n  CASE k WHEN 0 THEN SET @x = 'none;'; ELSE SET @x = 'some'; END CASE;\nEND;\n\
             CREATE FUNCTION mf_twice(x INT) RETURNS INT DETERMINISTIC\nBEGIN\n  RETURN x * 2; /* block; */\nEND;\n\
             CALL mp_fill(2)\n",
            "DROP FUNCTION mf_twice;\nDROP PROCEDURE mp_fill;\nDELETE FROM mt WHERE id > 100;",
        ),
        case(
            "user_delimiter",
            "CREATE TABLE mt_log (id INT);\n\nDELIMITER $$\n\
             CREATE TRIGGER mt_after AFTER UPDATE ON mt FOR EACH ROW\nBEGIN\n  INSERT INTO mt_log VALUES (NEW.id);\nEND$$\n\
             DELIMITER ;\nUPDATE mt SET n = 1;\n",
            "DROP TRIGGER mt_after;\nDROP TABLE mt_log;",
        ),
        case(
            "backslashes_and_hashes",
            "CREATE TABLE mb (id INT PRIMARY KEY, s VARCHAR(60)) /*!ENGINE=InnoDB */;\n# hash comment; here\n\
             INSERT INTO mb VALUES (1, 'it\\'s; \\\\ back'), (2, \"dq; \\\"x\\\"\");\n\
             INSERT INTO mb VALUES (3, 'five'), (5--3, 'minus minus');\n",
            "DROP TABLE mb;",
        ),
        case(
            "view_with_comments",
            "CREATE VIEW mv AS SELECT id, /* c; */ n FROM mt -- trailing\n",
            "DROP VIEW mv",
        ),
        case(
            "event",
            "CREATE EVENT me ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DO\nBEGIN\n  \
             DELETE FROM mt WHERE id < 0; -- never;\n  DELETE FROM mt_log WHERE id < 0;\nEND\n",
            "DROP EVENT me;",
        ),
        outside_transaction(case(
            "outside_transaction",
            "CREATE TABLE mn (id INT);\nINSERT INTO mn VALUES (1);\n",
            "DROP TABLE mn;\n",
        )),
    ]
}

fn sqlite() -> Vec<Case> {
    vec![
        case(
            "trigger",
            "CREATE TABLE sg (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, note TEXT);\n\
             CREATE TRIGGER sg_bump AFTER INSERT ON sg\nBEGIN\n  -- a comment; in the body\n  \
             UPDATE sg SET n = CASE WHEN NEW.n < 0 THEN 0 ELSE NEW.n END WHERE id = NEW.id;\n  \
             UPDATE sg SET note = 'done; ok' WHERE id = NEW.id;\nEND;\nINSERT INTO sg (id, n) VALUES (1, -3)\n",
            "DROP TRIGGER sg_bump;\nDROP TABLE sg;",
        ),
        case(
            "brackets",
            "CREATE TABLE [sb;x] ([a;b] INTEGER, `c;d` TEXT);\nINSERT INTO [sb;x] VALUES (1, 'x');\n",
            "DROP TABLE [sb;x];",
        ),
        case(
            "view",
            "CREATE VIEW sv AS\n  SELECT id, /* c; */ n FROM sg -- trailing;\n",
            "DROP VIEW sv;",
        ),
        // Nothing to undo: down.sql says so, or downgrade refuses it.
        outside_transaction(case(
            "vacuum",
            "VACUUM;\n",
            "-- irreversible: VACUUM leaves nothing to undo\n",
        )),
    ]
}

/// A fixed-seed generator (splitmix64): the corpus of a seed must stay
/// the same across versions of any crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Generated revision `k`: a table `g{k}` and, at random, a compound
/// statement, an index, a row and a view on it, written in random shapes
/// (terminators, comments, CRLF, a final statement without `;`, a
/// `DELIMITER` block on MySQL), sometimes empty or outside a transaction.
pub fn generated(backend: Backend, k: usize, rng: &mut Rng) -> Case {
    let slug = format!("generated_{k}");
    if rng.one_in(10) {
        return case(&slug, "", "");
    }
    let outside = rng.one_in(6);
    let mut up = vec![format!(
        "CREATE TABLE g{k} (id INTEGER PRIMARY KEY, s VARCHAR(40))"
    )];
    let mut down = Vec::new();
    if rng.one_in(2) {
        match backend {
            Backend::Postgres => {
                up.push(format!(
                    "CREATE FUNCTION g{k}_f() RETURNS integer AS $g$\nBEGIN\n  RETURN {k}; -- one;\nEND;\n$g$ LANGUAGE plpgsql"
                ));
                down.push(format!("DROP FUNCTION g{k}_f()"));
            }
            Backend::Mysql => up.push(format!(
                "CREATE TRIGGER g{k}_t BEFORE INSERT ON g{k} FOR EACH ROW\nBEGIN\n  SET NEW.s = CONCAT(NEW.s, ';'); -- add;\nEND"
            )),
            Backend::Sqlite => up.push(format!(
                "CREATE TRIGGER g{k}_t AFTER INSERT ON g{k}\nBEGIN\n  UPDATE g{k} SET s = s || ';' WHERE id = NEW.id; -- add;\nEND"
            )),
        }
    }
    if rng.one_in(2) {
        let concurrently = if backend == Backend::Postgres && outside {
            "CONCURRENTLY "
        } else {
            ""
        };
        up.push(format!("CREATE INDEX {concurrently}g{k}_s ON g{k} (s)"));
    }
    if rng.one_in(2) {
        up.push(format!(
            "INSERT INTO g{k} (id, s) VALUES (1, 'x; -- y'), (2, '/* z; */')"
        ));
    }
    if rng.one_in(2) {
        up.push(format!(
            "CREATE VIEW g{k}_v AS SELECT id, /* v; */ s FROM g{k}"
        ));
        down.push(format!("DROP VIEW g{k}_v"));
    }
    down.reverse();
    down.push(format!("DROP TABLE g{k}"));

    let mut case = case(
        &slug,
        &shape(backend, &up, rng),
        &shape(backend, &down, rng),
    );
    case.in_transaction = !outside;
    case
}

/// `statements` as a file, in a random shape.
fn shape(backend: Backend, statements: &[String], rng: &mut Rng) -> String {
    let mysql = backend == Backend::Mysql;
    let delimiter = if mysql && rng.one_in(4) { "//" } else { ";" };
    let mut text = String::new();
    if delimiter != ";" {
        text.push_str("DELIMITER //\n");
    }
    text.push_str(rng.pick(&["", "-- a revision; generated\n", "/* head; */\n"]));
    for (i, statement) in statements.iter().enumerate() {
        text.push_str(statement);
        if i + 1 < statements.len() {
            let gap = rng.pick(&[
                "{d}\n",
                "{d}\n\n",
                "{d} -- note; here\n",
                "{d}\n/* gap; */\n",
                "{d} ",
            ]);
            text.push_str(&gap.replace("{d}", delimiter));
        } else {
            // A `DELIMITER ;` line counts only after a finished statement.
            let end = if delimiter == ";" {
                rng.pick(&[
                    "{d}\n",
                    "",
                    "\n-- tail ;;\n",
                    "{d}\n/* end; */\n",
                    "{d}\n\n",
                ])
            } else {
                rng.pick(&["{d}\n", "{d}\n/* end; */\n"])
            };
            text.push_str(&end.replace("{d}", delimiter));
        }
    }
    if delimiter != ";" {
        text.push_str("\nDELIMITER ;\n");
    }
    if mysql && rng.one_in(3) {
        text = text.replace("-- ", "# ");
    }
    if rng.one_in(4) {
        text = text.replace('\n', "\r\n");
    }
    text
}
