//! Issue 34's reproductions that need no database server: long values,
//! untrusted files, and what `init` writes.

use crate::support::Project;

/// Item 11: `config` panicked ("Formatting argument out of range", exit
/// 101) on any value over 65 535 characters.
#[test]
fn config_prints_a_value_longer_than_u16_max() {
    let long = "x".repeat(70_000);
    let p = Project::with_ini(&format!(
        "[schema]\ndiesel.url = sqlite://app.db\ngreeting = {long}\n"
    ));
    let out = p.config_text(&[]).run();
    out.code(0);
    assert!(out.stdout.contains(&long));
}
