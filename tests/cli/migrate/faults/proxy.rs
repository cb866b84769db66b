//! The connection between runner and server fails in the middle of a
//! revision drawn from the seed: a TCP proxy the test runs on loopback
//! drops both directions, or half-closes (the runner's side sees the end
//! of the stream while the server's session lingers), or the server ends
//! the session itself (`pg_terminate_backend`, MariaDB's `KILL`). Each on
//! PostgreSQL and MariaDB, in one transaction per run and per revision.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use schema_test_support::ServerUrl;

use super::{
    assert_boundary, cases, finish_within, hold_pauses, in_pause, logged_chain, next_run_completes,
    pause_sql, Rng,
};
use crate::migrate::{Backend, Ctx};
use crate::support::Piped;

/// What the proxy does to its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Fault {
    /// Bytes pass both ways.
    Pass = 0,
    /// Both sides closed at once (a reset, a crashed middlebox).
    Drop = 1,
    /// The runner's side is closed; the server's stays open and silent
    /// until the test lets it go (a half-open connection).
    HalfOpen = 2,
    /// Nothing passes and nothing is closed: both ends wait on sockets
    /// that stay open (a middlebox that stopped forwarding, a partition
    /// that each end's TCP stack does not see).
    Stall = 3,
}

struct Shared {
    fault: AtomicU8,
    stop: AtomicBool,
    /// Every connection's two sockets (runner side, server side).
    sockets: Mutex<Vec<(TcpStream, TcpStream)>>,
    /// Connections accepted during a stall, held open and never served.
    stalled: Mutex<Vec<TcpStream>>,
}

/// A loopback TCP proxy to a server; its threads end when it is dropped
/// (every loop checks `stop` at least each 20 ms).
struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

const TICK: Duration = Duration::from_millis(20);

impl Proxy {
    fn start(upstream: (String, u16)) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let port = listener.local_addr().expect("the proxy's port").port();
        let shared = Arc::new(Shared {
            fault: AtomicU8::new(Fault::Pass as u8),
            stop: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
            stalled: Mutex::new(Vec::new()),
        });
        let s = Arc::clone(&shared);
        let accept = std::thread::spawn(move || {
            let mut pumps = Vec::new();
            while !s.stop.load(Ordering::SeqCst) {
                let client = match listener.accept() {
                    Ok((client, _)) => client,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(TICK);
                        continue;
                    }
                    Err(_) => break,
                };
                let fault = s.fault.load(Ordering::SeqCst);
                if fault == Fault::Stall as u8 {
                    // A stalled network answers nothing, but closes nothing.
                    s.stalled.lock().expect("stalled").push(client);
                    continue;
                }
                if fault != Fault::Pass as u8 {
                    // A broken network reaches no server.
                    drop(client);
                    continue;
                }
                client.set_nonblocking(false).expect("blocking socket");
                let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)) else {
                    continue;
                };
                for socket in [&client, &server] {
                    socket.set_read_timeout(Some(TICK)).expect("read timeout");
                    socket.set_nodelay(true).expect("nodelay");
                }
                s.sockets.lock().expect("sockets").push((
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                ));
                let (c2, s2) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                pumps.push(pump(Arc::clone(&s), client, server));
                pumps.push(pump(Arc::clone(&s), s2, c2));
            }
            for p in pumps {
                let _ = p.join();
            }
        });
        Proxy {
            port,
            shared,
            threads: vec![accept],
        }
    }

    /// A proxy to the test's database: it, the database's own URL, and
    /// the URL that goes through the proxy.
    fn before(ctx: &Ctx) -> (Proxy, String, String) {
        let direct = ctx.db.url().to_owned();
        let mut server = ServerUrl::parse(&direct);
        let proxy = Proxy::start((server.host.clone(), server.port));
        server.port = proxy.port;
        server.host = "127.0.0.1".into();
        let through_proxy = server.url();
        (proxy, direct, through_proxy)
    }

    /// From now on, every connection (and every new one) suffers `fault`.
    fn inject(&self, fault: Fault) {
        self.shared.fault.store(fault as u8, Ordering::SeqCst);
        for (client, server) in self.shared.sockets.lock().expect("sockets").iter() {
            match fault {
                Fault::Pass | Fault::Stall => {}
                Fault::Drop => {
                    let _ = client.shutdown(Shutdown::Both);
                    let _ = server.shutdown(Shutdown::Both);
                }
                Fault::HalfOpen => {
                    let _ = client.shutdown(Shutdown::Both);
                }
            }
        }
        if fault == Fault::Drop {
            for client in self.shared.stalled.lock().expect("stalled").drain(..) {
                let _ = client.shutdown(Shutdown::Both);
            }
        }
    }

    /// Let the server's side of every connection go (the half-open session
    /// finally ends).
    fn release(&self) {
        for (_, server) in self.shared.sockets.lock().expect("sockets").iter() {
            let _ = server.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.release();
        self.shared.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Copy `from` to `to` while the connection passes; stop copying once a
/// fault is injected (the sockets are then shut down by `inject`) or the
/// proxy stops.
fn pump(shared: Arc<Shared>, mut from: TcpStream, mut to: TcpStream) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while !shared.stop.load(Ordering::SeqCst) {
            if shared.fault.load(Ordering::SeqCst) != Fault::Pass as u8 {
                std::thread::sleep(TICK);
                continue;
            }
            match from.read(&mut buf) {
                Ok(0) => {
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                }
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return,
            }
        }
    })
}

/// How the test breaks the run.
#[derive(Debug, Clone, Copy)]
enum Break {
    Proxy(Fault),
    /// The server ends the runner's session.
    ServerKill,
}

const CHAIN: usize = 5;

fn one_case(backend: Backend, rng: &mut Rng, how: Break, case: usize) {
    let per_migration = rng.below(2) == 1;
    let k = rng.below(CHAIN as u64) as usize;
    let extra = if per_migration {
        "transaction_per_migration = true\n"
    } else {
        ""
    };
    let Some(ctx) = Ctx::new(backend, extra) else {
        return;
    };
    logged_chain(&ctx, CHAIN, |i| pause_sql(backend, i));
    hold_pauses(&ctx.db, 10);
    let (proxy, direct, through_proxy) = Proxy::before(&ctx);
    let context = format!("case {case}: {how:?} in revision {k}, per revision: {per_migration}");

    // PostgreSQL notices a client gone only when it next reads, or every
    // `client_connection_check_interval` (a server setting the runner's
    // PGOPTIONS carries, as a user's would): a session whose client
    // vanished mid-pause ends within a tenth of a second, not at its end.
    let runner = ctx
        .cmd(&["upgrade"])
        .env("DATABASE_URL", &through_proxy)
        .env("PGOPTIONS", "-c client_connection_check_interval=100")
        .spawn(Piped::Stderr);
    schema_test_support::wait_until(
        "the runner inside the drawn revision",
        schema_test_support::GENEROUS,
        || in_pause(&ctx.db, backend, k),
    );
    match how {
        Break::Proxy(fault) => proxy.inject(fault),
        Break::ServerKill => server_kill(&ctx, backend, k),
    }
    let (code, stderr) = finish_within(runner, &context);
    assert_eq!(code, Some(1), "{context}\n{stderr}");
    let said = stderr.to_lowercase();
    assert!(
        [
            "connection",
            "closed",
            "terminat",
            "server",
            "broken pipe",
            "reset",
            "lost"
        ]
        .iter()
        .any(|w| said.contains(w)),
        "the error says the connection or session ended\n{context}\n{stderr}"
    );
    assert!(!stderr.contains("\n\n\n"), "{stderr}");
    // A half-open session lingers on the server until its socket goes:
    // then the server rolls it back and releases its lock.
    proxy.release();
    drop(proxy);
    ctx.db.wait_for_other_sessions();
    hold_pauses(&ctx.db, 0);
    let applied = assert_boundary(&ctx.db, CHAIN, &format!("{context}\n{stderr}"));
    let expected = if per_migration || backend == Backend::Mysql {
        k
    } else {
        0
    };
    assert_eq!(applied, expected, "{context}\n{stderr}");
    eprintln!("{context}: exit 1, {applied} of {CHAIN} applied");
    // The next run goes straight to the server: no lock was left held.
    next_run_completes(&ctx, &ctx.db, CHAIN, &direct);
}

/// The network stalls while the runner holds a lease and is inside
/// revision `k`: its connections (the lease's own included) stay open and
/// silent, so neither end sees an error. The lease expires; a second
/// runner, straight to the server, takes it over and finishes the chain
/// without waiting for the stall to end, since the server ends the
/// stalled session once it has sat idle in its transaction for a lease
/// (and with it the locks the second runner would wait on). When the
/// stall finally breaks, the first runner fails, having committed nothing
/// after it lost the lease.
fn stall_case(backend: Backend, rng: &mut Rng, case: usize) {
    let per_migration = rng.below(2) == 1;
    let k = rng.below(CHAIN as u64) as usize;
    let mut extra = "lock = table\nlock_lease = 2\n".to_owned();
    if per_migration {
        extra.push_str("transaction_per_migration = true\n");
    }
    let Some(ctx) = Ctx::new(backend, &extra) else {
        return;
    };
    logged_chain(&ctx, CHAIN, |i| pause_sql(backend, i));
    // Long enough to be seen in the session list on a loaded machine; the
    // stalled session then sits idle past its lease and is ended.
    hold_pauses(&ctx.db, 10);
    let (proxy, direct, through_proxy) = Proxy::before(&ctx);
    let context = format!("case {case}: stall in revision {k}, per revision: {per_migration}");

    let stalled = ctx
        .cmd(&["upgrade"])
        .env("DATABASE_URL", &through_proxy)
        .spawn(Piped::Stderr);
    schema_test_support::wait_until(
        "the runner inside the drawn revision",
        schema_test_support::GENEROUS,
        || in_pause(&ctx.db, backend, k),
    );
    proxy.inject(Fault::Stall);

    let taker = ctx
        .cmd(&["-x", "lock_timeout=60", "upgrade"])
        .env("DATABASE_URL", &direct)
        .spawn(Piped::Stderr);
    let (taker_code, taker_err) = finish_within(taker, &format!("{context}: the second runner"));
    assert_eq!(
        taker_code,
        Some(0),
        "the second runner finishes while the first is stalled\n{context}\n{taker_err}"
    );
    assert_eq!(
        assert_boundary(&ctx.db, CHAIN, &format!("{context}\n{taker_err}")),
        CHAIN
    );
    assert_eq!(
        ctx.db.query("SELECT COUNT(*) FROM __schema_lock"),
        ["0"],
        "the second runner released the lease\n{context}"
    );

    // The stall breaks: the first runner learns it lost the lease.
    proxy.inject(Fault::Drop);
    let (code, stderr) = finish_within(stalled, &context);
    assert_eq!(code, Some(1), "{context}\n{stderr}");
    assert!(
        stderr.contains("the migration lock's lease was lost"),
        "the stalled runner says it lost the lease\n{context}\n{stderr}"
    );
    drop(proxy);
    ctx.db.wait_for_other_sessions();
    assert_eq!(
        assert_boundary(&ctx.db, CHAIN, &format!("{context}\n{stderr}")),
        CHAIN,
        "the stalled runner committed nothing more"
    );
    eprintln!("{context}: second runner exit 0, stalled runner exit 1");
    next_run_completes(&ctx, &ctx.db, CHAIN, &direct);
}

fn server_kill(ctx: &Ctx, backend: Backend, k: usize) {
    let sql = match backend {
        Backend::Postgres => format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE query LIKE '%in\\_f{k}''%' AND state = 'active' AND pid <> pg_backend_pid() \
             AND datname = current_database()"
        ),
        _ => {
            let ids = ctx.db.query(&format!(
                "SELECT ID FROM information_schema.PROCESSLIST \
                 WHERE INFO LIKE '%in\\_f{k}''%' AND ID <> CONNECTION_ID() AND DB = DATABASE()"
            ));
            assert_eq!(ids.len(), 1, "{ids:?}");
            format!("KILL CONNECTION {}", ids[0])
        }
    };
    ctx.db.exec(&sql);
}

fn family(backend: Backend, how: Break) {
    let mut rng = Rng::seeded(&format!("{how:?} {backend}"));
    for case in 0..cases(2) {
        one_case(backend, &mut rng, how, case);
    }
}

fn proxy_drops(backend: Backend) {
    family(backend, Break::Proxy(Fault::Drop));
}

fn proxy_half_open(backend: Backend) {
    family(backend, Break::Proxy(Fault::HalfOpen));
}

fn server_ends_session(backend: Backend) {
    family(backend, Break::ServerKill);
}

fn proxy_stalls_past_the_lease(backend: Backend) {
    let mut rng = Rng::seeded(&format!("stall {backend}"));
    for case in 0..cases(1) {
        stall_case(backend, &mut rng, case);
    }
}

on_backends!(proxy_drops: postgres => Postgres, mysql => Mysql);
on_backends!(proxy_stalls_past_the_lease: postgres => Postgres, mysql => Mysql);
on_backends!(proxy_half_open: postgres => Postgres, mysql => Mysql);
on_backends!(server_ends_session: postgres => Postgres, mysql => Mysql);
