//! diesel's SQL type of a column, per backend, as diesel_cli 2.3 infers
//! it from the type the database reports.

use std::fmt;

use heck::ToUpperCamelCase;

use super::PrintSchemaError;
use crate::url::Backend;

/// A column's type as `table!` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnType {
    pub schema: Option<String>,
    pub rust_name: String,
    pub sql_name: String,
    pub is_array: bool,
    pub is_nullable: bool,
    pub is_unsigned: bool,
    pub max_length: Option<u64>,
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut closing = String::new();
        if self.is_nullable {
            f.write_str("Nullable<")?;
            closing.push('>');
        }
        if self.is_array {
            f.write_str("Array<Nullable<")?;
            closing.insert_str(0, ">>");
        }
        if self.is_unsigned {
            f.write_str("Unsigned<")?;
            closing.insert(0, '>');
        }
        f.write_str(&self.rust_name)?;
        f.write_str(&closing)
    }
}

/// diesel's SQL type for a SQLite declared type (its affinity rules, in
/// diesel's order).
pub(crate) fn sqlite_type(
    declared: &str,
    nullable: bool,
    bigint_keys: bool,
    is_row_id: impl FnOnce() -> bool,
) -> Result<ColumnType, PrintSchemaError> {
    let mut t = declared.to_lowercase();
    if t == "generated always" {
        t.clear();
    }
    let has = |s: &str| t.contains(s);
    let name = if t == "boolean" || t == "bool" || (has("tiny") && has("int")) {
        "Bool"
    } else if t == "int2" || (has("small") && has("int")) {
        "SmallInt"
    } else if t == "int8" || (has("big") && has("int")) {
        "BigInt"
    } else if has("int") {
        if bigint_keys && is_row_id() {
            "BigInt"
        } else {
            "Integer"
        }
    } else if has("char") || has("clob") || has("text") {
        "Text"
    } else if has("blob") || has("binary") || t.is_empty() {
        "Binary"
    } else if has("float") || has("real") {
        "Float"
    } else if has("double") || has("num") || has("dec") {
        "Double"
    } else if t == "datetime" || t == "timestamp" {
        "Timestamp"
    } else if t == "date" {
        "Date"
    } else if t == "time" {
        "Time"
    } else {
        return Err(PrintSchemaError::UnsupportedType(t));
    };
    Ok(ColumnType {
        schema: None,
        rust_name: name.to_owned(),
        sql_name: name.to_owned(),
        is_array: false,
        is_nullable: nullable,
        is_unsigned: false,
        max_length: None,
    })
}

/// diesel's SQL type for a MySQL `column_type` (`int(11) unsigned`,
/// `varchar(20)`, `tinyint(1)`, `enum('a','b')`).
pub(crate) fn mysql_type(
    column_type: &str,
    nullable: bool,
    max_length: Option<u64>,
) -> Result<ColumnType, PrintSchemaError> {
    let unsigned = |s: &str| s.to_lowercase().contains("unsigned");
    let base = if column_type == "tinyint(1)" {
        "bool"
    } else if column_type.starts_with("int") {
        "integer"
    } else if let Some(idx) = column_type.find('(') {
        &column_type[..idx]
    } else {
        column_type
    };
    let base = if unsigned(base) {
        base.to_lowercase()
            .replace("unsigned", "")
            .trim()
            .to_owned()
    } else if base.contains(' ') {
        return Err(PrintSchemaError::UnsupportedType(base.to_owned()));
    } else {
        base.to_owned()
    };
    let base = base.trim();
    Ok(ColumnType {
        schema: None,
        sql_name: base.to_owned(),
        rust_name: base.to_upper_camel_case(),
        is_array: false,
        is_nullable: nullable,
        is_unsigned: unsigned(column_type),
        max_length,
    })
}

/// The diesel SQL type name of a column with default settings, for the
/// model (`None`: diesel has no mapping).
pub fn default_sql_type(backend: Backend, column: &crate::schema::model::Column) -> Option<String> {
    match backend {
        Backend::Sqlite => sqlite_type(&column.data_type, true, false, || false)
            .ok()
            .map(|t| t.rust_name),
        Backend::Mysql => mysql_type(&column.data_type, true, None)
            .ok()
            .map(|t| t.rust_name),
        Backend::Postgres => Some(column.data_type.to_upper_camel_case()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_types_follow_diesel() {
        let t = |s| mysql_type(s, false, None).unwrap();
        assert_eq!(t("tinyint(1)").rust_name, "Bool");
        assert_eq!(t("int(11)").rust_name, "Integer");
        assert_eq!(t("int(10) unsigned").to_string(), "Unsigned<Integer>");
        assert_eq!(t("decimal(10,2)").rust_name, "Decimal");
        assert_eq!(t("double unsigned").to_string(), "Unsigned<Double>");
        assert!(mysql_type("lol wat", false, None).is_err());
    }

    #[test]
    fn sqlite_types_follow_diesel() {
        let t = |s| sqlite_type(s, true, false, || false).unwrap().to_string();
        assert_eq!(t("INTEGER"), "Nullable<Integer>");
        assert_eq!(t("VARCHAR(20)"), "Nullable<Text>");
        assert_eq!(t(""), "Nullable<Binary>");
        assert_eq!(t("NUMERIC"), "Nullable<Double>");
        assert_eq!(t("TINYINT"), "Nullable<Bool>");
        assert!(sqlite_type("JSON", true, false, || false).is_err());
    }
}
