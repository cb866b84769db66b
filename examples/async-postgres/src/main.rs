//! An async app on PostgreSQL with diesel-async. The ini holds no
//! credentials: the URL comes from `DATABASE_URL` (or `.env`). At start-up
//! the embedded migrations run on a blocking thread, then the app serves a
//! query through the async engine's pool.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use schema_runtime::async_engine_from_config;

schema_runtime::embed!();

mod schema {
    #![allow(missing_docs)] // diesel's table! items carry no docs
    diesel::table! {
        tasks (id) {
            id -> Integer,
            title -> Text,
            done -> Bool,
        }
    }
}

use schema::tasks;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = SchemaConfig::load()?;
    println!("database: {}", config.database_url());

    let applied = MIGRATIONS
        .upgrade_async::<schema_runtime::PgConnection>(config.settings(), "head")
        .await?;
    println!(
        "applied {} of {} revisions",
        applied.len(),
        MIGRATIONS.len()
    );

    let engine = async_engine_from_config::<AsyncPgConnection>(config.settings())?;
    let mut conn = engine.get().await?;
    diesel::insert_into(tasks::table)
        .values(tasks::title.eq("write the release notes"))
        .execute(&mut *conn)
        .await?;
    let open: Vec<(i32, String)> = tasks::table
        .filter(tasks::done.eq(false))
        .select((tasks::id, tasks::title))
        .order(tasks::id)
        .load(&mut *conn)
        .await?;
    println!(
        "{} open task(s); first: {}",
        open.len(),
        <[_]>::first(&open).map_or("-", |(_, t)| t.as_str())
    );
    Ok(())
}
