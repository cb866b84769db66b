//! For tests that reach their databases through diesel: a connection as
//! the servers' [`Admin`], and a connection to a [`TestDb`].

use diesel::query_builder::SqlQuery;
use diesel::query_dsl::methods::LoadQuery;
use diesel::sql_types::Text;
use diesel::{Connection, QueryResult, QueryableByName, RunQueryDsl};

use crate::{Admin, Backend, ServerUrl, TestDb};

/// A row of a query whose one column is a text named `s`.
#[derive(Debug, QueryableByName)]
pub struct StringRow {
    /// The column.
    #[diesel(sql_type = Text)]
    pub s: String,
}

/// The values of `sql`'s column `s` (see [`crate::inspect`]).
pub fn strings<C>(conn: &mut C, sql: &str) -> QueryResult<Vec<String>>
where
    C: Connection,
    for<'a> SqlQuery: LoadQuery<'a, C, StringRow>,
{
    Ok(diesel::sql_query(sql)
        .load::<StringRow>(conn)?
        .into_iter()
        .map(|r| r.s)
        .collect())
}

/// A diesel connection of type `C` to the admin URL, as the [`Admin`] of
/// [`TestDb::create_with`].
pub struct DieselAdmin<C>(C);

impl<C> Admin for DieselAdmin<C>
where
    C: Connection,
    for<'a> SqlQuery: LoadQuery<'a, C, StringRow>,
{
    fn connect(_: Backend, server: &ServerUrl) -> Result<Self, String> {
        C::establish(&server.url())
            .map(DieselAdmin)
            .map_err(|e| e.to_string())
    }

    fn execute(&mut self, sql: &str) -> Result<(), String> {
        self.0.batch_execute(sql).map_err(|e| e.to_string())
    }

    fn strings(&mut self, sql: &str) -> Result<Vec<String>, String> {
        strings(&mut self.0, sql).map_err(|e| e.to_string())
    }
}

impl TestDb {
    /// A new diesel connection to this database.
    #[track_caller]
    pub fn conn<C: Connection>(&self) -> C {
        let url = self.diesel_url();
        C::establish(url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
    }
}
