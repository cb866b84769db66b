//! PostgreSQL through a transaction-mode pooler (PgBouncer, Supavisor, RDS
//! Proxy, a provider's "pooled" endpoint): the server session a client
//! talks to can change at every transaction boundary, so nothing a session
//! keeps may outlive the transaction it was made in.
//!
//! tokio-postgres runs every query with parameters as a named prepared
//! statement (`s0`, `s1`, ..., numbered per process): `Parse` and
//! `Describe` in one round trip, `Bind` and `Execute` in the next, `Close`
//! when the statement is dropped. diesel-async caches those statements for
//! the life of the connection. Through a transaction pooler that breaks two
//! ways: a cached `s4` stays on a server session another client is handed
//! next, whose own `s4` then fails with `prepared statement "s4" already
//! exists`; and outside a transaction the `Bind` can reach another session
//! than the `Parse` did (`prepared statement "s0" does not exist`).
//!
//! [`Scoped`] closes both: the statement cache is off, so each statement is
//! closed as soon as its query is done, and a query outside a transaction
//! runs inside one of its own (`BEGIN`, the query, `COMMIT`, its rows read
//! in between), so its `Parse`, `Bind` and `Close` reach one session. The
//! cost is a round trip to prepare each query, and two for `BEGIN` and
//! `COMMIT` around a query outside a transaction: the runner's queries are
//! few (one per revision and table, not per row), and batched SQL
//! (`batch_execute`, the simple protocol) prepares nothing.

use diesel::connection::{CacheSize, Instrumentation};
use diesel::query_builder::{AsQuery, QueryFragment, QueryId};
use diesel::QueryResult;
use diesel_async::pooled_connection::PoolableConnection;
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncConnectionCore, AsyncPgConnection,
    SimpleAsyncConnection, TransactionManager,
};
use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

/// diesel-async's row type, which it does not export by name.
type PgRow = <AsyncPgConnection as AsyncConnectionCore>::Row<'static, 'static>;

/// An [`AsyncPgConnection`] whose prepared statements never outlive the
/// transaction they were prepared in (see the module's documentation).
pub struct Scoped(AsyncPgConnection);

impl Scoped {
    /// Wrap `conn`, turning its statement cache off.
    pub fn new(mut conn: AsyncPgConnection) -> Scoped {
        conn.set_prepared_statement_cache_size(CacheSize::Disabled);
        Scoped(conn)
    }

    /// Whether diesel has a transaction open on this connection: inside
    /// one, the pooler keeps the session and a query needs nothing more.
    fn in_transaction(&mut self) -> bool {
        // A status diesel cannot tell (a broken transaction manager) counts
        // as inside: wrapping would add a BEGIN to a transaction it lost.
        !matches!(
            AnsiTransactionManager::transaction_manager_status_mut(&mut self.0).transaction_depth(),
            Ok(None)
        )
    }
}

/// Run `query` between `BEGIN` and `end` on `conn`, or `ROLLBACK` when it
/// fails (its error, not the rollback's, is the one returned).
async fn in_own_transaction<R>(
    conn: &AsyncPgConnection,
    end: &str,
    query: impl std::future::Future<Output = QueryResult<R>>,
) -> QueryResult<R> {
    let mut session = conn;
    session.batch_execute("BEGIN").await?;
    match query.await {
        Ok(result) => {
            session.batch_execute(end).await?;
            Ok(result)
        }
        Err(e) => {
            let _ = session.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

impl SimpleAsyncConnection for Scoped {
    async fn batch_execute(&mut self, query: &str) -> QueryResult<()> {
        self.0.batch_execute(query).await
    }
}

impl AsyncConnectionCore for Scoped {
    type LoadFuture<'conn, 'query> = BoxFuture<'conn, QueryResult<Self::Stream<'conn, 'query>>>;
    type ExecuteFuture<'conn, 'query> = BoxFuture<'conn, QueryResult<usize>>;
    type Stream<'conn, 'query> = BoxStream<'static, QueryResult<PgRow>>;
    type Row<'conn, 'query> = PgRow;
    type Backend = diesel::pg::Pg;

    fn load<'conn, 'query, T>(&'conn mut self, source: T) -> Self::LoadFuture<'conn, 'query>
    where
        T: AsQuery + 'query,
        T::Query: QueryFragment<Self::Backend> + QueryId + 'query,
    {
        if self.in_transaction() {
            return self.0.load(source);
        }
        let conn: &'conn AsyncPgConnection = &self.0;
        // The query is turned into SQL and binds here; the future sends
        // nothing until it is polled, after the BEGIN.
        let query = AsyncConnectionCore::load(&mut { conn }, source);
        // Each row holds its statement, whose `Close` goes out when the
        // last row is dropped: after the COMMIT, to whichever session the
        // pooler hands out then. So the transaction deallocates it itself
        // (a later `Close` of a name a session lacks is no error).
        let end = "DEALLOCATE ALL; COMMIT";
        Box::pin(in_own_transaction(conn, end, async move {
            // Read every row before the COMMIT: the session is the
            // pooler's to hand on after it.
            let rows: Vec<PgRow> = query.await?.try_collect().await?;
            Ok(stream::iter(rows.into_iter().map(Ok)).boxed())
        }))
    }

    fn execute_returning_count<'conn, 'query, T>(
        &'conn mut self,
        source: T,
    ) -> Self::ExecuteFuture<'conn, 'query>
    where
        T: QueryFragment<Self::Backend> + QueryId + 'query,
    {
        if self.in_transaction() {
            return self.0.execute_returning_count(source);
        }
        let conn: &'conn AsyncPgConnection = &self.0;
        let execute = AsyncConnectionCore::execute_returning_count(&mut { conn }, source);
        // The statement is closed before the count comes back.
        Box::pin(in_own_transaction(conn, "COMMIT", execute))
    }
}

impl AsyncConnection for Scoped {
    type TransactionManager = AnsiTransactionManager;

    async fn establish(database_url: &str) -> diesel::ConnectionResult<Self> {
        super::postgres::connect(database_url)
            .await
            .map(Scoped::new)
    }

    fn transaction_state(&mut self) -> &mut AnsiTransactionManager {
        self.0.transaction_state()
    }

    fn instrumentation(&mut self) -> &mut dyn Instrumentation {
        self.0.instrumentation()
    }

    fn set_instrumentation(&mut self, instrumentation: impl Instrumentation) {
        self.0.set_instrumentation(instrumentation);
    }

    fn set_prepared_statement_cache_size(&mut self, _size: CacheSize) {
        // A cached statement would outlive its transaction: the cache stays
        // off whatever a caller asks.
    }
}

impl PoolableConnection for Scoped {
    fn is_broken(&mut self) -> bool {
        self.0.is_broken()
    }
}
