//! A small sync blog on SQLite: the configuration and migrations are
//! embedded and checked at build time; at start-up the app brings the
//! database to head, then writes and reads with diesel.

use diesel::prelude::*;
use schema_runtime::connect;

schema_runtime::embed!();

mod schema {
    #![allow(missing_docs)] // diesel's table! items carry no docs
    diesel::table! {
        authors (id) {
            id -> Integer,
            name -> Text,
        }
    }

    diesel::table! {
        posts (id) {
            id -> Integer,
            author_id -> Integer,
            title -> Text,
        }
    }

    diesel::joinable!(posts -> authors (author_id));
    diesel::allow_tables_to_appear_in_same_query!(authors, posts);
}

use schema::{authors, posts};

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = SchemaConfig::load()?;
    println!("{}", config.greeting());
    println!(
        "database: {} (pool of {})",
        config.database_url(),
        config.pool_size()
    );

    let mut conn: SqliteConnection = connect::establish(config.settings())?;
    let applied = MIGRATIONS.upgrade(&mut conn, "head")?;
    println!(
        "applied {} of {} revisions",
        applied.len(),
        MIGRATIONS.len()
    );

    let author_id: i32 = diesel::insert_into(authors::table)
        .values(authors::name.eq("ada"))
        .on_conflict(authors::name)
        .do_update()
        .set(authors::name.eq("ada"))
        .returning(authors::id)
        .get_result(&mut conn)?;
    diesel::insert_into(posts::table)
        .values((
            posts::author_id.eq(author_id),
            posts::title.eq("Notes on the Analytical Engine"),
        ))
        .execute(&mut conn)?;

    let rows: Vec<(String, String)> = posts::table
        .inner_join(authors::table)
        .select((authors::name, posts::title))
        .order(posts::id)
        .load(&mut conn)?;
    for (author, title) in &rows {
        println!("{author}: {title}");
    }
    Ok(())
}
