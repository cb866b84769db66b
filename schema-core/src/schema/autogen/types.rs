//! diesel's SQL types back to each backend's DDL types: the inverse of
//! what `print-schema` infers, so that a column printed into schema.rs and
//! created again from it reads back with the same diesel type.

use heck::ToUpperCamelCase;

use crate::schema::{Column, EnumType};
use crate::url::Backend;

/// A diesel type as schema.rs writes it, paths dropped:
/// `Array<Nullable<Text>>`, `Unsigned<Integer>`, `Mood`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DieselType {
    pub base: String,
    pub array: bool,
    pub unsigned: bool,
}

impl DieselType {
    /// Read `text` (`crate::schema::sql_types::Mood`, `Array<Int4>`).
    pub fn parse(text: &str) -> Self {
        let mut t = last_segments(text);
        let mut array = false;
        let mut unsigned = false;
        loop {
            if let Some(inner) = unwrap(&t, "Array") {
                array = true;
                t = inner;
            } else if let Some(inner) = unwrap(&t, "Nullable") {
                t = inner;
            } else if let Some(inner) = unwrap(&t, "Unsigned") {
                unsigned = true;
                t = inner;
            } else {
                break;
            }
        }
        DieselType {
            base: t,
            array,
            unsigned,
        }
    }

    /// The type of a live column, from what introspection inferred.
    pub fn of_live(column: &Column) -> Option<Self> {
        let mut t = Self::parse(column.sql_type.as_deref()?);
        t.array |= column.array;
        t.unsigned |= column.unsigned;
        Some(t)
    }
}

fn unwrap(t: &str, wrapper: &str) -> Option<String> {
    t.strip_prefix(wrapper)?
        .strip_prefix('<')?
        .strip_suffix('>')
        .map(str::to_owned)
}

/// `a::b::C<d::E>` as `C<E>`.
pub(crate) fn last_segments(t: &str) -> String {
    let mut out = String::new();
    for part in t.split_inclusive(['<', '>', ',']) {
        let (name, delimiter) = match part.char_indices().last() {
            Some((i, '<' | '>' | ',')) => (&part[..i], &part[i..]),
            _ => (part, ""),
        };
        out.push_str(name.rsplit("::").next().unwrap_or(name).trim());
        out.push_str(delimiter);
    }
    out
}

/// Whether diesel defines `name` as a SQL type on `backend`
/// (`diesel::sql_types` and the backend's own module, aliases included);
/// autogenerate warns about a name it does not.
pub(crate) fn diesel_defines(backend: Backend, name: &str) -> bool {
    const COMMON: &[&str] = &[
        "bool",
        "tinyint",
        "smallint",
        "int2",
        "integer",
        "int4",
        "bigint",
        "int8",
        "float",
        "float4",
        "double",
        "float8",
        "numeric",
        "decimal",
        "text",
        "varchar",
        "char",
        "tinytext",
        "mediumtext",
        "longtext",
        "binary",
        "varbinary",
        "blob",
        "tinyblob",
        "mediumblob",
        "longblob",
        "bytea",
        "date",
        "time",
        "timestamp",
        "interval",
        "json",
        "jsonb",
        "bit",
    ];
    const POSTGRES: &[&str] = &[
        "jsonb",
        "uuid",
        "timestamptz",
        "timetz",
        "money",
        "inet",
        "cidr",
        "macaddr",
        "macaddr8",
        "oid",
        "bit",
        "pglsn",
        "citext",
        "tsvector",
        "tsquery",
        "xml",
        "int4range",
        "int8range",
        "numrange",
        "tsrange",
        "tstzrange",
        "daterange",
        "int4multirange",
        "int8multirange",
        "nummultirange",
        "tsmultirange",
        "tstzmultirange",
        "datemultirange",
        "smallserial",
        "serial",
        "bigserial",
        "record",
        "range",
        "multirange",
        "bpchar",
        "cchar",
    ];
    const MYSQL: &[&str] = &["datetime", "unsigned", "mediumint", "year"];
    let key = name.to_ascii_lowercase();
    COMMON.contains(&key.as_str())
        || match backend {
            Backend::Postgres => POSTGRES.contains(&key.as_str()),
            Backend::Mysql => MYSQL.contains(&key.as_str()),
            Backend::Sqlite => key == "timestamptz",
        }
}

/// The DDL type of `ty` on `backend` (`max_length` from `#[max_length]`),
/// or `None` when it cannot be written (a PostgreSQL `Record`, an array
/// off PostgreSQL). PostgreSQL enums of the live database are found by
/// their diesel name. A name not in the backend's table is written as
/// diesel writes every type, upper-cased (`Float4` is `FLOAT4`).
pub(crate) fn ddl_type(
    backend: Backend,
    ty: &DieselType,
    max_length: Option<u64>,
    enums: &[EnumType],
) -> Option<String> {
    let key = ty.base.to_ascii_lowercase();
    let sized = |name: &str, default: Option<u64>| match max_length.or(default) {
        Some(n) => format!("{name}({n})"),
        None => name.to_owned(),
    };
    let upper = || {
        let mut t = ty.base.to_uppercase();
        if let Some(n) = max_length {
            t = format!("{t}({n})");
        }
        t
    };
    if key.starts_with("record<") {
        return None;
    }
    let base = match backend {
        Backend::Postgres => match key.as_str() {
            "bool" | "boolean" => "boolean".to_owned(),
            "smallint" | "int2" => "smallint".to_owned(),
            "integer" | "int4" => "integer".to_owned(),
            "bigint" | "int8" => "bigint".to_owned(),
            "float" | "float4" => "real".to_owned(),
            "double" | "float8" => "double precision".to_owned(),
            "numeric" | "decimal" => "numeric".to_owned(),
            "text" => "text".to_owned(),
            "varchar" => sized("character varying", None),
            "char" | "bpchar" => sized("character", None),
            "binary" | "bytea" | "blob" => "bytea".to_owned(),
            "timestamp" => "timestamp without time zone".to_owned(),
            "timestamptz" => "timestamp with time zone".to_owned(),
            "time" => "time without time zone".to_owned(),
            "timetz" => "time with time zone".to_owned(),
            "pglsn" | "pg_lsn" => "pg_lsn".to_owned(),
            "cchar" => "\"char\"".to_owned(),
            "bit" => sized("bit", None),
            "date" | "interval" | "uuid" | "json" | "jsonb" | "money" | "inet" | "cidr"
            | "macaddr" | "macaddr8" | "oid" | "tsvector" | "tsquery" | "xml" | "citext"
            | "int4range" | "int8range" | "numrange" | "tsrange" | "tstzrange" | "daterange"
            | "int4multirange" | "int8multirange" | "nummultirange" | "tsmultirange"
            | "tstzmultirange" | "datemultirange" | "smallserial" | "serial" | "bigserial" => {
                key.clone()
            }
            _ => {
                if let Some(range) = range_type(&ty.base) {
                    range
                } else if let Some(e) = enums
                    .iter()
                    .find(|e| e.name.to_upper_camel_case() == ty.base)
                {
                    match &e.schema {
                        Some(s) if s != "public" => {
                            format!("{}.{}", quote_pg(s), quote_pg(&e.name))
                        }
                        _ => quote_pg(&e.name),
                    }
                } else {
                    upper()
                }
            }
        },
        Backend::Mysql => match key.as_str() {
            "bool" | "boolean" => "tinyint(1)".to_owned(),
            "tinyint" => "tinyint".to_owned(),
            "smallint" | "int2" => "smallint".to_owned(),
            "mediumint" => "mediumint".to_owned(),
            "integer" | "int" | "int4" => "int".to_owned(),
            "bigint" | "int8" => "bigint".to_owned(),
            "float" | "float4" => "float".to_owned(),
            "double" | "float8" => "double".to_owned(),
            "numeric" | "decimal" => "decimal".to_owned(),
            "text" | "tinytext" | "mediumtext" | "longtext" | "blob" | "tinyblob"
            | "mediumblob" | "longblob" | "json" | "date" | "time" | "datetime" | "timestamp"
            | "year" => key.clone(),
            "varchar" => sized("varchar", Some(255)),
            "char" => sized("char", Some(1)),
            "varbinary" => sized("varbinary", Some(255)),
            "binary" => match max_length {
                Some(n) => format!("binary({n})"),
                None => "blob".to_owned(),
            },
            _ => upper(),
        },
        Backend::Sqlite => match key.as_str() {
            "bool" => "BOOLEAN".to_owned(),
            "smallint" => "SMALLINT".to_owned(),
            "integer" => "INTEGER".to_owned(),
            "bigint" => "BIGINT".to_owned(),
            "float" => "FLOAT".to_owned(),
            "double" => "DOUBLE".to_owned(),
            "text" => "TEXT".to_owned(),
            "binary" => "BLOB".to_owned(),
            "timestamp" => "TIMESTAMP".to_owned(),
            "date" => "DATE".to_owned(),
            "time" => "TIME".to_owned(),
            _ => upper(),
        },
    };
    let mut out = base;
    if ty.unsigned && backend == Backend::Mysql {
        out.push_str(" unsigned");
    }
    if ty.array {
        if backend != Backend::Postgres {
            return None;
        }
        out.push_str("[]");
    }
    Some(out)
}

/// PostgreSQL's range or multirange type of diesel's `Range<T>` /
/// `Multirange<T>`, named as diesel names it.
fn range_type(base: &str) -> Option<String> {
    let (inner, kind) = if let Some(inner) = unwrap(base, "Range") {
        (inner, "range")
    } else {
        (unwrap(base, "Multirange")?, "multirange")
    };
    let element = match inner.to_ascii_lowercase().as_str() {
        "int4" | "integer" => "int4",
        "int8" | "bigint" => "int8",
        "numeric" | "decimal" => "num",
        "timestamp" => "ts",
        "timestamptz" => "tstz",
        "date" => "date",
        other => return Some(format!("{}{kind}", other.to_uppercase())),
    };
    Some(format!("{element}{kind}"))
}

/// A PostgreSQL composite type diesel makes for a `Record<(...)>` column:
/// its name and `CREATE TYPE` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordType {
    pub name: String,
    pub create: String,
    /// How many fields it has.
    pub fields: usize,
}

/// The DDL type of a PostgreSQL `Record<(A, B, ...)>` column (or an array
/// of one), named as diesel names it: `"{COLUMN}_RECORD"`, a record in a
/// field `"{COLUMN}_RECORD_FIELD_{i}_RECORD"`. The composite types it
/// needs are appended to `types`, inner ones first, as diesel creates
/// them. `None` when `ty` is no record or a field has no type.
pub(crate) fn record_type(
    column: &str,
    ty: &DieselType,
    enums: &[EnumType],
    types: &mut Vec<RecordType>,
) -> Option<String> {
    let fields = unwrap(&ty.base, "Record")?;
    let fields = fields.strip_prefix('(')?.strip_suffix(')')?;
    let name = format!("{}_RECORD", column.to_uppercase());
    let mut lines = Vec::new();
    for (i, field) in split_top_level(fields).into_iter().enumerate() {
        let field_ty = DieselType::parse(field);
        let prefix = format!("{}_RECORD_FIELD_{i}", column.to_uppercase());
        let ddl = match record_type(&prefix, &field_ty, enums, types) {
            Some(t) => t,
            None => ddl_type(Backend::Postgres, &field_ty, None, enums)?,
        };
        lines.push(format!("    \"FIELD_{i}\" {ddl}"));
    }
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    types.push(RecordType {
        fields: lines.len(),
        create: format!("CREATE TYPE {quoted} AS (\n{}\n);", lines.join(",\n")),
        name: quoted.clone(),
    });
    Some(if ty.array {
        format!("{quoted}[]")
    } else {
        quoted
    })
}

/// Whether a live PostgreSQL column is the `Record<...>` column `desired`
/// as autogenerate (and diesel) made it: of the composite type named
/// after the column.
pub(crate) fn is_record_column(live: &Column, desired: &DieselType, name: &str) -> bool {
    if unwrap(&desired.base, "Record").is_none() {
        return false;
    }
    let expected = format!("{}_RECORD", name.to_uppercase());
    let live_name = live
        .full_type
        .trim_end_matches("[]")
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim_matches('"');
    live_name == expected && live.full_type.ends_with("[]") == desired.array
}

/// `A, B<C, D>, (E, F)` as `A`, `B<C, D>`, `(E, F)`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

fn quote_pg(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// What two diesel types are compared by: their DDL type without length
/// where the backend has one (so `Integer` and `Int4` are one type on
/// PostgreSQL), else the name.
pub(crate) fn canonical(backend: Backend, ty: &DieselType) -> String {
    let mut bare = ty.clone();
    if backend == Backend::Mysql {
        // `Bool` is MySQL's `tinyint(1)`, a type of its own to diesel.
        if bare.base.eq_ignore_ascii_case("tinyint") {
            bare.base = "Tinyint".into();
        }
    }
    if backend == Backend::Postgres {
        // A serial type is its integer with a default.
        let integer = match bare.base.to_ascii_lowercase().as_str() {
            "smallserial" => Some("Int2"),
            "serial" => Some("Int4"),
            "bigserial" => Some("Int8"),
            _ => None,
        };
        if let Some(integer) = integer {
            bare.base = integer.into();
        }
    }
    match ddl_type(backend, &bare, None, &[]) {
        // SQLite keeps the declared name: compare what it reads back as.
        Some(t) if backend == Backend::Sqlite => {
            crate::schema::diesel::types::sqlite_type(&t, true, false, || false)
                .map_or(t.to_ascii_lowercase(), |c| c.rust_name.to_ascii_lowercase())
        }
        Some(t) => t.to_ascii_lowercase(),
        None => format!(
            "{}{}{}",
            if ty.unsigned { "unsigned " } else { "" },
            ty.base,
            if ty.array { "[]" } else { "" }
        ),
    }
}

/// Whether changing a column from `from` to `to` can lose data or fail
/// on some rows: everything but widening a number or a string.
pub(crate) fn is_narrowing(
    backend: Backend,
    from: &Column,
    to: &DieselType,
    to_len: Option<u64>,
) -> bool {
    let Some(from_ty) = DieselType::of_live(from) else {
        return true;
    };
    if from_ty.array != to.array || (from_ty.unsigned && !to.unsigned) {
        return true;
    }
    let (a, b) = (canonical(backend, &from_ty), canonical(backend, to));
    let rank = |t: &str| -> Option<(u8, u8)> {
        Some(match t {
            "tinyint" => (0, 1),
            "smallint" => (0, 2),
            "mediumint" => (0, 3),
            "integer" | "int" => (0, 4),
            "bigint" => (0, 5),
            "real" | "float" => (1, 1),
            "double precision" | "double" => (1, 2),
            _ => return None,
        })
    };
    let is_text = |t: &str| matches!(t, "text" | "mediumtext" | "longtext" | "TEXT");
    let is_string =
        |t: &str| is_text(t) || t.starts_with("character varying") || t.starts_with("varchar");
    if a == b {
        // Only a length changes.
        return match (from.max_length, to_len) {
            (Some(old), Some(new)) => new < old,
            (None, Some(_)) => true,
            _ => false,
        };
    }
    match (rank(&a), rank(&b)) {
        (Some((fa, ra)), Some((fb, rb))) => {
            // An integer fits a double exactly up to 2^53: int and smaller.
            (fa == fb && rb < ra)
                || (fa == 1 && fb == 0)
                || (fa == 0 && fb == 1 && (ra > 4 || rb < 2))
        }
        _ if is_text(&b) => false,
        _ if is_string(&a) && is_string(&b) => match (from.max_length, to_len) {
            (Some(old), Some(new)) => new < old,
            (None, Some(_)) => true,
            _ => false,
        },
        (Some((0, _)), None) if b == "numeric" || b == "decimal" => false,
        _ => true,
    }
}

/// A value of `ty` that existing rows get when a NOT NULL column without a
/// default is added (the user reviews it in the generated SQL).
pub(crate) fn zero_value(backend: Backend, ddl: &str) -> &'static str {
    let t = ddl.to_ascii_lowercase();
    if t.ends_with("[]") {
        return "'{}'";
    }
    if t.starts_with("bool") || t == "tinyint(1)" {
        return if backend == Backend::Postgres {
            "false"
        } else {
            "0"
        };
    }
    if t.contains("int")
        || t.contains("real")
        || t.contains("float")
        || t.contains("double")
        || t.contains("numeric")
        || t.contains("decimal")
    {
        return "0";
    }
    if t.contains("timestamp") || t.contains("datetime") {
        return "'1970-01-01 00:00:00'";
    }
    if t.starts_with("date") {
        return "'1970-01-01'";
    }
    if t.starts_with("time") {
        return "'00:00:00'";
    }
    if t == "bytea" {
        return "''::bytea";
    }
    if t.contains("json") {
        return "'{}'";
    }
    if t == "uuid" {
        return "'00000000-0000-0000-0000-000000000000'";
    }
    "''"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DieselType {
        DieselType::parse(s)
    }

    #[test]
    fn parses_wrappers_and_paths() {
        assert_eq!(
            t("Array<Nullable<diesel::sql_types::Text>>"),
            DieselType {
                base: "Text".into(),
                array: true,
                unsigned: false
            }
        );
        assert!(t("Unsigned<Integer>").unsigned);
        assert_eq!(t("crate::schema::sql_types::Mood").base, "Mood");
    }

    #[test]
    fn aliases_are_one_type() {
        let c = |b, s: &str| canonical(b, &t(s));
        assert_eq!(
            c(Backend::Postgres, "Int4"),
            c(Backend::Postgres, "Integer")
        );
        assert_eq!(
            c(Backend::Postgres, "Float8"),
            c(Backend::Postgres, "Double")
        );
        assert_ne!(c(Backend::Postgres, "Int4"), c(Backend::Postgres, "Int8"));
        assert_eq!(c(Backend::Mysql, "Bigint"), c(Backend::Mysql, "BigInt"));
        assert_eq!(c(Backend::Sqlite, "Integer"), "integer");
    }

    #[test]
    fn ddl_types_per_backend() {
        let d = |b, s: &str, n| ddl_type(b, &t(s), n, &[]);
        assert_eq!(
            d(Backend::Postgres, "Varchar", Some(20)).unwrap(),
            "character varying(20)"
        );
        assert_eq!(
            d(Backend::Postgres, "Array<Int4>", None).unwrap(),
            "integer[]"
        );
        assert_eq!(
            d(Backend::Mysql, "Unsigned<Bigint>", None).unwrap(),
            "bigint unsigned"
        );
        assert_eq!(d(Backend::Mysql, "Varchar", None).unwrap(), "varchar(255)");
        assert_eq!(d(Backend::Sqlite, "Binary", None).unwrap(), "BLOB");
        assert_eq!(d(Backend::Sqlite, "Uuid", None).unwrap(), "UUID");
        assert_eq!(d(Backend::Postgres, "Mood", None).unwrap(), "MOOD");
        assert_eq!(d(Backend::Sqlite, "Float4", None).unwrap(), "FLOAT4");
        assert_eq!(d(Backend::Mysql, "Int8", None).unwrap(), "bigint");
        assert_eq!(
            d(Backend::Postgres, "Array<Range<Integer>>", None).unwrap(),
            "int4range[]"
        );
        assert_eq!(
            d(Backend::Postgres, "Multirange<Timestamptz>", None).unwrap(),
            "tstzmultirange"
        );
        assert_eq!(d(Backend::Postgres, "Record<(Integer, Text)>", None), None);
        assert!(!diesel_defines(Backend::Sqlite, "Uuid"));
        assert!(diesel_defines(Backend::Postgres, "PgLsn"));
        let mood = EnumType {
            schema: Some("public".into()),
            name: "mood".into(),
            values: vec![],
            comment: None,
        };
        assert_eq!(
            ddl_type(Backend::Postgres, &t("Mood"), None, &[mood]).unwrap(),
            "mood"
        );
    }

    /// Every type `diesel::sql_types` and the backends' modules define
    /// (diesel 2.3), aliases included.
    const DIESEL_TYPES: &[&str] = &[
        "Bool",
        "TinyInt",
        "Tinyint",
        "SmallInt",
        "Int2",
        "Smallint",
        "Integer",
        "Int4",
        "BigInt",
        "Int8",
        "Bigint",
        "Float",
        "Float4",
        "Double",
        "Float8",
        "Numeric",
        "Decimal",
        "Text",
        "VarChar",
        "Varchar",
        "Char",
        "Tinytext",
        "Mediumtext",
        "Longtext",
        "Binary",
        "Tinyblob",
        "Blob",
        "Mediumblob",
        "Longblob",
        "Varbinary",
        "Bit",
        "Date",
        "Interval",
        "Time",
        "Timestamp",
        "Json",
        "Jsonb",
    ];
    const POSTGRES_TYPES: &[&str] = &[
        "Oid",
        "Timestamptz",
        "Int4range",
        "Int8range",
        "Daterange",
        "Numrange",
        "Tsrange",
        "Tstzrange",
        "Int4multirange",
        "Int8multirange",
        "Datemultirange",
        "Nummultirange",
        "Tsmultirange",
        "Tstzmultirange",
        "SmallSerial",
        "Serial",
        "BigSerial",
        "Uuid",
        "Bytea",
        "Bpchar",
        "Money",
        "MacAddr",
        "Macaddr",
        "MacAddr8",
        "Macaddr8",
        "Inet",
        "Cidr",
        "CChar",
        "Citext",
        "PgLsn",
        "Range<Int8>",
        "Multirange<Date>",
        "Array<Int4>",
    ];

    #[test]
    fn every_diesel_type_is_written_without_a_warning() {
        let backends = [
            (Backend::Postgres, POSTGRES_TYPES),
            (Backend::Mysql, &["Datetime", "Unsigned<Integer>"][..]),
            (Backend::Sqlite, &["Timestamptz"][..]),
        ];
        for (backend, own) in backends {
            for name in DIESEL_TYPES.iter().chain(own) {
                let ty = t(name);
                assert!(
                    ddl_type(backend, &ty, None, &[]).is_some(),
                    "{backend}: {name}"
                );
                assert!(
                    ty.base.contains('<') || diesel_defines(backend, &ty.base),
                    "{backend}: {name} would be warned about"
                );
            }
        }
        assert!(!diesel_defines(Backend::Mysql, "Uuid"));
        assert_eq!(d_pg("CChar"), "\"char\"");
        assert_eq!(d_pg("PgLsn"), "pg_lsn");
        assert_eq!(d_pg("SmallSerial"), "smallserial");
        assert_eq!(
            canonical(Backend::Postgres, &t("BigSerial")),
            canonical(Backend::Postgres, &t("Int8"))
        );
        assert_eq!(
            canonical(Backend::Sqlite, &t("Int2")),
            canonical(Backend::Sqlite, &t("SmallInt"))
        );
        assert_eq!(
            canonical(Backend::Mysql, &t("Float8")),
            canonical(Backend::Mysql, &t("Double"))
        );
    }

    fn d_pg(name: &str) -> String {
        ddl_type(Backend::Postgres, &t(name), None, &[]).unwrap_or_default()
    }

    #[test]
    fn records_as_diesel_names_them() {
        let mut types = Vec::new();
        let ddl = record_type(
            "nested_4",
            &t("Record<(Record<(Integer, Array<Text>)>, Nullable<Integer>)>"),
            &[],
            &mut types,
        );
        assert_eq!(ddl.as_deref(), Some("\"NESTED_4_RECORD\""));
        let names: Vec<&str> = types.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["\"NESTED_4_RECORD_FIELD_0_RECORD\"", "\"NESTED_4_RECORD\""]
        );
        assert_eq!(
            types[0].create,
            "CREATE TYPE \"NESTED_4_RECORD_FIELD_0_RECORD\" AS (\n    \"FIELD_0\" integer,\n    \"FIELD_1\" text[]\n);"
        );
    }

    #[test]
    fn widening_is_not_destructive() {
        let live = |ty: &str, len| {
            let mut c = Column::new("c", 1, ty);
            c.sql_type = Some(ty.into());
            c.max_length = len;
            c
        };
        let pg = Backend::Postgres;
        assert!(!is_narrowing(pg, &live("Int4", None), &t("Int8"), None));
        assert!(is_narrowing(pg, &live("Int8", None), &t("Int4"), None));
        assert!(!is_narrowing(pg, &live("Int4", None), &t("Float8"), None));
        assert!(is_narrowing(pg, &live("Int8", None), &t("Float8"), None));
        assert!(!is_narrowing(
            pg,
            &live("Varchar", Some(10)),
            &t("Varchar"),
            Some(20)
        ));
        assert!(is_narrowing(
            pg,
            &live("Varchar", Some(20)),
            &t("Varchar"),
            Some(10)
        ));
        assert!(!is_narrowing(
            pg,
            &live("Varchar", Some(20)),
            &t("Text"),
            None
        ));
        assert!(is_narrowing(
            pg,
            &live("Text", None),
            &t("Varchar"),
            Some(10)
        ));
        assert!(is_narrowing(pg, &live("Text", None), &t("Int4"), None));
        assert!(!is_narrowing(pg, &live("Int4", None), &t("Text"), None));
    }
}
