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

/// The DDL type of `ty` on `backend` (`max_length` from `#[max_length]`),
/// or `None` when the backend has no such type. PostgreSQL enums of the
/// live database are found by their diesel name.
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
    let base = match backend {
        Backend::Postgres => match key.as_str() {
            "bool" => "boolean".to_owned(),
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
            "date" | "interval" | "uuid" | "json" | "jsonb" | "money" | "inet" | "cidr"
            | "macaddr" | "macaddr8" | "oid" | "tsvector" | "tsquery" | "xml" | "citext"
            | "int4range" | "int8range" | "numrange" | "tsrange" | "tstzrange" | "daterange" => {
                key.clone()
            }
            _ => enums
                .iter()
                .find(|e| e.name.to_upper_camel_case() == ty.base)
                .map(|e| match &e.schema {
                    Some(s) if s != "public" => format!("{}.{}", quote_pg(s), quote_pg(&e.name)),
                    _ => quote_pg(&e.name),
                })?,
        },
        Backend::Mysql => match key.as_str() {
            "bool" => "tinyint(1)".to_owned(),
            "tinyint" => "tinyint".to_owned(),
            "smallint" => "smallint".to_owned(),
            "mediumint" => "mediumint".to_owned(),
            "integer" | "int" => "int".to_owned(),
            "bigint" => "bigint".to_owned(),
            "float" => "float".to_owned(),
            "double" => "double".to_owned(),
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
            _ => return None,
        },
        Backend::Sqlite => match key.as_str() {
            "bool" => "BOOLEAN",
            "smallint" => "SMALLINT",
            "integer" => "INTEGER",
            "bigint" => "BIGINT",
            "float" => "FLOAT",
            "double" => "DOUBLE",
            "text" => "TEXT",
            "binary" => "BLOB",
            "timestamp" => "TIMESTAMP",
            "date" => "DATE",
            "time" => "TIME",
            _ => return None,
        }
        .to_owned(),
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
    match ddl_type(backend, &bare, None, &[]) {
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
        assert_eq!(d(Backend::Sqlite, "Uuid", None), None);
        assert_eq!(d(Backend::Postgres, "Mood", None), None);
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
